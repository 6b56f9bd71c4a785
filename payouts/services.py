"""Treasurers' writes on disbursements: propose, approve, send, fail, cancel; each one transaction.

Lock order, everywhere: the disbursement's row (or, before it exists, an advisory
lock on its grant request), then the advisory lock on the fund's bank money in
the payout's currency, then the one on the day's payouts in that currency, then
the grant request's row (taken by the grants services).
"""

import base64
import datetime
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.locks import advisory_lock
from grants import api as grants
from ledger import api as ledger
from payouts import exceptions as exc
from payouts.models import (
    RAIL_REFERENCE_MAX,
    Disbursement,
    DisbursementApproval,
    FailureReason,
    FundPayoutLimit,
    Rail,
)
from payouts.workflow import LIVE, DisbursementStatus, transition_allowed
from users.roles import Role
from users.selectors import user_has_role

# The ledger entries of a disbursement take their idempotency keys from its reference.
PAYOUT_NAMESPACE = uuid.UUID("0b6c4d3e-7a51-4f0e-8d2a-2f9e5c1b7a63")
SOURCE_TYPE = "disbursement"

S = DisbursementStatus


def send_entry_key(reference: str) -> uuid.UUID:
    """The idempotency key of the entry that settles a disbursement (grants payable / bank)."""
    return uuid.uuid5(PAYOUT_NAMESPACE, f"{reference}:send")


def failure_entry_key(reference: str) -> uuid.UUID:
    """The idempotency key of the reversal of a failed disbursement."""
    return uuid.uuid5(PAYOUT_NAMESPACE, f"{reference}:fail")


def second_approval_needed(*, amount: int, currency: str) -> bool:
    """Above PAYOUTS_SECOND_APPROVAL_ABOVE for its currency (or in a currency it does not list)."""
    limit = settings.PAYOUTS_SECOND_APPROVAL_ABOVE.get(currency)
    return limit is None or amount > limit


def check_rail_reference(rail_reference: str) -> str:
    """The rail's own reference for the money sent: present, at most RAIL_REFERENCE_MAX characters."""
    value = rail_reference.strip() if isinstance(rail_reference, str) else ""
    if not value or len(value) > RAIL_REFERENCE_MAX:
        raise exc.InvalidPayoutInput(
            f"The rail's reference is required, at most {RAIL_REFERENCE_MAX} characters."
        )
    return value


def _reference_new() -> str:
    """A random public reference (80 bits): it says nothing about when or in what order."""
    return "PO-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def _check_treasurer(user: Any) -> None:
    if not user_has_role(user, Role.TREASURER.value):
        raise exc.NotATreasurer()


def _check_not_own_grant(requester_id: int | None, user: Any) -> None:
    if requester_id is not None and requester_id == user.pk:
        raise exc.OwnGrant()


def _move(disbursement: Disbursement, target: str) -> None:
    if not transition_allowed(disbursement.status, target):
        raise exc.InvalidDisbursementTransition(
            f"A disbursement that is {disbursement.status} cannot become {target}."
        )
    disbursement.status = target


def disbursement_lock(reference: str) -> Disbursement:
    """The disbursement's row, locked, with its grant request read alongside (not locked)."""
    found = (
        Disbursement.objects.select_for_update(of=("self",))
        .select_related("grant_request")
        .filter(reference=reference)
        .first()
    )
    if found is None:
        raise exc.DisbursementNotFound()
    return found


def _replayed(
    stored_key: uuid.UUID | None, key: uuid.UUID, *, by_id: int | None, user: Any, same: bool
) -> bool:
    """Whether this call repeats the one that used `key` on this disbursement; other terms are a conflict."""
    if stored_key != key:
        return False
    if by_id != user.pk:
        raise exc.PayoutIdempotencyKeyForeign()
    if not same:
        raise exc.PayoutIdempotencyConflict()
    return True


@transaction.atomic
def disbursement_propose(
    *,
    grant_reference: str,
    rail: str,
    proposed_by: Any,
    idempotency_key: uuid.UUID,
    amount: int | None = None,
) -> tuple[Disbursement, bool]:
    """A treasurer proposes paying an approved grant request in full; returns it and whether it is new.

    At or below the threshold the proposal is the proposer's approval and the
    disbursement is approved at once; above it, it waits for a second treasurer.
    `amount`, if given, must be the approved amount: it guards against paying
    what the proposer did not mean. The same idempotency key returns the first
    proposal; with other terms, or from another user, it is refused.
    """
    _check_treasurer(proposed_by)
    advisory_lock(f"payouts:proposal:{idempotency_key}")
    existing = (
        Disbursement.objects.select_related("grant_request").filter(proposal_key=idempotency_key).first()
    )
    if existing is not None:
        same = (
            existing.grant_request.reference == grant_reference
            and existing.rail == rail
            and amount in (None, existing.amount)
        )
        _replayed(
            existing.proposal_key, idempotency_key, by_id=existing.proposed_by_id, user=proposed_by, same=same
        )
        return existing, False
    if rail not in Rail.values:
        raise exc.InvalidPayoutInput(f"A rail is one of {', '.join(Rail.values)}.")
    grant = grants.grant_request_payable_get(reference=grant_reference)
    advisory_lock(f"payouts:grant:{grant.id}")
    _check_not_own_grant(grant.requester_id, proposed_by)
    if Disbursement.objects.filter(grant_request_id=grant.id, status__in=LIVE).exists():
        raise exc.DisbursementExists()
    if grant.status != grants.Status.APPROVED or grant.approved_amount is None:
        raise exc.GrantNotPayable(f"Grant request {grant.reference} is {grant.status}, not approved.")
    if amount is not None and amount != grant.approved_amount:
        raise exc.AmountNotApproved()
    needs_second = second_approval_needed(amount=grant.approved_amount, currency=grant.currency)
    now = timezone.now()
    disbursement = Disbursement.objects.create(
        reference=_reference_new(),
        grant_request_id=grant.id,
        fund_id=grant.fund_id,
        amount=grant.approved_amount,
        currency=grant.currency,
        rail=rail,
        status=S.PROPOSED if needs_second else S.APPROVED,
        needs_second_approval=needs_second,
        proposal_key=idempotency_key,
        proposed_by=proposed_by,
        proposed_at=now,
        approved_at=None if needs_second else now,
    )
    return disbursement, True


@transaction.atomic
def disbursement_approve(*, reference: str, approver: Any) -> Disbursement:
    """A second, distinct treasurer approves a proposed disbursement; it may then be sent."""
    _check_treasurer(approver)
    disbursement = disbursement_lock(reference)
    if disbursement.proposed_by_id == approver.pk:
        raise exc.OwnProposal()
    _check_not_own_grant(disbursement.grant_request.requester_id, approver)
    if DisbursementApproval.objects.filter(disbursement=disbursement, approver=approver).exists():
        raise exc.AlreadyApproved()
    if disbursement.status != S.PROPOSED:
        raise exc.InvalidDisbursementTransition(
            f"A disbursement that is {disbursement.status} takes no approval."
        )
    now = timezone.now()
    DisbursementApproval.objects.create(
        disbursement=disbursement, approver=approver, proposer_id=disbursement.proposed_by_id, approved_at=now
    )
    _move(disbursement, S.APPROVED)
    disbursement.approved_at = now
    disbursement.save(update_fields=["status", "approved_at"])
    return disbursement


def _settlement_legs(disbursement: Disbursement) -> tuple[ledger.PostingSpec, ledger.PostingSpec]:
    """Grants payable / bank, in the grant's fund and currency (every rail, cash too, leaves the bank)."""
    accounts = ledger.account_ids_for(
        [ledger.AccountRole.GRANTS_PAYABLE, ledger.AccountRole.BANK], disbursement.currency
    )
    fund, currency, amount = disbursement.fund_id, disbursement.currency, disbursement.amount
    return (
        ledger.PostingSpec(accounts[ledger.AccountRole.GRANTS_PAYABLE], fund, currency, amount),
        ledger.PostingSpec(accounts[ledger.AccountRole.BANK], fund, currency, -amount),
    )


@transaction.atomic
def disbursement_send(
    *, reference: str, sent_by: Any, rail_reference: str, idempotency_key: uuid.UUID
) -> tuple[Disbursement, bool]:
    """A treasurer records that the money went out: grants payable / bank, and the grant request is paid.

    Under the disbursement's lock, then the lock on the fund's bank money in its
    currency, the bank balance must cover the amount, so two payouts at once
    cannot both spend it. Returns the disbursement and whether this call sent
    it; the same idempotency key with the same reference replays.
    """
    _check_treasurer(sent_by)
    rail_reference = check_rail_reference(rail_reference)
    disbursement = disbursement_lock(reference)
    same = disbursement.rail_reference == rail_reference
    if _replayed(
        disbursement.send_key, idempotency_key, by_id=disbursement.sent_by_id, user=sent_by, same=same
    ):
        return disbursement, False
    if Disbursement.objects.filter(send_key=idempotency_key).exists():
        raise exc.PayoutIdempotencyConflict()
    _check_not_own_grant(disbursement.grant_request.requester_id, sent_by)
    if disbursement.status == S.PROPOSED:
        raise exc.SecondApprovalRequired()
    _move(disbursement, S.SENT)
    legs = _settlement_legs(disbursement)
    advisory_lock(f"payouts:bank:{disbursement.fund_id}:{disbursement.currency}")
    bank = ledger.account_balance(account_id=legs[1].account_id, fund_id=disbursement.fund_id)
    if bank < disbursement.amount:
        raise exc.FundOverdrawn()
    _daily_limits_check(disbursement)
    grant_reference = disbursement.grant_request.reference
    posted = ledger.entry_post(
        ledger.EntrySpec(
            idempotency_key=send_entry_key(disbursement.reference),
            postings=legs,
            date=timezone.localdate(),
            kind=ledger.EntryKind.PAYOUT,
            memo=f"Payout {disbursement.reference} of grant {grant_reference}",
            source=ledger.SourceRef(SOURCE_TYPE, disbursement.reference),
            created_by_id=sent_by.pk,
        )
    )
    grants.grant_request_mark_paid(reference=grant_reference)
    disbursement.sent_by = sent_by
    disbursement.sent_at = timezone.now()
    disbursement.send_key = idempotency_key
    disbursement.rail_reference = rail_reference
    disbursement.sent_entry_id = posted.entry_id
    disbursement.save(
        update_fields=["status", "sent_by", "sent_at", "send_key", "rail_reference", "sent_entry_id"]
    )
    return disbursement, True


def _today() -> tuple[datetime.datetime, datetime.datetime]:
    """Today in the server's time zone, as [start, end)."""
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def _daily_limits_check(disbursement: Disbursement) -> None:
    """Refuse a send that would pass today's limit in its currency: the organisation's, then its fund's.

    Money that came back (a failed disbursement) does not count. Under a lock on
    the day's payouts in the currency, so two sends at once cannot both fit.
    """
    currency, amount = disbursement.currency, disbursement.amount
    advisory_lock(f"payouts:day:{currency}")
    start, end = _today()
    sent_today = Disbursement.objects.filter(
        status=S.SENT, currency=currency, sent_at__gte=start, sent_at__lt=end
    )
    limits = [("organisation", settings.PAYOUTS_DAILY_LIMIT.get(currency), sent_today)]
    fund_limit = (
        FundPayoutLimit.objects.filter(fund_id=disbursement.fund_id, currency=currency)
        .values_list("daily_limit", flat=True)
        .first()
    )
    limits.append(("fund", fund_limit, sent_today.filter(fund_id=disbursement.fund_id)))
    for whose, limit, counted in limits:
        if limit is None:
            continue
        spent = counted.aggregate(total=Sum("amount"))["total"] or 0
        if spent + amount > limit:
            raise exc.PayoutLimitReached(
                f"The {whose}'s payouts in {currency} today would reach "
                f"{ledger.to_decimal_string(spent + amount, currency)}, above its daily limit of "
                f"{ledger.to_decimal_string(limit, currency)}; "
                f"{ledger.to_decimal_string(max(limit - spent, 0), currency)} is left today."
            )


@transaction.atomic
def disbursement_fail(
    *, reference: str, failed_by: Any, reason: str, idempotency_key: uuid.UUID
) -> tuple[Disbursement, bool]:
    """Sent money came back: its entry is reversed (never edited) and the grant request is approved again.

    A new disbursement can then pay it. The same idempotency key replays.
    """
    _check_treasurer(failed_by)
    if reason not in FailureReason.values:
        raise exc.InvalidPayoutInput(f"A failure reason is one of {', '.join(FailureReason.values)}.")
    disbursement = disbursement_lock(reference)
    same = disbursement.failure_reason == reason
    if _replayed(
        disbursement.fail_key, idempotency_key, by_id=disbursement.failed_by_id, user=failed_by, same=same
    ):
        return disbursement, False
    if Disbursement.objects.filter(fail_key=idempotency_key).exists():
        raise exc.PayoutIdempotencyConflict()
    _move(disbursement, S.FAILED)
    assert disbursement.sent_entry_id is not None  # disbursement_sent_recorded
    posted = ledger.entry_reverse(
        entry_id=disbursement.sent_entry_id,
        idempotency_key=failure_entry_key(disbursement.reference),
        memo=f"Payout {disbursement.reference} failed",
        created_by_id=failed_by.pk,
    )
    grants.grant_request_payment_reversed(reference=disbursement.grant_request.reference)
    disbursement.failed_by = failed_by
    disbursement.failed_at = timezone.now()
    disbursement.fail_key = idempotency_key
    disbursement.failure_reason = reason
    disbursement.failure_entry_id = posted.entry_id
    disbursement.save(
        update_fields=["status", "failed_by", "failed_at", "fail_key", "failure_reason", "failure_entry_id"]
    )
    return disbursement, True


@transaction.atomic
def disbursement_cancel(*, reference: str, cancelled_by: Any) -> Disbursement:
    """A treasurer withdraws a disbursement not yet sent; nothing was posted, so nothing is reversed."""
    _check_treasurer(cancelled_by)
    disbursement = disbursement_lock(reference)
    _move(disbursement, S.CANCELLED)
    disbursement.cancelled_by = cancelled_by
    disbursement.cancelled_at = timezone.now()
    disbursement.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    return disbursement
