"""Roles are Django groups; the staff roles and the admin permissions each role's group holds."""

from django.db.models import TextChoices


class Role(TextChoices):
    DONOR = "donor", "Donor"
    REQUESTER = "requester", "Requester"
    REVIEWER = "reviewer", "Reviewer"
    TREASURER = "treasurer", "Treasurer"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Admin"


# Roles that hold the keys to money or to people's safety: they use the admin
# (is_staff) and need a confirmed second factor for anything but enrolling one.
STAFF_ROLES: tuple[str, ...] = (Role.TREASURER.value, Role.AUDITOR.value, Role.ADMIN.value)

# Roles that need a confirmed second factor: the staff, and reviewers, who read
# requesters' identifying data (a narrative, a contact) for the requests assigned to them.
SECOND_FACTOR_ROLES: tuple[str, ...] = (*STAFF_ROLES, Role.REVIEWER.value)

# Model permissions per role group, as "app_label.codename"; "app_label.view_*"
# means every view permission of that app.
_LEDGER_VIEW = "ledger.view_*"
# Disbursements, read-only in the admin: changes go through the payouts services (the API).
_PAYOUTS_VIEW = "payouts.view_*"
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.AUDITOR.value: (_LEDGER_VIEW, _PAYOUTS_VIEW),
    Role.TREASURER.value: (_LEDGER_VIEW, _PAYOUTS_VIEW, "ledger.add_fund", "ledger.add_closedperiod"),
    Role.ADMIN.value: (
        _LEDGER_VIEW,
        "payouts.view_fundpayoutlimit",
        "payouts.add_fundpayoutlimit",
        "payouts.change_fundpayoutlimit",
        "payouts.delete_fundpayoutlimit",
        "ledger.add_fund",
        "ledger.add_closedperiod",
        "users.view_user",
        "users.add_user",
        "users.change_user",
        # Roles are groups whose permissions come from this table; an admin who could
        # edit a group's permissions could give their own role anything.
        "auth.view_group",
        "users.view_authtoken",
        "users.delete_authtoken",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
    ),
}
