"""Read queries about people: roles."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from users.roles import STAFF_ROLES


def user_has_role(user: AbstractBaseUser | AnonymousUser | None, *roles: str) -> bool:
    """True if the user is active and in any of the roles (cached per request user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_tadamun_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._tadamun_roles = cached
    return any(role in cached for role in roles)


def user_is_staff_role(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Treasurers, auditors and admins: the roles that hold the keys to money and people's safety."""
    return user_has_role(user, *STAFF_ROLES)
