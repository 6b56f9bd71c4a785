"""Read queries about people: roles, second-factor devices, how a request was authenticated."""

import functools
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
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


def auth_tokens_with_key(*, token_key: str) -> list[AuthToken]:
    """The tokens filed under a key prefix (almost always one), each with its user and the
    user's role names already loaded, in one query.

    Every token-authenticated request starts here, so it is one round trip and no
    ORM compilation: the roles land in the cache user_has_role reads, and the
    token row says whether it passed a second factor. Nothing is cached beyond the
    request, so a revoked or expired token is refused at once.
    """
    with connection.cursor() as cursor:
        cursor.execute(_tokens_with_key_sql(), [token_key])
        rows = cursor.fetchall()
    token_names = [field.attname for field in AuthToken._meta.concrete_fields]
    user_names = [field.attname for field in User._meta.concrete_fields]
    tokens = []
    for row in rows:
        token = AuthToken.from_db(connection.alias, token_names, row[: len(token_names)])
        user = User.from_db(connection.alias, user_names, row[len(token_names) : -1])
        setattr(user, ROLES_CACHE, frozenset(row[-1]))
        AuthToken.user.field.set_cached_value(token, user)
        tokens.append(token)
    return tokens


@functools.cache
def _tokens_with_key_sql() -> str:
    """SELECT every column of the token and its user, then the user's group names."""
    quote = connection.ops.quote_name

    def column(field: Any) -> str:
        return str(quote(field.column))

    groups = User.groups.field
    user_pk, group_pk = column(User._meta.pk), column(Group._meta.pk)
    columns = [f"t.{column(field)}" for field in AuthToken._meta.concrete_fields]
    columns += [f"u.{column(field)}" for field in User._meta.concrete_fields]
    roles = (
        f"ARRAY(SELECT g.{quote('name')} FROM {quote(Group._meta.db_table)} g "
        f"JOIN {quote(groups.m2m_db_table())} ug ON ug.{quote(groups.m2m_reverse_name())} = g.{group_pk} "
        f"WHERE ug.{quote(groups.m2m_column_name())} = u.{user_pk})"
    )
    token_key = column(AuthToken._meta.get_field("token_key"))
    return (
        f"SELECT {', '.join(columns)}, {roles} "
        f"FROM {quote(AuthToken._meta.db_table)} t JOIN {quote(User._meta.db_table)} u "
        f"ON u.{user_pk} = t.{column(AuthToken._meta.get_field('user'))} "
        f"WHERE t.{token_key} = %s"
    )
