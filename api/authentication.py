"""Token authentication that reads the user's roles with the token, in the same query."""

from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from api.roles import user_roles_remember


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; the permission check then needs no query of its own."""

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser, Token]:
        roles = ArraySubquery(Group.objects.filter(user=OuterRef("user_id")).values("name"))
        try:
            token = Token.objects.select_related("user").annotate(user_roles=roles).get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user_roles_remember(token.user, token.user_roles)
        return token.user, token
