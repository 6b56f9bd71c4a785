"""Writes about people: role groups and their admin permissions."""

from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction
from django.db.models import Q

from users.roles import ROLE_PERMISSIONS, STAFF_ROLES, Role


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        if codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


@transaction.atomic
def roles_ensure() -> None:
    """Create the role groups and give each its admin permissions (safe to call often)."""
    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(ROLE_PERMISSIONS.get(role, ())))


@transaction.atomic
def user_role_assign(*, user: AbstractBaseUser, role: str) -> None:
    """Put the user in the role's group; staff roles also open the admin (is_staff)."""
    name = Role(role).value
    group = Group.objects.filter(name=name).first()
    if group is None:
        roles_ensure()
        group = Group.objects.get(name=name)
    user.groups.add(group)
    if name in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_tadamun_roles", None)
