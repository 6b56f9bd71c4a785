"""The grants app's Python interface for other apps (payouts, reports)."""

from grants.exceptions import GrantsError, InvalidTransition, RequestNotFound
from grants.models import Category
from grants.services import grant_request_close, grant_request_mark_paid
from grants.workflow import Status

__all__ = [
    "Category",
    "GrantsError",
    "InvalidTransition",
    "RequestNotFound",
    "Status",
    "grant_request_close",
    "grant_request_mark_paid",
]
