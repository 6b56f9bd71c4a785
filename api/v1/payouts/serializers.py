"""Small input and output serializers of disbursements; amounts are decimal strings, no requester in sight."""

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from api.fields import DECIMAL_PATTERN, FreeTextField, MoneyField
from api.serializers import StrictInput
from payouts.api import DisbursementStatus, FailureReason, Rail
from payouts.models import RAIL_REFERENCE_MAX

GRANT_REFERENCE_PATTERN = r"^GR-[A-Z2-7]{16}$"

RAIL_REFERENCE_HELP = (
    "The bank's, provider's or receipt's own reference for the money sent, for reconciling "
    f"(at most {RAIL_REFERENCE_MAX} characters). **Never** a name, an account number, a phone "
    "number or anything else that could identify the person paid: auditors read this field. "
    "It is never written to logs."
)


# --- inputs -------------------------------------------------------------------


class ProposeInput(StrictInput):
    """Propose paying an approved grant request in full on a manual rail."""

    grant_request = serializers.CharField(
        max_length=19,
        validators=[
            RegexValidator(GRANT_REFERENCE_PATTERN, "A grant request's reference, GR- and 16 letters.")
        ],
        help_text="The approved grant request's public reference.",
    )
    rail = serializers.ChoiceField(choices=Rail.choices)
    amount = serializers.CharField(
        max_length=24,
        required=False,
        validators=[RegexValidator(DECIMAL_PATTERN, "A decimal string such as '25.00'.")],
        help_text="Optional guard: the grant's approved amount, in its currency. Any other amount is a 422 "
        "`amount_not_approved` (a disbursement pays the whole approved amount).",
    )


class SendInput(StrictInput):
    """The money went out: the rail's reference for it."""

    rail_reference = FreeTextField(max_length=RAIL_REFERENCE_MAX, help_text=RAIL_REFERENCE_HELP)


class FailInput(StrictInput):
    """Sent money came back or never arrived: why, as a category."""

    reason = serializers.ChoiceField(choices=FailureReason.choices)


# --- outputs ------------------------------------------------------------------


class ApprovalOutput(serializers.Serializer):
    approver = serializers.IntegerField(source="approver_id", help_text="The approving treasurer's user id.")
    approved_at = serializers.DateTimeField()


class DisbursementOutput(serializers.Serializer):
    """A disbursement: the grant's public reference, money, rail, status and dates; never who is paid."""

    reference = serializers.CharField(help_text="Random public reference, PO- and 16 letters.")
    grant_request = serializers.CharField(source="grant_request.reference")
    fund = serializers.IntegerField(source="fund_id")
    amount = MoneyField(amount="amount")
    currency = serializers.CharField()
    rail = serializers.ChoiceField(choices=Rail.choices)
    status = serializers.CharField()
    needs_second_approval = serializers.BooleanField(
        help_text="Above PAYOUTS_SECOND_APPROVAL_ABOVE when proposed: a second treasurer must approve."
    )
    proposed_by = serializers.IntegerField(source="proposed_by_id")
    proposed_at = serializers.DateTimeField()
    approvals = ApprovalOutput(many=True, read_only=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_by = serializers.IntegerField(source="sent_by_id", allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    rail_reference = serializers.CharField(help_text=RAIL_REFERENCE_HELP)
    sent_entry = serializers.IntegerField(
        source="sent_entry_id", allow_null=True, help_text="The ledger entry grants payable / bank."
    )
    failed_at = serializers.DateTimeField(allow_null=True)
    failure_reason = serializers.CharField()
    failure_entry = serializers.IntegerField(
        source="failure_entry_id", allow_null=True, help_text="The ledger entry reversing `sent_entry`."
    )
    cancelled_at = serializers.DateTimeField(allow_null=True)

    def to_internal_value(self, data: Any) -> Any:
        raise TypeError("DisbursementOutput renders output only")


class DisbursementListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=DisbursementStatus.values, required=False)
