"""Disbursements of approved grants and their approvals by treasurers.

Nothing here identifies a requester: a disbursement names its grant request by
the request's row (whose public reference is random), and the rail's reference
is a bank's or provider's transaction id, capped in length.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from payouts.workflow import (
    APPROVED_OR_LATER,
    LIVE,
    SENT_OR_LATER,
    DisbursementStatus,
    birth_trigger_sql,
    transition_trigger_sql,
)

RAIL_REFERENCE_MAX = 100
APPROVAL_TABLE = "payouts_disbursementapproval"


class Rail(models.TextChoices):
    """Manual rails, confirmed by a treasurer with the rail's reference."""

    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    MOBILE_MONEY = "mobile_money", _("Mobile money")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class FailureReason(models.TextChoices):
    """Why money that was sent did not arrive: categories, never free text."""

    RETURNED = "returned", _("Returned by the bank or provider")
    REJECTED = "rejected", _("Rejected by the bank or provider")
    NOT_COLLECTED = "not_collected", _("Not collected")
    OTHER = "other", _("Other")


class Disbursement(models.Model):
    """Paying one approved grant request, in full, on a manual rail; known outside by a random reference."""

    reference = models.CharField(max_length=24, unique=True, editable=False)
    grant_request = models.ForeignKey("grants.GrantRequest", on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(help_text="Minor units of `currency`: the grant's approved amount.")
    currency = models.CharField(max_length=3)
    rail = models.CharField(max_length=16, choices=Rail.choices)
    status = models.CharField(max_length=16, choices=DisbursementStatus.choices)
    # Fixed at proposal from PAYOUTS_SECOND_APPROVAL_ABOVE: a later change of the setting
    # does not change what a proposal already needs.
    needs_second_approval = models.BooleanField()
    # The Idempotency-Key of the proposal: the same key proposes once.
    proposal_key = models.UUIDField(unique=True)

    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)

    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    send_key = models.UUIDField(null=True, blank=True, unique=True)
    rail_reference = models.CharField(max_length=RAIL_REFERENCE_MAX, blank=True, default="")
    # grants payable / bank: the entry that settled the grant.
    sent_entry_id = models.BigIntegerField(null=True, blank=True, unique=True)

    failed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    failed_at = models.DateTimeField(null=True, blank=True)
    fail_key = models.UUIDField(null=True, blank=True, unique=True)
    failure_reason = models.CharField(max_length=16, choices=FailureReason.choices, blank=True, default="")
    # The reversal of `sent_entry_id`.
    failure_entry_id = models.BigIntegerField(null=True, blank=True, unique=True)

    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="disbursement_status")]
        constraints = [
            # The target of the approvals' (disbursement, proposer) foreign key.
            models.UniqueConstraint(fields=["id", "proposed_by"], name="disbursement_id_proposer"),
            models.UniqueConstraint(
                fields=["grant_request"],
                condition=Q(status__in=sorted(LIVE)),
                name="disbursement_one_live_per_grant",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="disbursement_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DisbursementStatus.values), name="disbursement_status_valid"
            ),
            models.CheckConstraint(condition=Q(rail__in=Rail.values), name="disbursement_rail_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(APPROVED_OR_LATER)) | Q(approved_at__isnull=False),
                name="disbursement_approval_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(SENT_OR_LATER))
                | (
                    Q(sent_by__isnull=False, sent_at__isnull=False, send_key__isnull=False)
                    & Q(sent_entry_id__isnull=False)
                    & ~Q(rail_reference="")
                ),
                name="disbursement_sent_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status=DisbursementStatus.FAILED)
                | (
                    Q(failed_by__isnull=False, failed_at__isnull=False, fail_key__isnull=False)
                    & Q(failure_entry_id__isnull=False)
                    & ~Q(failure_reason="")
                ),
                name="disbursement_failure_reversed",
            ),
            models.CheckConstraint(
                condition=~Q(status=DisbursementStatus.CANCELLED)
                | Q(cancelled_by__isnull=False, cancelled_at__isnull=False),
                name="disbursement_cancellation_recorded",
            ),
            models.CheckConstraint(
                condition=Q(failure_reason="") | Q(failure_reason__in=FailureReason.values),
                name="disbursement_failure_reason_valid",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="disbursement_born",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=birth_trigger_sql(),
            ),
            pgtrigger.Trigger(
                name="disbursement_transition",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("status"),
                condition=pgtrigger.Q(old__status__df=pgtrigger.F("new__status")),
                declare=[("allowed", "boolean")],
                func=transition_trigger_sql(APPROVAL_TABLE),
            ),
            pgtrigger.Protect(name="disbursement_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.reference


class DisbursementApproval(models.Model):
    """A second treasurer's approval: one per treasurer and disbursement, never the proposer's."""

    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The disbursement's proposer, copied so that a CHECK can compare; the composite foreign key
    # disbursementapproval_proposer_matches (see the migration) keeps it the true proposer.
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["disbursement_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["disbursement", "approver"], name="disbursementapproval_once"),
            models.CheckConstraint(
                condition=~Q(approver=models.F("proposer")), name="disbursementapproval_not_the_proposer"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="disbursementapproval_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]


class FundPayoutLimit(models.Model):
    """The most one fund may pay out in one currency in one day; set by admins.

    Beside the organisation's own daily limit per currency (PAYOUTS_DAILY_LIMIT):
    a fund raised for small emergency grants can be held to less.
    """

    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    daily_limit = models.BigIntegerField(help_text="Minor units of `currency`.")

    class Meta:
        ordering = ["fund_id", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "currency"], name="fundpayoutlimit_once"),
            models.CheckConstraint(condition=Q(daily_limit__gt=0), name="fundpayoutlimit_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="fundpayoutlimit_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.daily_limit} a day from fund {self.fund_id}"
