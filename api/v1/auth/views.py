"""POST a username and password for a token; DELETE the token to sign out."""

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.schema import problems
from api.v1.auth import serializers as s
from api.validation import body_validate

TAG = "auth"


class InvalidCredentials(exceptions.APIException):
    # One answer for an unknown user, a wrong password and a disabled account:
    # the endpoint does not tell which usernames exist.
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = "The username or password is wrong, or the account is disabled."


class TokenAccess(BasePermission):
    """Anyone may ask for a token (the body carries the credentials); only its holder may revoke it."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method == "DELETE":
            return request.user is not None and request.user.is_authenticated
        return True

    def describe(self, method: str) -> str:
        if method == "DELETE":
            return "**Permissions:** any signed-in user, for their own token."
        return "**Permissions:** anyone; the username and password in the body are the credentials."


class TokenView(APIView):
    """A user's API token."""

    permission_classes = (TokenAccess,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth-token"

    def get_authenticators(self) -> list[Any]:
        # Asking for a token needs no credentials but those in the body: a stale
        # token or session cookie sent along must not stand in the way.
        return [] if getattr(self.request, "method", None) == "POST" else super().get_authenticators()

    def get_throttles(self) -> list[Any]:
        # Guessing passwords is what the throttle is for; signing out needs none.
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        tags=[TAG],
        summary="Trade a username and password for the user's token",
        request=s.TokenRequest,
        responses={
            200: s.TokenOutput,
            **problems(
                400, 406, 415, 429, s400="Missing fields (`validation_error`) or `invalid_credentials`."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.TokenRequest, request)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise InvalidCredentials()
        token, _created = Token.objects.get_or_create(user=user)
        return Response(s.TokenOutput({"token": token.key}).data)

    @extend_schema(
        tags=[TAG],
        summary="Revoke the caller's token (sign out everywhere it is used)",
        request=None,
        responses={204: None, **problems(401, 406)},
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
