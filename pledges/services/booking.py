"""Booking money into the ledger: contributions, refunds, disputes, payouts, bank and cash receipts.

Every posting goes through `ledger.api`; its idempotency key derives from the
Stripe balance transaction (or the treasurer's request), so a replay replays it.
"""

import datetime
import functools
import uuid
from collections import defaultdict

from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from core import rows
from core.locks import advisory_lock
from ledger.api import (
    GENERAL_FUND_CODE,
    AccountRole,
    EntryKind,
    EntrySpec,
    FxRate,
    PostingSpec,
    SourceRef,
    account_for,
    account_ids_for,
    entry_post,
    entry_reverse,
)
from ledger.models import Fund
from pledges import stripe_gateway as gateway
from pledges.models import (
    AdjustmentKind,
    Campaign,
    Contribution,
    ContributionAdjustment,
    ContributionMethod,
    Frequency,
    PayoutKind,
    Pledge,
    PledgeStatus,
    StripePayoutBooking,
)
from pledges.services.receipts import receipt_issue

Obj = gateway.Obj


def _date(timestamp: int) -> datetime.date:
    """Stripe's creation time as a UTC date: the same on every replay, so the entry is too."""
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).date()


def _legs_from_balance_transaction(
    bt: Obj, fund_id: int
) -> tuple[str, int, int, int, tuple[PostingSpec, ...]]:
    """Net to Stripe clearing, the fee to processing fees, the gross against donations income.

    Signs follow Stripe's: a charge is +gross, +fee, +net; a refund or a
    dispute withdrawal is negative, a reinstatement positive.
    """
    currency = bt["currency"].upper()
    gross = gateway.from_stripe_amount(bt["amount"], currency)
    fee = gateway.from_stripe_amount(bt["fee"], currency)
    net = gateway.from_stripe_amount(bt["net"], currency)
    legs = [
        (AccountRole.STRIPE_CLEARING, net),
        (AccountRole.PROCESSING_FEES, fee),
        (AccountRole.DONATIONS_INCOME, -gross),
    ]
    accounts = account_ids_for([role for role, _amount in legs], currency)
    postings = tuple(
        PostingSpec(accounts[role], fund_id, currency, amount) for role, amount in legs if amount
    )
    return currency, gross, fee, net, postings


def pledge_lock(pledge_id: int) -> Pledge:
    """The pledge row, locked: whatever books money for a pledge takes this lock first."""
    pledge = _pledge_locked("id", pledge_id)
    if pledge is None:
        raise Pledge.DoesNotExist(f"No pledge with id {pledge_id}.")
    return pledge


def pledge_lock_by_public_id(public_id: uuid.UUID) -> Pledge | None:
    """The pledge with this public id, locked as pledge_lock locks it; None if there is none."""
    return _pledge_locked("public_id", public_id)


def _pledge_locked(column: str, value: int | uuid.UUID) -> Pledge | None:
    """The pledge row locked and its campaign with it, in SQL written once: every webhook event
    that books money starts here, and compiling the ORM's query cost four times running it."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    with connection.cursor() as cursor:
        cursor.execute(_pledge_locked_sql(column), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    pledge, end = rows.instance(Pledge, row)
    campaign, _end = rows.instance(Campaign, row, end)
    Pledge.campaign.field.set_cached_value(pledge, campaign)
    return pledge


@functools.cache
def _pledge_locked_sql(column: str) -> str:
    return (
        f"SELECT {rows.columns(Pledge, 'p')}, {rows.columns(Campaign, 'c')} "
        f"FROM {Pledge._meta.db_table} p JOIN {Campaign._meta.db_table} c ON c.id = p.campaign_id "
        f"WHERE p.{column} = %s FOR UPDATE OF p"
    )


def contribution_book_from_charge(
    *, pledge: Pledge, charge: str | Obj, invoice_id: str | None = None
) -> Contribution | None:
    """Book a succeeded charge once, from its balance transaction. Call with the pledge locked.

    `charge` is its id, or the charge as just re-read from Stripe (its balance
    transaction expanded or not).
    """
    charge_id = charge if isinstance(charge, str) else charge["id"]
    existing = _contribution_of_charge(charge_id)
    if existing is not None:
        return existing
    if isinstance(charge, str):
        charge = gateway.retrieve("charge", charge_id)
    if charge.get("status") != "succeeded" or not charge.get("balance_transaction"):
        return None
    bt_id = charge["balance_transaction"]
    bt = bt_id if isinstance(bt_id, dict) else gateway.retrieve("balance_transaction", bt_id)
    fund_id = pledge.campaign.fund_id
    currency, gross, fee, _net, postings = _legs_from_balance_transaction(bt, fund_id)
    presentment_currency = charge["currency"].upper()
    converted = presentment_currency != currency
    rate = gateway.rate_from_stripe(bt.get("exchange_rate")) if converted else None
    public_id = gateway.stripe_key("contribution", charge_id)
    posted = entry_post(
        EntrySpec(
            idempotency_key=gateway.stripe_key("balance_transaction", bt["id"]),
            postings=postings,
            date=_date(bt["created"]),
            kind=EntryKind.CONTRIBUTION,
            memo=f"Card contribution to pledge {pledge.reference}",
            source=SourceRef(type="contribution", id=str(public_id)),
            fx=FxRate(rate=rate, source=f"stripe:{bt['id']}") if rate else None,
        )
    )
    contribution = Contribution(
        public_id=public_id,
        campaign_id=pledge.campaign_id,
        pledge=pledge,
        method=ContributionMethod.CARD,
        amount=gross,
        fee=fee,
        currency=currency,
        presentment_amount=gateway.from_stripe_amount(charge["amount"], presentment_currency),
        presentment_currency=presentment_currency,
        exchange_rate=rate,
        stripe_charge_id=charge_id,
        stripe_balance_transaction_id=bt["id"],
        stripe_invoice_id=invoice_id,
        received_on=_date(bt["created"]),
        entry_id=posted.entry_id,
    )
    rows.insert(contribution)
    receipt_issue(contribution=contribution, pledge=pledge)
    if pledge.frequency == Frequency.ONCE and pledge.status != PledgeStatus.FULFILLED:
        pledge.status = PledgeStatus.FULFILLED
        rows.update(pledge, ["status"])
    # Refunds and disputes whose events came before this charge's are booked now.
    if charge.get("amount_refunded"):
        refunds_sync(contribution=contribution, charge_id=charge_id)
    if charge.get("disputed"):
        for dispute in gateway.disputes_for_charge(charge_id):
            dispute_sync(contribution=contribution, dispute=dispute)
    return contribution


def _contribution_of_charge(charge_id: str) -> Contribution | None:
    with connection.cursor() as cursor:
        cursor.execute(_contribution_of_charge_sql(), [charge_id])
        row = cursor.fetchone()
    return None if row is None else rows.instance(Contribution, row)[0]


@functools.cache
def _contribution_of_charge_sql() -> str:
    table = Contribution._meta.db_table
    return f"SELECT {rows.columns(Contribution, 'c')} FROM {table} c WHERE c.stripe_charge_id = %s"


def adjustment_book(
    *, contribution: Contribution, kind: str, object_id: str, bt: Obj | str
) -> ContributionAdjustment:
    """Book a later movement of a contribution's money once per balance transaction."""
    bt_id = bt if isinstance(bt, str) else bt["id"]
    existing = ContributionAdjustment.objects.filter(stripe_balance_transaction_id=bt_id).first()
    if existing is not None:
        return existing
    if isinstance(bt, str):
        bt = gateway.retrieve("balance_transaction", bt)
    currency, gross, fee, _net, postings = _legs_from_balance_transaction(bt, contribution.campaign.fund_id)
    adjustment_id = gateway.stripe_key("adjustment", bt_id)
    posted = entry_post(
        EntrySpec(
            idempotency_key=gateway.stripe_key("balance_transaction", bt_id),
            postings=postings,
            date=_date(bt["created"]),
            kind=EntryKind.REFUND,
            memo=f"{AdjustmentKind(kind).label} ({object_id})",
            source=SourceRef(type=f"contribution_{kind}", id=str(adjustment_id)),
        )
    )
    return ContributionAdjustment.objects.create(
        contribution=contribution,
        kind=kind,
        stripe_object_id=object_id,
        stripe_balance_transaction_id=bt_id,
        amount=gross,
        fee=fee,
        currency=currency,
        occurred_on=_date(bt["created"]),
        entry_id=posted.entry_id,
    )


def refunds_sync(*, contribution: Contribution, charge_id: str) -> None:
    """Book every refund of a charge Stripe reports, and every failed refund's return. Pledge locked."""
    for refund in gateway.refunds_for_charge(charge_id):
        if refund.get("balance_transaction"):
            adjustment_book(
                contribution=contribution,
                kind=AdjustmentKind.REFUND,
                object_id=refund["id"],
                bt=refund["balance_transaction"],
            )
        if refund.get("status") == "failed" and refund.get("failure_balance_transaction"):
            adjustment_book(
                contribution=contribution,
                kind=AdjustmentKind.REFUND_FAILED,
                object_id=refund["id"],
                bt=refund["failure_balance_transaction"],
            )


def dispute_sync(*, contribution: Contribution, dispute: Obj) -> None:
    """Book each of a dispute's balance transactions: the withdrawal with its fee, the reinstatement."""
    for bt in dispute.get("balance_transactions") or []:
        kind = AdjustmentKind.DISPUTE_WITHDRAWN if bt["net"] < 0 else AdjustmentKind.DISPUTE_REINSTATED
        adjustment_book(contribution=contribution, kind=kind, object_id=dispute["id"], bt=bt)


@transaction.atomic
def payout_sync(*, payout: Obj) -> None:
    """A paid payout moves money from clearing to the bank, fund by fund; a failed one moves it back."""
    payout_id, currency = payout["id"], payout["currency"].upper()
    # Payout rows are append-only (no row locks for the runtime role): a lock on the payout's id.
    advisory_lock(f"payout:{payout_id}")
    paid = StripePayoutBooking.objects.filter(stripe_payout_id=payout_id, kind=PayoutKind.PAID).first()
    amount = gateway.from_stripe_amount(payout["amount"], currency)
    if payout["status"] == "paid" and paid is None:
        per_fund = _payout_funds(payout_id, amount)
        clearing = account_for(AccountRole.STRIPE_CLEARING, currency).pk
        bank = account_for(AccountRole.BANK, currency).pk
        legs: list[PostingSpec] = []
        for fund_id, share in sorted(per_fund.items()):
            legs += [
                PostingSpec(bank, fund_id, currency, share),
                PostingSpec(clearing, fund_id, currency, -share),
            ]
        posted = entry_post(
            EntrySpec(
                idempotency_key=gateway.stripe_key("payout", payout_id, "paid"),
                postings=tuple(legs),
                date=_date(payout.get("arrival_date") or payout["created"]),
                kind=EntryKind.PAYOUT,
                memo=f"Stripe payout {payout_id} to the bank",
                source=SourceRef(type="stripe_payout", id=payout_id),
            )
        )
        StripePayoutBooking.objects.create(
            stripe_payout_id=payout_id,
            kind=PayoutKind.PAID,
            amount=amount,
            currency=currency,
            occurred_on=_date(payout.get("arrival_date") or payout["created"]),
            entry_id=posted.entry_id,
        )
    elif payout["status"] == "failed" and paid is not None:
        if StripePayoutBooking.objects.filter(stripe_payout_id=payout_id, kind=PayoutKind.FAILED).exists():
            return
        posted = entry_reverse(
            entry_id=paid.entry_id,
            idempotency_key=gateway.stripe_key("payout", payout_id, "failed"),
            date=paid.occurred_on,
            memo=f"Stripe payout {payout_id} failed; the money is back in Stripe",
        )
        StripePayoutBooking.objects.create(
            stripe_payout_id=payout_id,
            kind=PayoutKind.FAILED,
            amount=amount,
            currency=currency,
            occurred_on=paid.occurred_on,
            entry_id=posted.entry_id,
        )


def _payout_funds(payout_id: str, amount: int) -> dict[int, int]:
    """Split a payout over the funds whose money it carries; what we cannot trace is the general fund's."""
    nets: dict[str, int] = {}
    for bt in gateway.balance_transactions_for_payout(payout_id):
        if bt.get("type") != "payout":
            nets[bt["id"]] = gateway.from_stripe_amount(bt["net"], bt["currency"])
    per_fund: dict[int, int] = defaultdict(int)
    for bt_id, fund_id in Contribution.objects.filter(stripe_balance_transaction_id__in=nets).values_list(
        "stripe_balance_transaction_id", "campaign__fund_id"
    ):
        per_fund[fund_id] += nets[str(bt_id)]
    for bt_id, fund_id in ContributionAdjustment.objects.filter(
        stripe_balance_transaction_id__in=nets
    ).values_list("stripe_balance_transaction_id", "contribution__campaign__fund_id"):
        per_fund[fund_id] += nets[str(bt_id)]
    rest = amount - sum(per_fund.values())
    if rest:
        per_fund[Fund.objects.get(code=GENERAL_FUND_CODE).pk] += rest
    return {fund_id: share for fund_id, share in per_fund.items() if share}
