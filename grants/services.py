"""Writes about grant requests; each function is one transaction, and locks before it checks.

Lock order, everywhere: the fund's grant rules (GrantFund), then the request.
"""

import base64
import datetime
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from grants import exceptions as exc
from grants.identity import identity_seal, requests_shred, retention_cutoff
from grants.models import (
    Appeal,
    Assignment,
    Category,
    CategoryCap,
    ConflictDeclaration,
    Decision,
    DeclineReason,
    GrantFund,
    GrantRequest,
    Outcome,
    Recommendation,
    Review,
    Urgency,
)
from grants.selectors import (
    category_cap_get,
    category_committed,
    claim_code_digest,
    first_decision_get,
    grant_request_get_by_claim_code,
)
from grants.workflow import DECIDABLE, OPEN_FOR_REVIEW, Status, transition_allowed
from ledger import api as ledger
from users.roles import Role
from users.selectors import user_has_role
from users.services import user_role_assign

# Ledger entries committing a grant take their idempotency key from the request's reference.
COMMITMENT_NAMESPACE = uuid.UUID("8c7d0c1e-5b52-4c3e-9f0e-6f1a3b8f2a10")
SOURCE_TYPE = "grant_request"
EDITABLE_FIELDS = frozenset({"fund_id", "category", "country", "currency", "amount", "urgency", "language"})


@dataclass(frozen=True)
class AnonymousApplication:
    """An anonymous application as handed back once: the claim code is never stored in clear."""

    request: GrantRequest
    claim_code: str


def _reference_new() -> str:
    """A random public reference (80 bits): it says nothing about when or in what order."""
    return "GR-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def _claim_code_new() -> str:
    """160 random bits as 32 base32 characters in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _claim_code_ttl() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "GRANTS_CLAIM_CODE_TTL_DAYS", 365))


def commitment_key(reference: str) -> uuid.UUID:
    return uuid.uuid5(COMMITMENT_NAMESPACE, reference)


# --- checks ---------------------------------------------------------------------------


def check_country(country: str) -> str:
    if (
        not isinstance(country, str)
        or re.fullmatch(r"[A-Z]{2}", country) is None
        or pycountry.countries.get(alpha_2=country) is None
    ):
        raise exc.UnknownCountry(f"'{country}' is not an ISO 3166-1 alpha-2 country code.")
    return country


def check_request_terms(
    *, fund_id: int, category: str, country: str, currency: str, amount: int, urgency: str
) -> GrantFund:
    """What a request asks for is something its fund grants; returns the fund's rules."""
    rules = GrantFund.objects.filter(fund_id=fund_id).first()
    if rules is None:
        raise exc.UnknownFund(f"No fund with id {fund_id} takes grant requests.")
    if category not in Category.values:
        raise exc.InvalidGrantInput(f"'{category}' is not a grant category.")
    if urgency not in Urgency.values:
        raise exc.InvalidGrantInput(f"'{urgency}' is not an urgency.")
    check_country(country)
    if type(amount) is not int or amount <= 0:
        raise exc.InvalidGrantAmount()
    if currency != rules.currency:
        raise exc.CurrencyNotPaid(f"This fund pays grants in {rules.currency} only.")
    if amount > rules.max_per_request:
        raise exc.AboveFundMaximum(
            f"This fund grants at most {ledger.to_decimal_string(rules.max_per_request, currency)} "
            f"{currency} to one request."
        )
    return rules


def _check_reviewer(user: Any) -> None:
    if not user_has_role(user, Role.REVIEWER.value):
        raise exc.NotAReviewer()


def _move(request: GrantRequest, target: str) -> None:
    if not transition_allowed(request.status, target):
        raise exc.InvalidTransition(f"A request that is {request.status} cannot become {target}.")
    request.status = target


# --- access with the row lock -------------------------------------------------------------


def _locked(reference: str, **scope: Any) -> GrantRequest:
    found = GrantRequest.objects.select_for_update(of=("self",)).filter(reference=reference, **scope).first()
    if found is None:
        raise exc.RequestNotFound()
    return found


def access_request_as_requester(*, reference: str, requester: Any) -> GrantRequest:
    """The requester's own request, locked; anyone else's is a 404."""
    return _locked(reference, requester=requester)


def access_request_as_reviewer(*, reference: str, reviewer: Any) -> GrantRequest:
    """A request assigned to the reviewer, locked; any other is a 404."""
    return _locked(reference, assignments__reviewer=reviewer)


def access_request_as_reviewer_unlocked(*, reference: str, reviewer: Any) -> GrantRequest:
    """A request assigned to the reviewer, read without a lock (to parse an amount in its currency)."""
    found = GrantRequest.objects.filter(reference=reference, assignments__reviewer=reviewer).first()
    if found is None:
        raise exc.RequestNotFound()
    return found


def _rules_lock(fund_id: int) -> GrantFund:
    return GrantFund.objects.select_for_update().get(fund_id=fund_id)


# --- requesters -----------------------------------------------------------------------------


@transaction.atomic
def requester_register(*, pseudonym: str, password: str) -> Any:
    """A requester account: a pseudonym and a password, nothing else."""
    user_model = get_user_model()
    candidate = user_model(username=pseudonym)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise exc.InvalidGrantInput(" ".join(error.messages)) from None
    if user_model.objects.filter(username__iexact=pseudonym).exists():
        raise exc.PseudonymTaken()
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=pseudonym, password=password)
    except IntegrityError:
        raise exc.PseudonymTaken() from None
    user_role_assign(user=user, role=Role.REQUESTER.value)
    return user


@transaction.atomic
def grant_request_create(
    *,
    requester: Any,
    fund_id: int,
    category: str,
    country: str,
    currency: str,
    amount: int,
    urgency: str = Urgency.NORMAL,
    language: str = "en",
    submit: bool = False,
    identity: Mapping[str, Any] | None = None,
) -> GrantRequest:
    """A requester's new request: a draft, or submitted at once; `identity` is sealed through the vault."""
    rules = check_request_terms(
        fund_id=fund_id, category=category, country=country, currency=currency, amount=amount, urgency=urgency
    )
    if not rules.accepting:
        raise exc.FundNotAccepting()
    now = timezone.now()
    request = GrantRequest(
        reference=_reference_new(),
        requester=requester,
        fund_id=fund_id,
        category=category,
        country=country,
        currency=currency,
        amount_requested=amount,
        urgency=urgency,
        language=language,
        status=Status.SUBMITTED if submit else Status.DRAFT,
        submitted_at=now if submit else None,
    )
    identity_seal(request=request, values=identity or {})
    request.save()
    return request


@transaction.atomic
def grant_request_apply_anonymously(
    *,
    fund_id: int,
    category: str,
    country: str,
    currency: str,
    amount: int,
    urgency: str = Urgency.NORMAL,
    language: str = "en",
    identity: Mapping[str, Any] | None = None,
) -> AnonymousApplication:
    """A submitted request with no account behind it; the claim code is shown this once."""
    rules = check_request_terms(
        fund_id=fund_id, category=category, country=country, currency=currency, amount=amount, urgency=urgency
    )
    if not rules.accepting:
        raise exc.FundNotAccepting()
    code = _claim_code_new()
    now = timezone.now()
    request = GrantRequest(
        reference=_reference_new(),
        claim_code_hash=claim_code_digest(code),
        claim_code_expires_at=now + _claim_code_ttl(),
        fund_id=fund_id,
        category=category,
        country=country,
        currency=currency,
        amount_requested=amount,
        urgency=urgency,
        language=language,
        status=Status.SUBMITTED,
        submitted_at=now,
    )
    identity_seal(request=request, values=identity or {})
    request.save()
    return AnonymousApplication(request=request, claim_code=code)


@transaction.atomic
def grant_request_update(
    *, reference: str, requester: Any, changes: dict[str, Any], identity: Mapping[str, Any] | None = None
) -> GrantRequest:
    """Change a draft (its terms and its sealed fields); a submitted request cannot be edited (409)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise exc.InvalidGrantInput(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    request = access_request_as_requester(reference=reference, requester=requester)
    if request.status != Status.DRAFT:
        raise exc.NotEditable()
    terms = {
        "fund_id": request.fund_id,
        "category": request.category,
        "country": request.country,
        "currency": request.currency,
        "amount": request.amount_requested,
        "urgency": request.urgency,
        **{k: v for k, v in changes.items() if k != "language"},
    }
    check_request_terms(**terms)
    request.fund_id = terms["fund_id"]
    request.category = terms["category"]
    request.country = terms["country"]
    request.currency = terms["currency"]
    request.amount_requested = terms["amount"]
    request.urgency = terms["urgency"]
    request.language = changes.get("language", request.language)
    identity_seal(request=request, values=identity or {})
    request.save()
    return request


@transaction.atomic
def grant_request_submit(*, reference: str, requester: Any) -> GrantRequest:
    """Send a draft to the reviewers; its terms are checked again against the fund's rules."""
    request = access_request_as_requester(reference=reference, requester=requester)
    _move(request, Status.SUBMITTED)
    rules = check_request_terms(
        fund_id=request.fund_id,
        category=request.category,
        country=request.country,
        currency=request.currency,
        amount=request.amount_requested,
        urgency=request.urgency,
    )
    if not rules.accepting:
        raise exc.FundNotAccepting()
    request.submitted_at = timezone.now()
    request.save(update_fields=["status", "submitted_at", "updated_at"])
    return request


@transaction.atomic
def grant_request_withdraw(*, reference: str, requester: Any) -> GrantRequest:
    """The requester takes the request back before it is decided."""
    request = access_request_as_requester(reference=reference, requester=requester)
    _move(request, Status.WITHDRAWN)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def grant_request_withdraw_by_claim_code(*, code: str) -> GrantRequest:
    request = grant_request_get_by_claim_code(code=code, for_update=True)
    _move(request, Status.WITHDRAWN)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def grant_request_appeal(*, reference: str, requester: Any) -> GrantRequest:
    """Appeal a decline, once; another reviewer decides it."""
    request = access_request_as_requester(reference=reference, requester=requester)
    return _appeal(request)


@transaction.atomic
def grant_request_appeal_by_claim_code(*, code: str) -> GrantRequest:
    return _appeal(grant_request_get_by_claim_code(code=code, for_update=True))


def _appeal(request: GrantRequest) -> GrantRequest:
    if Appeal.objects.filter(request=request).exists():
        raise exc.AlreadyAppealed()
    _move(request, Status.APPEALED)
    Appeal.objects.create(request=request)
    # The first decider steps back: the appeal is someone else's to decide.
    first = first_decision_get(request=request)
    if first is not None:
        Assignment.objects.filter(request=request, reviewer_id=first.decided_by_id).delete()
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def grant_request_claim(*, code: str, requester: Any) -> GrantRequest:
    """Move an anonymous request into the requester's account; the code is spent."""
    request = grant_request_get_by_claim_code(code=code, for_update=True)
    request.requester = requester
    request.claim_code_spent_at = timezone.now()
    request.save(update_fields=["requester", "claim_code_spent_at", "updated_at"])
    return request


# --- reviewers --------------------------------------------------------------------------------


@transaction.atomic
def reviewer_assign(*, reference: str, reviewer: Any, assigned_by: Any) -> Assignment:
    """Assign a reviewer; a submitted request goes into review with its first reviewer."""
    _check_reviewer(reviewer)
    request = _locked(reference)
    if request.status not in OPEN_FOR_REVIEW:
        raise exc.InvalidTransition(f"A request that is {request.status} takes no reviewers.")
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
        raise exc.InvalidTransition(f"A request that is {request.status} is not under review.")
    if recommendation not in Recommendation.values or not 1 <= score <= 5:
        raise exc.InvalidGrantInput("A score is 1 to 5; a recommendation is approve or decline.")
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


@transaction.atomic
def grant_request_approve(*, reference: str, reviewer: Any, amount: int) -> GrantRequest:
    """Approve all or part of a request and commit the amount in the books.

    Locks the fund's grant rules, then the request; only then reads the fund's
    uncommitted money and category total, so two approvals at the same moment
    cannot both spend the same money.
    """
    _check_reviewer(reviewer)
    if type(amount) is not int or amount <= 0:
        raise exc.InvalidGrantAmount()
    peek = access_request_as_reviewer_unlocked(reference=reference, reviewer=reviewer)
    rules = _rules_lock(peek.fund_id)
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    if request.status not in DECIDABLE:
        raise exc.InvalidTransition(f"A request that is {request.status} cannot be approved.")
    decision_round = _decision_round(request, reviewer)
    if amount > request.amount_requested:
        raise exc.AboveRequested()
    if request.currency != rules.currency:
        raise exc.CurrencyNotPaid(f"This fund pays grants in {rules.currency} only.")
    if amount > rules.max_per_request:
        raise exc.AboveFundMaximum()
    cap = category_cap_get(grant_fund=rules, category=request.category)
    if (
        cap is not None
        and category_committed(fund_id=request.fund_id, category=request.category) + amount > cap
    ):
        raise exc.CategoryCapReached()
    if ledger.fund_net_assets(fund_id=request.fund_id, currency=request.currency) < amount:
        raise exc.FundShort()

    expense = ledger.account_for(ledger.AccountRole.GRANTS_EXPENSE, request.currency)
    payable = ledger.account_for(ledger.AccountRole.GRANTS_PAYABLE, request.currency)
    posted = ledger.entry_post(
        ledger.EntrySpec(
            idempotency_key=commitment_key(request.reference),
            postings=(
                ledger.PostingSpec(expense.pk, request.fund_id, request.currency, amount),
                ledger.PostingSpec(payable.pk, request.fund_id, request.currency, -amount),
            ),
            date=timezone.localdate(),
            kind=ledger.EntryKind.GRANT,
            memo=f"Grant {request.reference}",
            source=ledger.SourceRef(SOURCE_TYPE, request.reference),
            created_by_id=reviewer.pk,
        )
    )
    now = timezone.now()
    _move(request, Status.APPROVED)
    request.approved_amount = amount
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
        raise exc.InvalidGrantInput(f"'{reason}' is not a decline reason.")
    request = access_request_as_reviewer(reference=reference, reviewer=reviewer)
    if request.status not in DECIDABLE:
        raise exc.InvalidTransition(f"A request that is {request.status} cannot be declined.")
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
def grant_request_close(*, reference: str) -> GrantRequest:
    """Close a paid, withdrawn or finally declined request; retention runs from here."""
    request = _locked(reference)
    _move(request, Status.CLOSED)
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    return request


# --- fund rules ---------------------------------------------------------------------------------


@transaction.atomic
def grant_fund_rules_set(
    *,
    fund_id: int,
    currency: str,
    max_per_request: int,
    accepting: bool = True,
    caps: dict[str, int] | None = None,
) -> GrantFund:
    """Set the grant rules of a fund (admin work); caps are per category, in minor units."""
    ledger.currency_check(currency)
    if not ledger.fund_list().filter(pk=fund_id).exists():
        raise exc.UnknownFund(f"No fund with id {fund_id}.")
    if type(max_per_request) is not int or max_per_request <= 0:
        raise exc.InvalidGrantAmount()
    rules, _created = GrantFund.objects.select_for_update().update_or_create(
        fund_id=fund_id,
        defaults={"currency": currency, "max_per_request": max_per_request, "accepting": accepting},
    )
    for category, cap in (caps or {}).items():
        if category not in Category.values or type(cap) is not int or cap <= 0:
            raise exc.InvalidGrantInput("A cap names a grant category and a positive amount.")
        CategoryCap.objects.update_or_create(grant_fund=rules, category=category, defaults={"cap": cap})
    return rules


# --- erasure ---------------------------------------------------------------------------------------


@transaction.atomic
def grant_request_shred(*, reference: str, by_id: int | None) -> GrantRequest:
    """An admin erases one request's identifying data now; its books and its public fields stay."""
    request = _locked(reference)
    requests_shred(requests=[request], by_id=by_id, reason="admin_request")
    return request


def grant_requests_shred_expired(*, batch_size: int = 1_000) -> int:
    """Shred every request closed longer than GRANTS_RETENTION_DAYS ago, one committed batch at a time."""
    cutoff = retention_cutoff()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                GrantRequest.objects.select_for_update(skip_locked=True)
                .filter(
                    status=Status.CLOSED,
                    closed_at__lte=cutoff,
                    shredded_at__isnull=True,
                    subject_reference__isnull=False,
                )
                .order_by("id")[:batch_size]
            )
            if not batch:
                return total
            total += requests_shred(requests=batch, by_id=None, reason="retention")
