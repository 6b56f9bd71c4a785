"""What django-axes answers when a sign-in is refused for lockout: a problem document under /api/."""

from typing import Any

from axes.helpers import get_cool_off, get_lockout_message
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from api.exceptions import API_PATH_PREFIX, PROBLEM_CONTENT_TYPE, problem

LOCKED_OUT_STATUS = 429
LOCKED_OUT_DETAIL = (
    "Too many failed sign-ins for this account or from this address; try again after the cool-off."
)


def locked_out_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 `locked_out` with Retry-After; the admin gets axes' plain message."""
    cool_off = get_cool_off(request)
    if request.path.startswith(API_PATH_PREFIX):
        response: HttpResponse = JsonResponse(
            problem(
                status=LOCKED_OUT_STATUS,
                code="locked_out",
                title="Locked out",
                detail=LOCKED_OUT_DETAIL,
            ),
            status=LOCKED_OUT_STATUS,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    else:
        status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", LOCKED_OUT_STATUS)
        response = HttpResponse(get_lockout_message(), status=status)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
