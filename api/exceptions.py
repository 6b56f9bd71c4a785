"""Turns domain errors and DRF errors into RFC 9457 problem responses.

Titles and details are written in the language active for the request (api/language.py);
`type`, `status` and `code` never change with it.
"""

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import defaults
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:tadamun:problem:"
API_PATH_PREFIX = "/api/"

# Every domain error's HTTP status, by its stable code; a code not listed is a 422.
DOMAIN_ERROR_STATUSES: dict[str, int] = {
    # the request itself is malformed
    "validation_error": 400,
    "invalid_currency": 400,
    "invalid_amount": 400,
    "date_out_of_range": 400,
    "invisible_characters": 400,
    "not_found": 404,
    # refused by the state of the books
    "period_closed": 409,
    "period_overlap": 409,
    "already_reversed": 409,
    "idempotency_conflict": 409,
    "idempotency_key_foreign": 409,
    "insufficient_funds": 409,
    "append_only": 409,
    # staff accounts' second factor
    "otp_required": 400,
    "otp_invalid": 400,
    "otp_already_enrolled": 409,
    "otp_not_enrolled": 409,
    # the vault
    "vault_invalid_input": 400,
    "vault_subject_not_found": 404,
    "erased": 410,
    "vault_master_key_unknown": 500,
    "vault_data_key_invalid": 500,
    # giving, and Stripe's webhook
    "invalid_pledge": 400,
    "amount_above_maximum": 400,
    "invalid_signature": 400,
    "invalid_payload": 400,
    "campaign_exists": 409,
    "campaign_closed": 409,
    "pledge_not_cancellable": 409,
    "monthly_pledge_running": 409,
    "invalid_donor_profile": 400,
    "username_taken": 409,
    "manage_code_invalid": 404,
    "refund_not_possible": 409,
    "contribution_not_matchable": 409,
    "contribution_already_matched": 409,
    "receipt_not_undelivered": 409,
    "unknown_pledge_reference": 422,
    "pledge_currency_differs": 422,
    "card_payments_not_configured": 422,
    "payment_provider_unavailable": 503,
    "event_handling_failed": 503,
    # grants: malformed requests
    "unknown_fund": 400,
    "unknown_country": 400,
    "not_a_reviewer": 400,
    "too_long": 400,
    "rate_required": 400,
    "unsupported_language": 400,
    "claim_code_invalid": 404,
    # grants: refused by the request's or the fund's state
    "invalid_transition": 409,
    "not_editable": 409,
    "already_appealed": 409,
    "appeal_needs_another_reviewer": 409,
    "conflict_of_interest": 409,
    "category_cap_reached": 409,
    "fund_short": 409,
    "claim_code_used": 409,
    "pseudonym_taken": 409,
    "already_answered": 409,
    "claim_code_expired": 410,
    # grants: attached documents
    "attachment_too_large": 413,
    "attachment_type_unsupported": 415,
    "attachment_limit_reached": 409,
    "attachment_not_allowed": 409,
    "attachment_unreadable": 422,
    # payouts
    "not_a_treasurer": 403,
    "own_proposal": 403,
    "own_grant": 403,
    "grant_not_payable": 409,
    "disbursement_exists": 409,
    "already_approved": 409,
    "second_approval_required": 409,
    "fund_overdrawn": 409,
    "payout_limit_reached": 409,
    "amount_not_approved": 422,
    # reports
    "invalid_period": 400,
    "report_not_ready": 409,
    "report_failed": 409,
    # currency_not_paid, fund_not_accepting, above_fund_maximum, above_requested: 422
}
DOMAIN_ERROR_DEFAULT_STATUS = 422


class ProblemJSONRenderer(JSONRenderer):
    """Renders problem documents whatever the client asked for (RFC 9457)."""

    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class ParameterValidationError(exceptions.ValidationError):
    """Invalid query parameters or headers; errors name the parameter, not a body pointer."""

    def __init__(self, detail: Any, *, location: str = "query") -> None:
        super().__init__(detail)
        self.location = location


# Each status's title, as RFC 9110 names it, translated; another status gets Python's English phrase.
STATUS_TITLES: dict[int, Promise] = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    410: gettext_lazy("Gone"),
    413: gettext_lazy("Content Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    422: gettext_lazy("Unprocessable Content"),
    429: gettext_lazy("Too Many Requests"),
    500: gettext_lazy("Internal Server Error"),
    503: gettext_lazy("Service Unavailable"),
}


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = gettext_lazy("The request body is too large.")


class DatabaseUnavailable(exceptions.APIException):
    # The connection may have been lost after the server committed: the client
    # cannot know whether a write happened, and a replay under the same
    # Idempotency-Key answers either way without writing twice.
    status_code = 503
    default_code = "database_unavailable"
    default_detail = gettext_lazy(
        "The database could not be reached or the connection was lost. Retry after the time given in "
        "Retry-After; for a write, send the same Idempotency-Key and body: if the first request was "
        "written, the replay returns its result and writes nothing again."
    )
    retry_after_seconds = 2

    def __init__(self) -> None:
        super().__init__()
        self.wait = self.retry_after_seconds


def _database_unavailable(exc: Exception) -> bool:
    """A lost or refused connection, not a query the server found wrong (program limits, class 54)."""
    lost = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
    if not isinstance(exc, lost):
        return False
    cause = exc if isinstance(exc, psycopg.Error) else exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or ""
    return not sqlstate.startswith("54")


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


def domain_error_status(exc: DomainError) -> int:
    """The HTTP status of a domain error, looked up by its code."""
    return DOMAIN_ERROR_STATUSES.get(exc.code, DOMAIN_ERROR_DEFAULT_STATUS)


def _status_title(status: int) -> str:
    if status in STATUS_TITLES:
        return str(STATUS_TITLES[status])
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _domain_title(exc: DomainError) -> str:
    """The error's own (translated) title, else from its class name: UnbalancedEntry, "Unbalanced entry"."""
    if exc.title is not None:
        return str(exc.title)
    words = re.findall(r"[A-Z][a-z0-9]*", type(exc).__name__)
    return " ".join(words).capitalize() if words else "Error"


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
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than the %(size)s bytes allowed.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif _database_unavailable(exc):
        exc = DatabaseUnavailable()

    if isinstance(exc, DomainError):
        status = domain_error_status(exc)
        return problem(status=status, code=exc.code, title=_domain_title(exc), detail=exc.detail), {}

    if isinstance(exc, exceptions.ValidationError):
        errors = validation_errors(exc)
        count = len(errors)
        if count == 1:
            detail = errors[0]["detail"]
        elif count:
            detail = ngettext(
                "The request has %(count)d invalid value.", "The request has %(count)d invalid values.", count
            ) % {"count": count}
        else:
            detail = _("The request has invalid values.")
        document = problem(
            status=400,
            code="validation_error",
            title=_("Invalid request"),
            detail=detail,
            errors=errors,
        )
        return document, {}

    if isinstance(exc, exceptions.APIException):
        headers = {}
        auth_header, wait = getattr(exc, "auth_header", None), getattr(exc, "wait", None)
        if auth_header:
            headers["WWW-Authenticate"] = str(auth_header)
        if wait:
            headers["Retry-After"] = str(int(wait))
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
        detail=_("An unexpected error occurred; nothing was written. The error has been logged."),
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
                detail=_("No API resource at this address."),
            )
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 view: a problem document under /api/, the usual page elsewhere."""
    if request.path.startswith(API_PATH_PREFIX):
        return _problem_response(_internal_error())
    return defaults.server_error(request)
