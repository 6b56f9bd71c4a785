"""Roles are Django groups; one name per role, created on demand."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import TextChoices


class Role(TextChoices):
    DONOR = "donor", "Donor"
    REQUESTER = "requester", "Requester"
    REVIEWER = "reviewer", "Reviewer"
    TREASURER = "treasurer", "Treasurer"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Admin"


def roles_ensure() -> None:
    """Create the role groups if they are missing (safe to call often)."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def user_role_assign(*, user: AbstractBaseUser, role: str) -> None:
    roles_ensure()
    user.groups.add(Group.objects.get(name=Role(role).value))


def user_roles_remember(user: AbstractBaseUser, roles: Iterable[str]) -> None:
    """Keep the user's roles for the rest of the request: for an authentication that read them."""
    user._tadamun_roles = frozenset(roles)  # type: ignore[attr-defined]


def user_has_role(user: AbstractBaseUser | AnonymousUser | None, *roles: str) -> bool:
    """True if the user is active and in any of the roles (cached per request user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_tadamun_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user_roles_remember(user, cached)
    return any(role in cached for role in roles)
