"""Treasurers' work on bank and cash money: matching it to a pledge later, and recording its refunds.

Contributions are append-only: a match and a refund are rows of their own, each
with its ledger entry. Both take the contribution's lock first, then check
what is left of its money, then write, so neither can race the other.
"""

import datetime
import uuid

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.locks import advisory_lock
from ledger.api import (
    AccountRole,
    EntryKind,
    EntrySpec,
    IdempotencyConflict,
    IdempotencyKeyForeign,
    PostingSpec,
    SourceRef,
    account_ids_for,
    currency_check,
    entry_post,
)
from pledges import stripe_gateway as gateway
from pledges.exceptions import (
    CampaignNotFound,
    ContributionAlreadyMatched,
    ContributionNotFound,
    ContributionNotMatchable,
    InvalidPledge,
    PledgeCurrencyDiffers,
    RefundNotPossible,
    UnknownPledgeReference,
)
from pledges.models import (
    AdjustmentKind,
    Campaign,
    Contribution,
    ContributionAdjustment,
    ContributionMatch,
    ContributionMethod,
    Frequency,
    Pledge,
    PledgeStatus,
)
from pledges.services.booking import pledge_lock
from pledges.services.receipts import receipt_issue
from users.models import User

RECORDED_METHODS = (ContributionMethod.BANK_TRANSFER, ContributionMethod.CASH)


def contribution_lock(public_id: uuid.UUID) -> Contribution:
    """The contribution, under a transaction-long lock on its id: matches and refunds of it queue here.

    An advisory lock, as the runtime role may not lock rows of an append-only table.
    """
    advisory_lock(f"contribution:{public_id}")
    contribution = (
        Contribution.objects.select_related("campaign", "match__campaign").filter(public_id=public_id).first()
    )
    if contribution is None:
        raise ContributionNotFound()
    return contribution


def contribution_left(contribution: Contribution) -> int:
    """What of the contribution has not gone back: its amount less refunds (adjustments are signed)."""
    adjusted = contribution.adjustments.aggregate(total=Sum("amount"))["total"] or 0
    return int(contribution.amount + adjusted)


def pledge_for_money(*, reference: str, currency: str) -> Pledge | None:
    """The pledge a reference names, locked; None if none does. Money in another currency is refused."""
    row = Pledge.objects.filter(reference=reference.strip().upper()).only("pk").first() if reference else None
    if row is None:
        return None
    pledge = pledge_lock(row.pk)
    if pledge.currency != currency:
        raise PledgeCurrencyDiffers(
            f"Pledge {pledge.reference} is in {pledge.currency}, the money in {currency}."
        )
    return pledge


def pledge_received(pledge: Pledge) -> None:
    """Money arrived for a pledge: a pending one is fulfilled (once) or active (monthly). Pledge locked."""
    if pledge.status in (PledgeStatus.PENDING, PledgeStatus.PAST_DUE):
        pledge.status = PledgeStatus.FULFILLED if pledge.frequency == Frequency.ONCE else PledgeStatus.ACTIVE
        pledge.save(update_fields=["status"])


def _money_legs(*, currency: str, fund_id: int, amount: int) -> tuple[PostingSpec, PostingSpec]:
    """Bank / donations income in one fund: positive books money in, negative takes it out."""
    accounts = account_ids_for([AccountRole.BANK, AccountRole.DONATIONS_INCOME], currency)
    return (
        PostingSpec(accounts[AccountRole.BANK], fund_id, currency, amount),
        PostingSpec(accounts[AccountRole.DONATIONS_INCOME], fund_id, currency, -amount),
    )


@transaction.atomic
def contribution_record(
    *,
    idempotency_key: uuid.UUID,
    method: str,
    amount: int,
    currency: str,
    received_on: datetime.date,
    reference: str,
    campaign_slug: str | None,
    recorded_by: User,
) -> tuple[Contribution, bool]:
    """A treasurer records money received by bank transfer or in cash: bank / donations income, at once.

    A reference that is a pledge's matches it to that pledge (in the pledge's
    currency only). Otherwise the treasurer names the campaign: the money is
    booked to its fund and waits in the unmatched list until matched. Returns
    the contribution and whether it is new; the same idempotency key returns
    the first one, and is refused for other terms or another treasurer.
    """
    public_id = gateway.stripe_key("recorded-contribution", str(idempotency_key))
    advisory_lock(str(public_id))
    existing = Contribution.objects.filter(public_id=public_id).select_related("campaign").first()
    if existing is not None:
        # A retry with a corrected amount must not come back as the first, uncorrected one.
        if existing.recorded_by_id != recorded_by.pk:
            raise IdempotencyKeyForeign("This Idempotency-Key was used by another user; choose a fresh key.")
        kept = (existing.method, existing.amount, existing.currency, existing.received_on, existing.reference)
        asked = (method, amount, currency, received_on, reference[:64])
        if kept != asked or (campaign_slug and campaign_slug != existing.campaign.slug):
            raise IdempotencyConflict("This Idempotency-Key was used for another contribution.")
        return existing, False
    currency_check(currency)
    if method not in RECORDED_METHODS:
        raise InvalidPledge("Treasurers record bank transfers and cash; card payments arrive from Stripe.")
    if type(amount) is not int or amount <= 0:
        raise InvalidPledge("A contribution is a positive amount.")
    pledge = pledge_for_money(reference=reference, currency=currency)
    if pledge is not None:
        if campaign_slug and campaign_slug != pledge.campaign.slug:
            raise InvalidPledge(f"Reference {pledge.reference} belongs to another campaign.")
        campaign = pledge.campaign
    elif campaign_slug:
        named = Campaign.objects.filter(slug=campaign_slug).first()
        if named is None:
            raise CampaignNotFound(f"No campaign '{campaign_slug}'.")
        campaign = named
    else:
        raise InvalidPledge("No pledge has this reference: name the campaign the money is for.")
    # Cash is banked: both arrive in the bank account of their currency.
    posted = entry_post(
        EntrySpec(
            idempotency_key=idempotency_key,
            postings=_money_legs(currency=currency, fund_id=campaign.fund_id, amount=amount),
            date=received_on,
            kind=EntryKind.CONTRIBUTION,
            memo=f"{ContributionMethod(method).label} {pledge.reference if pledge else ''}".strip(),
            source=SourceRef(type="contribution", id=str(public_id)),
            created_by_id=recorded_by.pk,
        )
    )
    contribution = Contribution.objects.create(
        public_id=public_id,
        campaign=campaign,
        pledge=pledge,
        method=method,
        amount=amount,
        currency=currency,
        presentment_amount=amount,
        presentment_currency=currency,
        reference=reference[:64],
        received_on=received_on,
        recorded_by=recorded_by,
        entry_id=posted.entry_id,
    )
    receipt_issue(contribution=contribution, pledge=pledge)
    if pledge is not None:
        pledge_received(pledge)
    return contribution, True


@transaction.atomic
def contribution_match(*, contribution_id: uuid.UUID, reference: str, matched_by: User) -> ContributionMatch:
    """Match bank or cash money received without a pledge's reference to the pledge it names.

    The pledge is fulfilled (once) or active (monthly). When its campaign has
    another fund, what is left of the money (after refunds) moves there in one
    entry: out of the bank and donations income in the first fund, into both in
    the pledge's. Nothing is edited; a second match is refused.
    """
    contribution = contribution_lock(contribution_id)
    if contribution.method not in RECORDED_METHODS:
        raise ContributionNotMatchable()
    if contribution.pledge_id is not None or contribution.matched is not None:
        raise ContributionAlreadyMatched()
    pledge = pledge_for_money(reference=reference, currency=contribution.currency)
    if pledge is None:
        raise UnknownPledgeReference()
    public_id = gateway.stripe_key("contribution-match", str(contribution.public_id))
    campaign: Campaign = pledge.campaign
    left = contribution_left(contribution)
    entry_id = None
    moved = 0
    if campaign.fund_id != contribution.campaign.fund_id and left > 0:
        out = _money_legs(currency=contribution.currency, fund_id=contribution.campaign.fund_id, amount=-left)
        into = _money_legs(currency=contribution.currency, fund_id=campaign.fund_id, amount=left)
        posted = entry_post(
            EntrySpec(
                idempotency_key=public_id,
                postings=(*out, *into),
                date=timezone.localdate(),
                kind=EntryKind.FUND_TRANSFER,
                memo=f"Received for {contribution.campaign.slug}, matched to pledge {pledge.reference}"[:500],
                source=SourceRef(type="contribution_match", id=str(public_id)),
                created_by_id=matched_by.pk,
            )
        )
        entry_id, moved = posted.entry_id, left
    match = ContributionMatch.objects.create(
        public_id=public_id,
        contribution=contribution,
        pledge=pledge,
        campaign=campaign,
        moved=moved,
        entry_id=entry_id,
        matched_by=matched_by,
    )
    # Money that arrived without a name gets its receipt once it is known whose it is.
    receipt_issue(contribution=contribution, pledge=pledge)
    pledge_received(pledge)
    return match


@transaction.atomic
def contribution_refund_record(
    *,
    contribution_id: uuid.UUID,
    amount: int | None,
    refunded_on: datetime.date,
    idempotency_key: uuid.UUID,
    recorded_by: User,
) -> tuple[ContributionAdjustment, bool]:
    """Record that (part of) a bank or cash contribution was given back: donations income / bank.

    Never more than what is left of it: the contribution's lock is taken before
    what is left is read, so two refunds at once cannot both spend it. The
    whole amount left when `amount` is None. The same idempotency key returns
    the first refund (and whether this one is new); with another contribution
    or amount, or from another user, it is refused.
    """
    public_id = gateway.stripe_key("contribution-refund", str(idempotency_key))
    advisory_lock(str(public_id))
    existing = (
        ContributionAdjustment.objects.filter(public_id=public_id).select_related("contribution").first()
    )
    if existing is not None:
        if existing.recorded_by_id != recorded_by.pk:
            raise IdempotencyKeyForeign("This Idempotency-Key was used by another user; choose a fresh key.")
        if existing.contribution.public_id != contribution_id or amount not in (None, -existing.amount):
            raise IdempotencyConflict("This Idempotency-Key was used for another refund.")
        return existing, False
    contribution = contribution_lock(contribution_id)
    if contribution.method not in RECORDED_METHODS:
        raise RefundNotPossible("Card contributions are refunded through Stripe (`.../refund/`).")
    left = contribution_left(contribution)
    amount = left if amount is None else amount
    if type(amount) is not int or amount <= 0 or amount > left:
        raise RefundNotPossible(
            f"At most {max(left, 0)} minor units of this contribution are left to refund."
        )
    fund_id = Campaign.objects.values_list("fund_id", flat=True).get(pk=contribution.current_campaign_id)
    posted = entry_post(
        EntrySpec(
            idempotency_key=idempotency_key,
            postings=_money_legs(currency=contribution.currency, fund_id=fund_id, amount=-amount),
            date=refunded_on,
            kind=EntryKind.REFUND,
            memo=f"{ContributionMethod(contribution.method).label} refund",
            source=SourceRef(type="contribution_refund", id=str(public_id)),
            created_by_id=recorded_by.pk,
        )
    )
    adjustment = ContributionAdjustment.objects.create(
        contribution=contribution,
        kind=AdjustmentKind.REFUND,
        public_id=public_id,
        recorded_by=recorded_by,
        amount=-amount,
        currency=contribution.currency,
        occurred_on=refunded_on,
        entry_id=posted.entry_id,
    )
    return adjustment, True
