"""Read queries about grant requests, each scoped to what the asking user may see."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from core.codes import secret_code_digest
from grants.exceptions import (
    AttachmentNotFound,
    ClaimCodeExpired,
    ClaimCodeInvalid,
    ClaimCodeUsed,
    RequestNotFound,
)
from grants.models import (
    Assignment,
    Attachment,
    CategoryCap,
    Decision,
    GrantFund,
    GrantRequest,
    RequesterProfile,
)
from grants.workflow import Status
from users.roles import Role
from users.selectors import user_has_role

# Roles that see every request, though never who is behind it.
OVERSEERS = (Role.AUDITOR.value, Role.TREASURER.value, Role.ADMIN.value)


def claim_code_digest(code: str) -> bytes:
    """What a request keeps of its claim code (core.codes)."""
    return secret_code_digest(code)


def grant_request_list_for(*, user: Any) -> QuerySet[GrantRequest]:
    """The requests a user may see: their own, those assigned to them, or all for overseers."""
    requests = GrantRequest.objects.all()
    if user_has_role(user, *OVERSEERS):
        return requests
    scope = Q(pk__in=[])
    if user_has_role(user, Role.REQUESTER.value):
        scope |= Q(requester=user)
    if user_has_role(user, Role.REVIEWER.value):
        scope |= Q(pk__in=Assignment.objects.filter(reviewer=user).values("request_id"))
    return requests.filter(scope)


def grant_request_get_for(*, user: Any, reference: str) -> GrantRequest:
    """One request the user may see; any other is a 404, so its existence is not revealed."""
    found = grant_request_list_for(user=user).filter(reference=reference).first()
    if found is None:
        raise RequestNotFound()
    return found


# What treasurers handle: a request once approved (they pay it), until it is closed. A commitment
# in the books exists only after an approval, so a closed request with one was closed after payment.
TREASURER_HANDLES = Q(
    status__in=[Status.APPROVED, Status.PAID, Status.CLOSED], commitment_entry_id__isnull=False
)


def grant_request_access_log_list_for(*, user: Any) -> QuerySet[GrantRequest]:
    """The requests whose access log a user may read.

    Admins read every one, reviewers those assigned to them, treasurers those they
    handle (approved, paid, or closed after approval).
    """
    requests = GrantRequest.objects.all()
    if user_has_role(user, Role.ADMIN.value):
        return requests
    scope = Q(pk__in=[])
    if user_has_role(user, Role.REVIEWER.value):
        scope |= Q(pk__in=Assignment.objects.filter(reviewer=user).values("request_id"))
    if user_has_role(user, Role.TREASURER.value):
        scope |= TREASURER_HANDLES
    return requests.filter(scope)


def grant_request_get_for_access_log(*, user: Any, reference: str) -> GrantRequest:
    """One request whose access log the user may read; any other is a 404, like a missing one."""
    found = grant_request_access_log_list_for(user=user).filter(reference=reference).first()
    if found is None:
        raise RequestNotFound()
    return found


def grant_request_get_by_claim_code(*, code: str, for_update: bool = False) -> GrantRequest:
    """The anonymous request a claim code opens; an unknown, spent or expired code is refused."""
    requests = GrantRequest.objects.select_for_update() if for_update else GrantRequest.objects.all()
    found = requests.filter(claim_code_hash=claim_code_digest(code)).first()
    if found is None:
        raise ClaimCodeInvalid()
    if found.claim_code_spent_at is not None:
        raise ClaimCodeUsed()
    if found.claim_code_expires_at is not None and found.claim_code_expires_at <= timezone.now():
        raise ClaimCodeExpired()
    return found


def requester_language_get(*, user: Any) -> str | None:
    """The language a requester account chose to be answered in; None for anyone else, or none chosen."""
    if not user_has_role(user, Role.REQUESTER.value):
        return None
    return RequesterProfile.objects.filter(user=user).values_list("language", flat=True).first()


def claim_code_language_get(*, code: str) -> str | None:
    """The language of the request a claim code names, spent or expired alike (its applicant's), or None."""
    return (
        GrantRequest.objects.filter(claim_code_hash=claim_code_digest(code))
        .values_list("language", flat=True)
        .first()
    )


def grant_fund_list() -> QuerySet[GrantFund]:
    return GrantFund.objects.select_related("fund").prefetch_related("caps").order_by("fund_id")


def grant_fund_get(*, fund_id: int) -> GrantFund | None:
    return GrantFund.objects.filter(fund_id=fund_id).first()


def category_committed(*, fund_id: int, category: str) -> int:
    """Minor units of the fund's currency committed so far in one fund and category (paid or not)."""
    total = GrantRequest.objects.filter(
        fund_id=fund_id, category=category, committed_amount__isnull=False
    ).aggregate(total=Sum("committed_amount"))["total"]
    return int(total or 0)


def category_cap_get(*, grant_fund: GrantFund, category: str) -> int | None:
    cap = CategoryCap.objects.filter(grant_fund=grant_fund, category=category).first()
    return cap.cap if cap else None


def first_decision_get(*, request: GrantRequest) -> Decision | None:
    return Decision.objects.filter(request=request, round=1).first()


# --- attachments ------------------------------------------------------------------------------------


def attachment_reader_purpose(*, user: Any, request: GrantRequest) -> str:
    """Why this user opens the request's documents: their own, assigned to review it, or an admin.

    Anyone else, a reviewer who declared a conflict (and was unassigned) included, gets a 404.
    """
    if request.requester_id is not None and request.requester_id == user.pk:
        return "requester_own"
    if Assignment.objects.filter(request=request, reviewer_id=user.pk).exists():
        return "review"
    if user_has_role(user, Role.ADMIN.value):
        return "admin_access"
    raise RequestNotFound()


def attachment_list(*, request: GrantRequest) -> QuerySet[Attachment]:
    """The request's documents, oldest first, with the request for opening their names."""
    return Attachment.objects.filter(request=request).select_related("request").order_by("id")


def attachment_get(*, request: GrantRequest, public_id: Any) -> Attachment:
    """One document of this request; a document of another request is a 404 like a missing one."""
    found = attachment_list(request=request).filter(public_id=public_id).first()
    if found is None:
        raise AttachmentNotFound()
    return found


@dataclass(frozen=True)
class PayableGrant:
    """What payouts needs to know of a request: never its narrative, contact or documents.

    `requester_id` is only for refusing a payout to oneself; it is never shown or stored.
    """

    id: int
    reference: str
    status: str
    fund_id: int
    currency: str
    approved_amount: int | None
    requester_id: int | None


def grant_request_payable_get(*, reference: str) -> PayableGrant:
    """The public terms of a request for paying it; an unknown reference is RequestNotFound."""
    row = (
        GrantRequest.objects.filter(reference=reference)
        .values_list("id", "reference", "status", "fund_id", "currency", "approved_amount", "requester_id")
        .first()
    )
    if row is None:
        raise RequestNotFound()
    return PayableGrant(*row)
