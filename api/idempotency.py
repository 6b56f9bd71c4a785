"""The Idempotency-Key request header that every posting endpoint requires."""

import uuid

from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request

from api.exceptions import ParameterValidationError

HEADER = "Idempotency-Key"


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
