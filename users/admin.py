"""Admin pages for people and their API tokens (tokens can be seen and revoked, never read)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from users.models import AuthToken, User

admin.site.register(User, UserAdmin)


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
