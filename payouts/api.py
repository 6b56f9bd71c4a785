"""The payouts app's Python interface for other apps (reports) and the demo."""

from payouts.models import Disbursement, FailureReason, Rail
from payouts.selectors import disbursement_get, disbursement_list
from payouts.services import (
    disbursement_approve,
    disbursement_cancel,
    disbursement_fail,
    disbursement_propose,
    disbursement_send,
    second_approval_needed,
)
from payouts.workflow import DisbursementStatus

__all__ = [
    "Disbursement",
    "DisbursementStatus",
    "FailureReason",
    "Rail",
    "disbursement_approve",
    "disbursement_cancel",
    "disbursement_fail",
    "disbursement_get",
    "disbursement_list",
    "disbursement_propose",
    "disbursement_send",
    "second_approval_needed",
]
