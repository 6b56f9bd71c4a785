"""Admin pages for people and their API tokens (tokens can be seen and revoked, never read)."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from users.models import AuthToken, User
from users.roles import SECOND_FACTOR_ROLES
from users.selectors import user_has_role

# What only a superuser grants: everything at once, or any single permission.
SUPERUSER_FIELDS = ("is_superuser", "user_permissions")
# What an admin may not change on their own account: their roles, and whether they are staff.
OWN_ACCOUNT_FIXED = ("groups", "is_staff", "is_active")


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's UserAdmin, narrowed for admins who are not superusers.

    An admin manages people and their roles (groups). Only a superuser grants
    superuser status or single permissions, changes a superuser, changes their
    own roles, or sets the password of someone in a role with a second factor:
    with that password and the authenticator deleted, an admin would hold a
    treasurer's or reviewer's account, and four eyes would be two.
    """

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return tuple(
            (name, {**options, "fields": tuple(f for f in options["fields"] if f not in SUPERUSER_FIELDS)})
            for name, options in fieldsets
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and obj is not None and obj.pk == request.user.pk:
            fixed += OWN_ACCOUNT_FIXED
        return fixed

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if (
            user is not None
            and not request.user.is_superuser
            and (user.is_superuser or user_has_role(user, *SECOND_FACTOR_ROLES))
        ):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API only; the admin shows who holds one and can revoke it."""

    list_display = ["token_key", "user", "created", "expiry", "otp_verified"]
    search_fields = ["user__username"]
    fields = readonly_fields = ("token_key", "user", "created", "expiry", "otp_device")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False

    @admin.display(boolean=True)
    def otp_verified(self, obj: AuthToken) -> bool:
        return obj.otp_verified
