"""The Idempotency-Key request header that every posting endpoint requires."""

import functools
import uuid
from collections.abc import Callable
from typing import Any

from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import ParameterValidationError
from ledger.exceptions import IdempotencyConflict, IdempotencyKeyForeign
from ledger.models import Entry

HEADER = "Idempotency-Key"
_View = Callable[..., Response]


def idempotency_key_get(request: Request) -> uuid.UUID:
    """The request's idempotency key; a missing or malformed key is a 400 problem."""
    raw = request.headers.get(HEADER)
    if not raw:
        raise ParameterValidationError(
            {HEADER: [ErrorDetail("This header is required.", code="required")]}, location="header"
        )
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ParameterValidationError(
            {HEADER: [ErrorDetail("Must be a UUID.", code="invalid")]}, location="header"
        ) from None


def idempotency_key_owned(post: _View) -> _View:
    """Decorate a posting view: a key that another user posted under is IdempotencyKeyForeign.

    The ledger refuses any reuse of a key with another request as IdempotencyConflict
    (the request's author is part of it); this tells the two cases apart, with a
    query only once the ledger has refused.
    """

    @functools.wraps(post)
    def checked(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return post(view, request, *args, **kwargs)
        except IdempotencyConflict:
            key = idempotency_key_get(request)
            owners = Entry.objects.filter(idempotency_key=key).values_list("created_by_id", flat=True)
            if any(owner != request.user.pk for owner in owners):
                raise IdempotencyKeyForeign(
                    "This Idempotency-Key was used by another user; send your request with a fresh key."
                ) from None
            raise

    return checked
