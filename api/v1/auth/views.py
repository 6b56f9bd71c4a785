"""Tokens (POST credentials for one, DELETE to revoke it) and enrolling a TOTP authenticator."""

from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django_otp import login as otp_login
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.schema import problems
from api.v1.auth import serializers as s
from api.validation import body_validate
from users.exceptions import OtpInvalid, OtpRequired
from users.models import AuthToken, User
from users.services import otp_device_confirm, otp_device_enrol, token_issue, token_revoke

TAG = "auth"

LOCKOUT_429 = (
    "Too many attempts: `throttled` (per address, per minute) or `locked_out` (repeated failed "
    "sign-ins for this account or from this address); the `Retry-After` header says when to try again."
)


class InvalidCredentials(exceptions.APIException):
    # One answer for an unknown user, a wrong password and a disabled account:
    # the endpoint does not tell which usernames exist.
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = "The username or password is wrong, or the account is disabled."


def _signed_in(request: Request) -> User:
    """The request's user, once a permission has required one."""
    user = request.user
    assert isinstance(user, User)
    return user


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


class OtpEnrolAccess(BasePermission):
    """Any signed-in user, for their own authenticator; a staff token without a second factor too."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user is not None and request.user.is_authenticated

    def describe(self, method: str) -> str:
        return (
            "**Permissions:** any signed-in user, for their own authenticator; a staff token "
            "issued before enrolment may call this."
        )


class TokenView(APIView):
    """A user's API tokens: one per sign-in, hashed at rest, expiring."""

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
        summary="Trade a username, password and (once enrolled) a TOTP code for a new token",
        description=(
            "Each call issues a new token, valid until its `expiry`. An account with a confirmed "
            "authenticator must send the current code as `otp`. Treasurers, auditors and admins "
            "without one get a token that only enrols an authenticator "
            "(`POST /api/v1/auth/otp/device/`, then `.../confirm/`). Failed sign-ins count towards "
            "a lockout per account and per address."
        ),
        request=s.TokenRequest,
        responses={
            200: s.TokenOutput,
            **problems(
                400,
                406,
                415,
                429,
                s400=(
                    "Missing fields (`validation_error`), `invalid_credentials`, `otp_required` "
                    "(the account has an authenticator: send `otp`) or `otp_invalid`."
                ),
                s429=LOCKOUT_429,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.TokenRequest, request)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise InvalidCredentials()
        try:
            issued = token_issue(user=user, otp=data.get("otp"))
        except (OtpRequired, OtpInvalid) as error:
            if isinstance(error, OtpInvalid):
                # A wrong code counts towards the lockout like a wrong password.
                user_login_failed.send(
                    sender=type(self), credentials={"username": data["username"]}, request=request._request
                )
            raise
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(
            s.TokenOutput(
                {"token": issued.key, "expiry": issued.expiry, "otp_verified": issued.otp_verified}
            ).data
        )

    @extend_schema(
        tags=[TAG],
        summary="Revoke the token this request is made with (sign this client out)",
        request=None,
        responses={204: None, **problems(401, 406)},
    )
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OtpDeviceEnrolView(APIView):
    """Start enrolling a TOTP authenticator for the signed-in user."""

    permission_classes = (OtpEnrolAccess,)

    @extend_schema(
        tags=[TAG],
        summary="Enrol a TOTP authenticator: returns its provisioning URI and secret, once",
        description=(
            "Creates an authenticator waiting for confirmation (replacing any earlier unconfirmed "
            "one). Add it to an authenticator app, then confirm it with a code."
        ),
        request=None,
        responses={
            201: s.OtpEnrolmentOutput,
            **problems(
                401, 406, 409, s409="`otp_already_enrolled`: the account already has a confirmed one."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        enrolment = otp_device_enrol(user=_signed_in(request))
        body = s.OtpEnrolmentOutput(
            {"provisioning_uri": enrolment.provisioning_uri, "secret": enrolment.secret}
        ).data
        # The secret is a credential: no cache may keep it.
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class OtpDeviceConfirmView(APIView):
    """Confirm the pending authenticator with a code; the token used becomes verified."""

    permission_classes = (OtpEnrolAccess,)

    @extend_schema(
        tags=[TAG],
        summary="Confirm the enrolled authenticator with its current code",
        description=(
            "On success the authenticator is confirmed, the token this request is made with "
            "counts as verified by a second factor, and the account's other unverified tokens "
            "are revoked. From now on signing in needs `otp`."
        ),
        request=s.OtpConfirmRequest,
        responses={
            200: s.OtpConfirmOutput,
            **problems(
                400,
                401,
                406,
                409,
                415,
                s400="Missing or malformed `otp` (`validation_error`) or a wrong code (`otp_invalid`).",
                s409=(
                    "`otp_not_enrolled` (nothing to confirm) or `otp_already_enrolled` (already confirmed)."
                ),
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.OtpConfirmRequest, request)
        token = request.auth if isinstance(request.auth, AuthToken) else None
        device = otp_device_confirm(user=_signed_in(request), otp=data["otp"], token=token)
        if token is None:
            # Signed in by session: the session has now passed the second factor too.
            otp_login(request._request, device)
        return Response(s.OtpConfirmOutput({"otp_verified": True}).data)
