"""Token authentication: knox's hashed, expiring tokens, checked in one query per request."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed

from users.models import AuthToken, User
from users.selectors import auth_tokens_with_key
from users.services import token_revoke


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's check, with the token, its user and the user's roles read in one query.

    knox reads the token with its user, then every token of that user (to delete
    the expired ones), and the permission then reads the roles: three queries
    before the view starts. Here the presented token alone is checked: an expired
    one is deleted and refused, as knox does; the user's other expired tokens are
    swept when the user signs in again (users.services.token_issue). A token is
    looked up afresh on every request, so revoking one (signing out, a password
    change, a removed authenticator) takes effect at once.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[User, AuthToken]:
        try:
            key = token.decode("utf-8")
            digest = hash_token(key)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise _refused() from None
        for auth_token in auth_tokens_with_key(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                token_revoke(token=auth_token)
                token_expired.send(sender=type(self), username=username, source="auth_token")
                raise _refused()
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            return self.validate_user(auth_token)
        raise _refused()


def _refused() -> AuthenticationFailed:
    # Built only when refusing: its translated message and error details are work
    # that every accepted request would otherwise pay for.
    return AuthenticationFailed(_("Invalid token."))
