"""Turns domain errors and DRF errors into RFC 9457 problem responses."""

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from grants.exceptions import GrantsError
from ledger.exceptions import LedgerError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:tadamun:problem:"
API_PATH_PREFIX = "/api/"


class ProblemJSONRenderer(JSONRenderer):
    """Renders problem documents whatever the client asked for (RFC 9457)."""

    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class ParameterValidationError(exceptions.ValidationError):
    """Invalid query parameters or headers; errors name the parameter, not a body pointer."""

    def __init__(self, detail: Any, *, location: str = "query") -> None:
        super().__init__(detail)
        self.location = location


def problem(
    *, status: int, code: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """One RFC 9457 problem document; `code` is the stable machine-readable reason."""
    document: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        document["errors"] = errors
    return document


def _status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _class_title(exc: Exception) -> str:
    """'UnbalancedEntry' -> 'Unbalanced entry'."""
    words = re.findall(r"[A-Z][a-z0-9]*", type(exc).__name__)
    return " ".join(words).capitalize() if words else _status_title(getattr(exc, "status", 400))


def _json_pointer(path: Sequence[str | int]) -> str:
    return "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _field_errors(detail: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
    """Flatten DRF's nested error structure into (path, ErrorDetail) pairs."""
    if isinstance(detail, Mapping):
        pairs = []
        for key, value in detail.items():
            sub = path if key == "non_field_errors" else (*path, key)
            pairs += _field_errors(value, sub)
        return pairs
    if isinstance(detail, list | tuple):
        pairs = []
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):
                pairs += _field_errors(item, (*path, index))
            else:
                pairs.append((path, item))
        return pairs
    return [(path, detail)]


def validation_errors(exc: exceptions.ValidationError) -> list[dict[str, str]]:
    """The `errors` member: one item per message, located by JSON pointer or parameter name."""
    member = {"query": "parameter", "header": "header"}.get(getattr(exc, "location", "body"))
    items = []
    for path, message in _field_errors(exc.detail):
        item = {"detail": str(message), "code": str(getattr(message, "code", "invalid"))}
        if member and path:
            item[member] = str(path[0])
        else:
            item["pointer"] = _json_pointer(path)
        items.append(item)
    return items


def _problem_for(exc: Exception) -> tuple[dict[str, Any], dict[str, str]]:
    """The problem document and extra headers for an exception."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, LedgerError | GrantsError):
        return problem(status=exc.status, code=exc.code, title=_class_title(exc), detail=exc.detail), {}

    if isinstance(exc, exceptions.ValidationError):
        errors = validation_errors(exc)
        count = len(errors)
        detail = errors[0]["detail"] if count == 1 else f"The request has {count or 'some'} invalid values."
        document = problem(
            status=400,
            code="validation_error",
            title="Invalid request",
            detail=detail,
            errors=errors,
        )
        return document, {}

    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.default_code
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        document = problem(
            status=exc.status_code, code=code, title=_status_title(exc.status_code), detail=detail
        )
        return document, headers

    return _internal_error(), {}


def _internal_error() -> dict[str, Any]:
    return problem(
        status=500,
        code="internal_error",
        title=_status_title(500),
        detail="An unexpected error occurred; nothing was written. The error has been logged.",
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler: every error becomes a problem document, and nothing is committed."""
    document, headers = _problem_for(exc)
    if document["status"] >= 500:
        view = context.get("view")
        logger.error("Unhandled error in %s", type(view).__name__, exc_info=exc)
    set_rollback()
    request = context.get("request")
    if request is not None:
        # Problems are JSON even when the client negotiated the browsable API.
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE
    return Response(document, status=document["status"], headers=headers)


def _problem_response(document: dict[str, Any]) -> JsonResponse:
    return JsonResponse(document, status=document["status"], content_type=PROBLEM_CONTENT_TYPE)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 view: a problem document under /api/, the usual page elsewhere."""
    if request.path.startswith(API_PATH_PREFIX):
        return _problem_response(
            problem(
                status=404,
                code="not_found",
                title=_status_title(404),
                detail="No API resource at this address.",
            )
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 view: a problem document under /api/, the usual page elsewhere."""
    if request.path.startswith(API_PATH_PREFIX):
        return _problem_response(_internal_error())
    return defaults.server_error(request)
