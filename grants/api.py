"""The grants app's Python interface for other apps (payouts, reports)."""

from grants.exceptions import GrantsError, InvalidTransition, RequestNotFound
from grants.models import Category
from grants.selectors import PayableGrant, grant_request_payable_get
from grants.services import grant_request_close, grant_request_mark_paid, grant_request_payment_reversed
from grants.workflow import Status

__all__ = [
    "Category",
    "GrantsError",
    "InvalidTransition",
    "PayableGrant",
    "RequestNotFound",
    "Status",
    "grant_request_close",
    "grant_request_mark_paid",
    "grant_request_payable_get",
    "grant_request_payment_reversed",
]
