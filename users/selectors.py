"""Read queries about people: roles, second-factor devices, how a request was authenticated."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.models import AuthToken, User
from users.roles import SECOND_FACTOR_ROLES

# Where user_has_role keeps a request user's role names for the rest of the request.
ROLES_CACHE = "_tadamun_roles"


def user_has_role(user: User | AnonymousUser | None, *roles: str) -> bool:
    """True if the user is active and in any of the roles (cached per request user)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    cached = getattr(user, ROLES_CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, ROLES_CACHE, cached)
    return any(role in cached for role in roles)


def user_needs_second_factor(user: User | AnonymousUser | None) -> bool:
    """Staff and reviewers need a confirmed second factor for their work."""
    return user_has_role(user, *SECOND_FACTOR_ROLES)


def otp_device_confirmed_get(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def auth_is_otp_verified(*, user: Any, auth: Any) -> bool:
    """Whether a request's credentials passed a second factor.

    A token carries the device it was issued under; a session is verified when
    django-otp's middleware says so (the admin's OTP login form sets it).
    """
    if isinstance(auth, AuthToken):
        return auth.otp_verified
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())
