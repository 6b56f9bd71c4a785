"""Reviewers' and admins' writes: assignment, conflicts, reviews, approval (committed in the books), decline.

Also marking paid and closing. Lock order, everywhere: the fund's grant rules
(GrantFund), then the request.
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import exceptions as exc
from grants.models import (
    Assignment,
    ConflictDeclaration,
    Decision,
    DeclineReason,
    GrantRequest,
    Outcome,
    Recommendation,
    Review,
)
from grants.selectors import (
    category_cap_get,
    category_committed,
    first_decision_get,
)
from grants.services.access import (
    _check_reviewer,
    _locked,
    _move,
    _rules_lock,
    access_request_as_reviewer,
    access_request_as_reviewer_unlocked,
    status_label,
)
from grants.workflow import DECIDABLE, OPEN_FOR_REVIEW, Status
from ledger import api as ledger

# Ledger entries committing a grant take their idempotency key from the request's reference.
COMMITMENT_NAMESPACE = uuid.UUID("8c7d0c1e-5b52-4c3e-9f0e-6f1a3b8f2a10")
SOURCE_TYPE = "grant_request"


def commitment_key(reference: str) -> uuid.UUID:
    return uuid.uuid5(COMMITMENT_NAMESPACE, reference)


# --- reviewers --------------------------------------------------------------------------------


@transaction.atomic
def reviewer_assign(*, reference: str, reviewer: Any, assigned_by: Any) -> Assignment:
    """Assign a reviewer; a submitted request goes into review with its first reviewer."""
    _check_reviewer(reviewer)
    request = _locked(reference)
    if request.status not in OPEN_FOR_REVIEW:
        raise exc.InvalidTransition(
            _("A request that is %(status)s takes no reviewers.") % {"status": status_label(request.status)}
        )
    if ConflictDeclaration.objects.filter(request=request, reviewer=reviewer).exists():
        raise exc.ConflictOfInterest()
    first = first_decision_get(request=request)
    if request.status == Status.APPEALED and first is not None and first.decided_by_id == reviewer.pk:
        raise exc.AppealNeedsAnotherReviewer()
    assignment, _created = Assignment.objects.get_or_create(
        request=request, reviewer=reviewer, defaults={"assigned_by": assigned_by}
    )
    if request.status == Status.SUBMITTED:
        _move(request, Status.IN_REVIEW)
        request.save(update_fields=["status", "updated_at"])
    return assignment


@transaction.atomic
def conflict_declare(*, reference: str, reviewer: Any) -> ConflictDeclaration:
    """The reviewer declares a conflict of interest and is unassigned for good."""
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    declaration, _created = ConflictDeclaration.objects.get_or_create(request=request, reviewer=reviewer)
    Assignment.objects.filter(request=request, reviewer=reviewer).delete()
    Review.objects.filter(request=request, reviewer=reviewer).delete()
    return declaration


@transaction.atomic
def review_record(*, reference: str, reviewer: Any, score: int, recommendation: str) -> Review:
    """Record (or revise) the reviewer's score and recommendation while the request is undecided."""
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    if request.status not in DECIDABLE:
        raise exc.InvalidTransition(
            _("A request that is %(status)s is not under review.") % {"status": status_label(request.status)}
        )
    if recommendation not in Recommendation.values or not 1 <= score <= 5:
        raise exc.InvalidGrantInput(_("A score is 1 to 5; a recommendation is approve or decline."))
    review, _created = Review.objects.update_or_create(
        request=request, reviewer=reviewer, defaults={"score": score, "recommendation": recommendation}
    )
    return review


def _decision_round(request: GrantRequest, reviewer: Any) -> int:
    if request.status != Status.APPEALED:
        return 1
    first = first_decision_get(request=request)
    if first is not None and first.decided_by_id == reviewer.pk:
        raise exc.AppealNeedsAnotherReviewer()
    return 2


def _commitment_legs(
    request: GrantRequest, fund_currency: str, amount: int, equivalent: int
) -> tuple[ledger.PostingSpec, ...]:
    """Grants expense / grants payable; across currencies, through both currencies' trading accounts."""
    fund, currency = request.fund_id, request.currency
    payable = ledger.account_for(ledger.AccountRole.GRANTS_PAYABLE, currency)
    expense = ledger.account_for(ledger.AccountRole.GRANTS_EXPENSE, fund_currency)
    if currency == fund_currency:
        return (
            ledger.PostingSpec(expense.pk, fund, currency, amount),
            ledger.PostingSpec(payable.pk, fund, currency, -amount),
        )
    trading_from = ledger.account_for(ledger.AccountRole.FX_TRADING, fund_currency)
    trading_to = ledger.account_for(ledger.AccountRole.FX_TRADING, currency)
    return (
        ledger.PostingSpec(expense.pk, fund, fund_currency, equivalent),
        ledger.PostingSpec(trading_from.pk, fund, fund_currency, -equivalent),
        ledger.PostingSpec(trading_to.pk, fund, currency, amount),
        ledger.PostingSpec(payable.pk, fund, currency, -amount),
    )


def _equivalent(amount: int, currency: str, fund_currency: str, rate: Decimal) -> int:
    """The amount in the fund's currency at `rate` (per unit), rounded half up to its minor unit.

    The one place a grant's money is rounded: the rate is fixed at approval and
    stored on the entry, so the figure can always be recomputed.
    """
    exponent = ledger.currency_exponent(fund_currency)
    value = (ledger.to_decimal(amount, currency) * rate).quantize(Decimal(1).scaleb(-exponent), ROUND_HALF_UP)
    return int(value.scaleb(exponent))


@transaction.atomic
def grant_request_approve(
    *,
    reference: str,
    reviewer: Any,
    amount: int,
    rate: Decimal | None = None,
    rate_source: str = "",
) -> GrantRequest:
    """Approve all or part of a request and commit the amount in the books.

    Locks the fund's grant rules, then the request; only then reads the fund's
    uncommitted money and category total, so two approvals at the same moment
    cannot both spend the same money. A request in another currency than the
    fund's is committed at `rate` (units of the fund's currency per unit of the
    request's), whose source is recorded on the entry; the payout later settles
    at the rate actually paid.
    """
    _check_reviewer(reviewer)
    if type(amount) is not int or amount <= 0:
        raise exc.InvalidGrantAmount()
    peek = access_request_as_reviewer_unlocked(reference=reference, reviewer=reviewer)
    rules = _rules_lock(peek.fund_id)
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    if request.status not in DECIDABLE:
        raise exc.InvalidTransition(
            _("A request that is %(status)s cannot be approved.") % {"status": status_label(request.status)}
        )
    decision_round = _decision_round(request, reviewer)
    if amount > request.amount_requested:
        raise exc.AboveRequested()
    fx: ledger.FxRate | None = None
    if request.currency == rules.currency:
        if rate is not None:
            raise exc.InvalidGrantInput(_("A request in the fund's own currency takes no rate."))
        equivalent = amount
    elif request.currency in rules.also_pays:
        if rate is None or not rate.is_finite() or rate <= 0 or not rate_source:
            raise exc.RateRequired()
        equivalent = _equivalent(amount, request.currency, rules.currency, rate)
        if equivalent <= 0:
            raise exc.InvalidGrantAmount(
                _("At this rate the amount is worth nothing in the fund's currency.")
            )
        fx = ledger.FxRate(rate=rate, source=rate_source)
    else:
        raise exc.CurrencyNotPaid(
            _("This fund no longer pays grants in %(currency)s.") % {"currency": request.currency}
        )
    if equivalent > rules.max_per_request:
        raise exc.AboveFundMaximum()
    cap = category_cap_get(grant_fund=rules, category=request.category)
    if (
        cap is not None
        and category_committed(fund_id=request.fund_id, category=request.category) + equivalent > cap
    ):
        raise exc.CategoryCapReached()
    if ledger.fund_uncommitted(fund_id=request.fund_id, currency=rules.currency) < equivalent:
        raise exc.FundShort()

    posted = ledger.entry_post(
        ledger.EntrySpec(
            idempotency_key=commitment_key(request.reference),
            postings=_commitment_legs(request, rules.currency, amount, equivalent),
            date=timezone.localdate(),
            kind=ledger.EntryKind.GRANT,
            memo=f"Grant {request.reference}",
            source=ledger.SourceRef(SOURCE_TYPE, request.reference),
            fx=fx,
            created_by_id=reviewer.pk,
        )
    )
    now = timezone.now()
    _move(request, Status.APPROVED)
    request.approved_amount = amount
    request.committed_amount = equivalent
    request.decided_by = reviewer
    request.decided_at = now
    request.commitment_entry_id = posted.entry_id
    request.save()
    Decision.objects.create(
        request=request,
        round=decision_round,
        outcome=Outcome.APPROVED,
        amount=amount,
        decided_by=reviewer,
        decided_at=now,
        commitment_entry_id=posted.entry_id,
    )
    return request


@transaction.atomic
def grant_request_decline(*, reference: str, reviewer: Any, reason: str) -> GrantRequest:
    """Decline a request with a reason category; a first decline can be appealed once."""
    _check_reviewer(reviewer)
    if reason not in DeclineReason.values:
        raise exc.InvalidGrantInput(_("'%(reason)s' is not a decline reason.") % {"reason": reason})
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    if request.status not in DECIDABLE:
        raise exc.InvalidTransition(
            _("A request that is %(status)s cannot be declined.") % {"status": status_label(request.status)}
        )
    decision_round = _decision_round(request, reviewer)
    now = timezone.now()
    _move(request, Status.DECLINED)
    request.decline_reason = reason
    request.decided_by = reviewer
    request.decided_at = now
    request.save()
    Decision.objects.create(
        request=request,
        round=decision_round,
        outcome=Outcome.DECLINED,
        decline_reason=reason,
        decided_by=reviewer,
        decided_at=now,
    )
    return request


# --- after the decision ----------------------------------------------------------------------


@transaction.atomic
def grant_request_mark_paid(*, reference: str) -> GrantRequest:
    """The payout settled the grant (called by payouts, which posts the payment itself)."""
    request = _locked(reference)
    _move(request, Status.PAID)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def grant_request_payment_reversed(*, reference: str) -> GrantRequest:
    """The payout failed and was reversed in the books: the request is approved again, to be paid anew."""
    request = _locked(reference)
    _move(request, Status.APPROVED)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def grant_request_close(*, reference: str) -> GrantRequest:
    """Close a paid, withdrawn or finally declined request; retention runs from here."""
    request = _locked(reference)
    _move(request, Status.CLOSED)
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    return request
