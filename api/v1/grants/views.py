"""Grant endpoints of requesters: sign up, apply (with or without an account), follow, withdraw, appeal.

A requester is answered in their own language: a signed-in one in their account's
(api/language.py), an anonymous applicant in their request's once the claim code names it.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.language import ReaderLanguageMixin, language_activate, negotiated_language
from api.permissions import AnyoneMay, GrantRequestAccess, GrantRequesterAccess
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.grants import serializers as s
from api.validation import body_validate
from grants import services
from grants.models import GrantRequest
from grants.selectors import (
    claim_code_language_get,
    grant_fund_list,
    grant_request_get_by_claim_code,
    grant_request_get_for,
    grant_request_list_for,
    requester_language_get,
)
from users.services import token_issue

TAG = "grants"

TERMS_PROBLEMS = problems(
    *WRITE_PROBLEMS,
    422,
    s400="Invalid request (`validation_error`, `unknown_fund`, `unknown_country`, `invalid_amount`, "
    "`invalid_currency`, `too_long`, `unsupported_language`).",
    s422="Refused by the fund's rules: `currency_not_paid`, `above_fund_maximum`, `fund_not_accepting`.",
)
TRANSITION_409 = (
    "The request's status does not allow this (`invalid_transition`, `not_editable`), or it was "
    "already appealed (`already_appealed`)."
)
CLAIM_PROBLEMS = problems(
    400,
    404,
    406,
    409,
    410,
    415,
    429,
    s404="No request answers to this claim code (`claim_code_invalid`).",
    s409="The code was already used to move the request into an account (`claim_code_used`), or the "
    "request's status does not allow this (`invalid_transition`, `already_appealed`).",
    s410="The claim code has expired (`claim_code_expired`).",
)


def _terms(data: dict[str, Any]) -> dict[str, Any]:
    """Input names to service arguments; the amount becomes minor units of its currency.

    The language stays as sent: without one, applying takes the language of the answer (_applying).
    """
    terms: dict[str, Any] = {
        key: data[key] for key in ("category", "country", "currency", "urgency", "language") if key in data
    }
    if "fund" in data:
        terms["fund_id"] = data["fund"]
    if "amount" in data:
        terms["amount"] = services.check_amount(data["amount"], data["currency"])
    return terms


def _applying(data: dict[str, Any]) -> dict[str, Any]:
    """A new request's terms; without a language, the answer's (the account's, else Accept-Language's)."""
    return {"language": negotiated_language(), **_terms(data)}


def _identity(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in s.IDENTITY_FIELDS if key in data}


def _out(request: GrantRequest, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.GrantRequestOutput(request).data, status=code)


@extend_schema(tags=[TAG])
class RequesterRegisterView(ReaderLanguageMixin, APIView):
    """Open a requester account with a pseudonym and a password: no name, no e-mail."""

    permission_classes = (AnyoneMay,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "grants-apply"

    @extend_schema(
        request=s.RequesterRegisterInput,
        responses={
            201: s.RequesterOutput,
            **problems(400, 406, 409, 415, 429, s409="The pseudonym is taken (`pseudonym_taken`)."),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.RequesterRegisterInput, request)
        language = data.get("language") or negotiated_language()
        language_activate(request, language)
        user = services.requester_register(
            pseudonym=data["pseudonym"], password=data["password"], language=language
        )
        issued = token_issue(user=user)
        document = {
            "pseudonym": user.get_username(),
            "language": language,
            "token": issued.key,
            "expiry": issued.expiry,
        }
        return Response(s.RequesterOutput(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class RequesterProfileView(ReaderLanguageMixin, APIView):
    """The signed-in requester's account: its pseudonym and the language it is answered in."""

    permission_classes = (GrantRequesterAccess,)

    def _out(self, request: Request) -> Response:
        document = {
            "pseudonym": request.user.get_username(),
            "language": requester_language_get(user=request.user),
        }
        return Response(s.RequesterProfileOutput(document).data)

    @extend_schema(responses={200: s.RequesterProfileOutput, **problems(*READ_PROBLEMS)})
    def get(self, request: Request) -> Response:
        return self._out(request)

    @extend_schema(
        description="Choose the language every answer to this account is written in, from now on.",
        request=s.RequesterLanguageInput,
        responses={200: s.RequesterProfileOutput, **problems(*WRITE_PROBLEMS)},
    )
    def patch(self, request: Request) -> Response:
        data = body_validate(s.RequesterLanguageInput, request)
        services.requester_language_set(requester=request.user, language=data["language"])
        language_activate(request, data["language"])
        return self._out(request)


@extend_schema(tags=[TAG])
class GrantFundListView(ReaderLanguageMixin, generics.ListAPIView):
    """Funds that take grant requests, their currency, the most one request may get and their caps."""

    permission_classes = (AnyoneMay,)
    authentication_classes = ()
    serializer_class = s.GrantFundOutput
    filter_backends = ()
    pagination_class = None

    def get_queryset(self) -> QuerySet:
        return grant_fund_list()

    @extend_schema(responses={200: s.GrantFundOutput(many=True), **problems(400, 406)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class GrantRequestListCreateView(ReaderLanguageMixin, generics.ListAPIView):
    """Requests the caller may see: a requester's own, a reviewer's assigned, all for overseers."""

    permission_classes = (GrantRequestAccess,)
    serializer_class = s.GrantRequestOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[GrantRequest]:
        return grant_request_list_for(user=self.request.user).order_by("-id")

    @extend_schema(responses={200: s.GrantRequestOutput(many=True), **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Create a request as a draft, or submit it at once with `submit: true`. Status, "
        "amounts approved and reviewers cannot be set.",
        request=s.GrantRequestCreateInput,
        responses={201: s.GrantRequestOutput, **TERMS_PROBLEMS},
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.GrantRequestCreateInput, request)
        created = services.grant_request_create(
            requester=request.user, submit=data["submit"], identity=_identity(data), **_applying(data)
        )
        return _out(created, status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class AnonymousApplicationView(ReaderLanguageMixin, APIView):
    """Apply without an account: the answer holds a claim code, shown once, to follow the request."""

    permission_classes = (AnyoneMay,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "grants-apply"

    @extend_schema(
        request=s.ApplicationInput,
        responses={201: s.AnonymousApplicationOutput, **problems(400, 406, 415, 422, 429), **TERMS_PROBLEMS},
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.ApplicationInput, request)
        terms = _applying(data)
        language_activate(request, terms["language"])
        application = services.grant_request_apply_anonymously(identity=_identity(data), **terms)
        document = {"request": application.request, "claim_code": application.claim_code}
        return Response(s.AnonymousApplicationOutput(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class GrantRequestDetailView(ReaderLanguageMixin, APIView):
    """One request; requester A never learns of B's request (404), a reviewer only of those assigned."""

    permission_classes = (GrantRequestAccess,)

    @extend_schema(responses={200: s.GrantRequestOutput, **problems(*READ_PROBLEMS, 404)})
    def get(self, request: Request, reference: str) -> Response:
        return _out(grant_request_get_for(user=request.user, reference=reference))

    @extend_schema(
        description="Change a draft. A submitted request cannot be edited (409 `not_editable`).",
        request=s.GrantRequestUpdateInput,
        responses={200: s.GrantRequestOutput, **TERMS_PROBLEMS, **problems(404, 409, s409=TRANSITION_409)},
    )
    def patch(self, request: Request, reference: str) -> Response:
        data = body_validate(s.GrantRequestUpdateInput, request)
        if "amount" in data and "currency" not in data:
            current = grant_request_get_for(user=request.user, reference=reference)
            data["currency"] = current.currency
        updated = services.grant_request_update(
            reference=reference, requester=request.user, changes=_terms(data), identity=_identity(data)
        )
        return _out(updated)


ACTION_RESPONSES = {
    200: s.GrantRequestOutput,
    **problems(*WRITE_PROBLEMS, 404, 409, 422, s409=TRANSITION_409),
}


@extend_schema(tags=[TAG])
class GrantRequestSubmitView(ReaderLanguageMixin, APIView):
    """Send a draft to the reviewers; it can no longer be edited."""

    permission_classes = (GrantRequestAccess,)

    @extend_schema(request=None, responses=ACTION_RESPONSES)
    def post(self, request: Request, reference: str) -> Response:
        return _out(services.grant_request_submit(reference=reference, requester=request.user))


@extend_schema(tags=[TAG])
class GrantRequestWithdrawView(ReaderLanguageMixin, APIView):
    """Take the request back before it is decided."""

    permission_classes = (GrantRequestAccess,)

    @extend_schema(request=None, responses=ACTION_RESPONSES)
    def post(self, request: Request, reference: str) -> Response:
        return _out(services.grant_request_withdraw(reference=reference, requester=request.user))


@extend_schema(tags=[TAG])
class GrantRequestAppealView(ReaderLanguageMixin, APIView):
    """Appeal a decline, once; a reviewer who did not decide it decides the appeal."""

    permission_classes = (GrantRequestAccess,)

    @extend_schema(request=None, responses=ACTION_RESPONSES)
    def post(self, request: Request, reference: str) -> Response:
        return _out(services.grant_request_appeal(reference=reference, requester=request.user))


# --- claim codes --------------------------------------------------------------------------------


class ClaimView(ReaderLanguageMixin, APIView):
    """Base of the claim-code endpoints: open to anyone, throttled, answered in the request's language."""

    permission_classes = (AnyoneMay,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "grants-claim"

    def claim_code(self, request: Request, serializer: type[s.ClaimCodeInput] = s.ClaimCodeInput) -> dict:
        """The validated body; from here on, the answer is in the language of the request it names."""
        data = body_validate(serializer, request)
        language_activate(request, claim_code_language_get(code=data["claim_code"]))
        return data


@extend_schema(tags=[TAG])
class ClaimStatusView(ClaimView):
    """Follow an anonymous request with its claim code (in the body, never in the address)."""

    @extend_schema(request=s.ClaimCodeInput, responses={200: s.GrantRequestOutput, **CLAIM_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = self.claim_code(request)
        return _out(grant_request_get_by_claim_code(code=data["claim_code"]))


@extend_schema(tags=[TAG])
class ClaimWithdrawView(ClaimView):
    """Withdraw an anonymous request with its claim code."""

    @extend_schema(request=s.ClaimCodeInput, responses={200: s.GrantRequestOutput, **CLAIM_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = self.claim_code(request)
        return _out(services.grant_request_withdraw_by_claim_code(code=data["claim_code"]))


@extend_schema(tags=[TAG])
class ClaimAppealView(ClaimView):
    """Appeal the decline of an anonymous request, once, with its claim code."""

    @extend_schema(request=s.ClaimCodeInput, responses={200: s.GrantRequestOutput, **CLAIM_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = self.claim_code(request)
        return _out(services.grant_request_appeal_by_claim_code(code=data["claim_code"]))


@extend_schema(tags=[TAG])
class ClaimAttachView(ReaderLanguageMixin, APIView):
    """Move an anonymous request into the caller's requester account; the claim code is then spent."""

    permission_classes = (GrantRequestAccess,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "grants-claim"

    @extend_schema(
        request=s.ClaimCodeInput,
        responses={200: s.GrantRequestOutput, **CLAIM_PROBLEMS, **problems(401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.ClaimCodeInput, request)
        return _out(services.grant_request_claim(code=data["claim_code"], requester=request.user))
