"""A requester's writes: sign up, apply (with an account or a claim code), edit, submit, withdraw, appeal."""

import base64
import datetime
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.codes import secret_code_new
from grants import exceptions as exc
from grants.identity import identity_seal
from grants.models import (
    Appeal,
    Assignment,
    GrantRequest,
    RequesterProfile,
    Urgency,
)
from grants.selectors import (
    claim_code_digest,
    first_decision_get,
    grant_request_get_by_claim_code,
)
from grants.services.access import (
    _move,
    access_request_as_requester,
    check_language,
    check_request_terms,
)
from grants.workflow import Status
from users.roles import Role
from users.services import user_role_assign

EDITABLE_FIELDS = frozenset({"fund_id", "category", "country", "currency", "amount", "urgency", "language"})


@dataclass(frozen=True)
class AnonymousApplication:
    """An anonymous application as handed back once: the claim code is never stored in clear."""

    request: GrantRequest
    claim_code: str


def _reference_new() -> str:
    """A random public reference (80 bits): it says nothing about when or in what order."""
    return "GR-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def _claim_code_ttl() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "GRANTS_CLAIM_CODE_TTL_DAYS", 365))


@transaction.atomic
def requester_register(*, pseudonym: str, password: str, language: str = "en") -> Any:
    """A requester account: a pseudonym, a password and the language it is answered in, nothing else."""
    check_language(language)
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
    RequesterProfile.objects.create(user=user, language=language)
    return user


@transaction.atomic
def requester_language_set(*, requester: Any, language: str) -> RequesterProfile:
    """The language a requester account is answered in from now on."""
    check_language(language)
    profile, _created = RequesterProfile.objects.update_or_create(
        user=requester, defaults={"language": language}
    )
    return profile


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
    check_language(language)
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
    check_language(language)
    rules = check_request_terms(
        fund_id=fund_id, category=category, country=country, currency=currency, amount=amount, urgency=urgency
    )
    if not rules.accepting:
        raise exc.FundNotAccepting()
    code = secret_code_new()
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
        raise exc.InvalidGrantInput(
            _("These cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
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
    if "language" in changes:
        check_language(changes["language"])
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
