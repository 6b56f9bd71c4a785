"""OpenAPI helpers: the problem schema, documented error responses, permission notes."""

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api.exceptions import PROBLEM_CONTENT_TYPE


class ProblemErrorSerializer(serializers.Serializer):
    """One invalid value: where it is and what is wrong with it."""

    detail = serializers.CharField(help_text="Human-readable message.")
    code = serializers.CharField(help_text="Stable machine-readable reason, e.g. `required`, `invalid`.")
    pointer = serializers.CharField(
        required=False, help_text="JSON Pointer (as a URI fragment) to the offending body member."
    )
    parameter = serializers.CharField(required=False, help_text="Name of the offending query parameter.")
    header = serializers.CharField(required=False, help_text="Name of the offending request header.")


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document."""

    type = serializers.CharField(
        help_text="URI reference naming the problem type: `urn:tadamun:problem:<code>`."
    )
    title = serializers.CharField(help_text="Short summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="Explanation specific to this occurrence.")
    code = serializers.CharField(
        help_text="Stable machine-readable code (e.g. `unbalanced`, `period_closed`)."
    )
    errors = ProblemErrorSerializer(  # type: ignore[assignment]  # a field named like Serializer.errors
        many=True, required=False, help_text="For `validation_error`: every invalid value."
    )


PROBLEM_DESCRIPTIONS = {
    400: "Invalid request (`validation_error`, `parse_error`, `invalid_amount`, `invalid_currency`).",
    401: "Not authenticated (`not_authenticated`, `authentication_failed`).",
    403: (
        "Authenticated but lacking the required role (`permission_denied`), or a treasurer, "
        "auditor or admin whose token or session has not passed the second factor (`otp_required`)."
    ),
    404: "No such resource (`not_found`).",
    405: "Method not allowed (`method_not_allowed`).",
    406: "No acceptable representation (`not_acceptable`).",
    409: "Conflicts with the ledger's state.",
    410: "Gone: the credential or resource has expired.",
    413: "The request body is larger than the server accepts (`request_too_large`).",
    415: "Unsupported request media type (`unsupported_media_type`).",
    422: "Well-formed but refused by the ledger.",
    429: "Too many attempts (`throttled`); the `Retry-After` header says when to try again.",
    503: "The database could not be reached or the connection was lost (`database_unavailable`); "
    "retry after `Retry-After` seconds, a write with the same `Idempotency-Key`.",
}


def problems(*statuses: int, **descriptions: str) -> dict[Any, OpenApiResponse]:
    """Problem responses for `extend_schema(responses=...)`; override a description with s409='...'."""
    responses = {}
    for status in statuses:
        description = descriptions.get(f"s{status}", PROBLEM_DESCRIPTIONS[status])
        responses[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            response=ProblemSerializer, description=description
        )
    return responses


# Every endpoint behind a role answers these.
READ_PROBLEMS = (400, 401, 403, 406)
WRITE_PROBLEMS = (400, 401, 403, 406, 415)

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "A UUID chosen by the client for this request. Sending the same key with the same "
        "body again returns the entry the first request created (200 instead of 201) and "
        "writes nothing; the same key with a different body is a 409 `idempotency_conflict`, and a "
        "key another user has posted under is a 409 `idempotency_key_foreign`. After a 503 "
        "`database_unavailable`, retry with the same key: the replay never writes twice."
    ),
)


class TokenScheme(OpenApiAuthenticationExtension):
    """knox's token authentication, under the scheme name clients already know (`tokenAuth`)."""

    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, adding who may call each operation to its description.

    Every operation may answer 503 (database lost; a view that never touches the
    database says `uses_database = False`) and every one that reads a body 413
    (body too large): added here, so no endpoint has to remember them.
    """

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        always = [413] if self.method in ("POST", "PUT", "PATCH") else []
        if getattr(self.view, "uses_database", True):
            always.append(503)
        for status, response in problems(*always).items():
            if str(status[0]) not in responses:
                responses[str(status[0])] = self._get_response_for_code(response, str(status[0]), status[1:])
        return responses

    def get_auth(self) -> list[dict[str, Any]]:
        """Credentials are optional where a permission lets anonymous callers in (`{}` in the list)."""
        auths = super().get_auth()
        anonymous = any(
            getattr(permission, "allows_anonymous", lambda method: False)(self.method)
            for permission in self.view.get_permissions()
        )
        if anonymous and auths and {} not in auths:
            auths.append({})
        return auths

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        notes = [
            permission.describe(self.method)
            for permission in self.view.get_permissions()
            if hasattr(permission, "describe")
        ]
        operation["description"] = "\n\n".join(
            part for part in (operation.get("description", ""), *notes) if part
        )
        return operation
