"""Permission classes; the default denies."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from users.roles import Role
from users.selectors import auth_is_otp_verified, user_has_role, user_needs_second_factor

if TYPE_CHECKING:  # importing DRF's views here would be circular: settings load this module
    from rest_framework.request import Request
    from rest_framework.views import APIView


class DenyAll(BasePermission):
    """Default: nobody may use an endpoint that does not say who may."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return False


class SecondFactorRequired(PermissionDenied):
    default_code = "otp_required"
    default_detail = gettext_lazy(
        "Treasurers, auditors, admins and reviewers need a second factor: enrol an authenticator "
        "(POST /api/v1/auth/otp/device/) or sign in again with its code (`otp`)."
    )


class RolePermission(BasePermission):
    """Grants reads to `read_roles` and writes to `write_roles` (roles are groups).

    Anonymous requests get 401, authenticated users without a listed role 403.
    Staff (treasurers, auditors, admins) also need credentials that passed a
    second factor, for reads as well as writes: 403 `otp_required` otherwise.
    `describe()` is what the OpenAPI schema says about who may call an operation.
    """

    read_roles: tuple[str, ...] = ()
    write_roles: tuple[str, ...] = ()

    def roles_for(self, method: str) -> tuple[str, ...]:
        return self.read_roles if method in SAFE_METHODS else self.write_roles

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        roles = self.roles_for(request.method or "GET")
        allowed = user_has_role(request.user, *roles)
        if not allowed:
            self.message = _roles_message(roles)
            return False
        if user_needs_second_factor(request.user) and not auth_is_otp_verified(
            user=request.user, auth=request.auth
        ):
            raise SecondFactorRequired()
        return True

    def describe(self, method: str) -> str:
        roles = self.roles_for(method)
        if not roles:
            return "**Permissions:** nobody."
        return "**Permissions:** roles " + ", ".join(f"`{role}`" for role in roles) + "."


def _roles_message(roles: tuple[str, ...]) -> str:
    if not roles:
        return _("Nobody may do this.")
    return _("This requires one of the roles: %(roles)s.") % {"roles": ", ".join(roles)}


class LedgerAccess(RolePermission):
    """Auditors, treasurers and admins read the books; only treasurers post to them."""

    read_roles = (Role.AUDITOR.value, Role.TREASURER.value, Role.ADMIN.value)
    write_roles = (Role.TREASURER.value,)


class AnyoneMay(BasePermission):
    """Open to anyone, signed in or not (anonymous applications, claim codes, sign-up); throttled."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return True

    def describe(self, method: str) -> str:
        return "**Permissions:** anyone, without signing in; throttled per client address."


class GrantRequestAccess(RolePermission):
    """Requesters see their own requests, reviewers those assigned, overseers all; requesters write."""

    read_roles = (
        Role.REQUESTER.value,
        Role.REVIEWER.value,
        Role.AUDITOR.value,
        Role.TREASURER.value,
        Role.ADMIN.value,
    )
    write_roles = (Role.REQUESTER.value,)


class GrantRequesterAccess(RolePermission):
    """A requester's own account."""

    read_roles = (Role.REQUESTER.value,)
    write_roles = (Role.REQUESTER.value,)


class GrantReviewAccess(RolePermission):
    """Reviewers act on the requests assigned to them."""

    read_roles = (Role.REVIEWER.value,)
    write_roles = (Role.REVIEWER.value,)


class GrantIdentityAccess(RolePermission):
    """Identifying data: its requester and assigned reviewers read it; reviewers ask questions."""

    read_roles = (Role.REQUESTER.value, Role.REVIEWER.value)
    write_roles = (Role.REVIEWER.value,)


class GrantAttachmentAccess(RolePermission):
    """Documents: requesters attach them to their own requests; they, assigned reviewers and admins read them.

    Auditors and treasurers never do: a document may identify its requester.
    """

    read_roles = (Role.REQUESTER.value, Role.REVIEWER.value, Role.ADMIN.value)
    write_roles = (Role.REQUESTER.value,)


class GrantAccessLogAccess(RolePermission):
    """The access log of a request: reviewers assigned to it, treasurers once it is approved, admins.

    Which requests each may read is grants.selectors.grant_request_access_log_list_for.
    """

    read_roles = (Role.REVIEWER.value, Role.TREASURER.value, Role.ADMIN.value)


class GrantShredAccess(RolePermission):
    """Admins erase a request's identifying data on demand."""

    write_roles = (Role.ADMIN.value,)


class GrantAssignAccess(RolePermission):
    """Admins assign reviewers."""

    write_roles = (Role.ADMIN.value,)


class GrantCloseAccess(RolePermission):
    """Treasurers and admins close finished requests."""

    write_roles = (Role.TREASURER.value, Role.ADMIN.value)


class LedgerSetup(RolePermission):
    """Ledger readers see funds and closed periods; only admins create funds and close periods.

    Closing a period can never be undone, so it is not a treasurer's everyday write.
    """

    read_roles = LedgerAccess.read_roles
    write_roles = (Role.ADMIN.value,)


class Anyone(BasePermission):
    """Public endpoints: campaigns, giving, Stripe's webhook (which proves itself by its signature)."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        return True

    def allows_anonymous(self, method: str) -> bool:
        return True

    def describe(self, method: str) -> str:
        return "**Permissions:** anyone, without signing in."


class AnyoneThrottled(Anyone):
    """Public figures anyone reads without signing in, throttled per address (the transparency endpoints)."""

    def describe(self, method: str) -> str:
        return "**Permissions:** anyone, without signing in; throttled per client address."


class CampaignAccess(RolePermission):
    """Anyone reads campaigns; admins create them (each opens a fund in the books)."""

    write_roles = (Role.ADMIN.value,)

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)

    def allows_anonymous(self, method: str) -> bool:
        return method in SAFE_METHODS

    def describe(self, method: str) -> str:
        if method in SAFE_METHODS:
            return "**Permissions:** anyone, without signing in."
        return super().describe(method)


class DonorAccess(RolePermission):
    """Donors read and change their own pledges only (the views filter by the signed-in donor)."""

    read_roles = (Role.DONOR.value,)
    write_roles = (Role.DONOR.value,)


class PayoutAccess(RolePermission):
    """Treasurers and auditors read disbursements (never who is paid); treasurers propose, approve and send.

    Which treasurer may do what to one disbursement (not their own proposal, not
    a payout to themselves) the payouts services decide.
    """

    read_roles = (Role.TREASURER.value, Role.AUDITOR.value)
    write_roles = (Role.TREASURER.value,)


class ReportAccess(RolePermission):
    """Auditors, treasurers and admins ask for reports of the books, follow every run and download it.

    Runs are shared among them, not kept to their requester: a pack holds the books, which
    each of them may read already, and nothing that identifies a person.
    """

    read_roles = LedgerAccess.read_roles
    write_roles = LedgerAccess.read_roles


class ContributionAccess(RolePermission):
    """Auditors, treasurers and admins read contributions; treasurers record bank and cash receipts."""

    read_roles = (Role.AUDITOR.value, Role.TREASURER.value, Role.ADMIN.value)
    write_roles = (Role.TREASURER.value,)


class PledgeAccess(DonorAccess):
    """Anyone may pledge (POST); reading pledges is for donors, each their own."""

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        if request.method not in SAFE_METHODS:
            return True
        return super().has_permission(request, view)

    def allows_anonymous(self, method: str) -> bool:
        return method not in SAFE_METHODS

    def describe(self, method: str) -> str:
        if method not in SAFE_METHODS:
            return "**Permissions:** anyone, without signing in; a signed-in donor owns the pledge."
        return super().describe(method) + " Each donor sees their own pledges only."
