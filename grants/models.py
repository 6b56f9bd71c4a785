"""Grant tables: fund rules, requests, assignments, reviews, decisions and appeals.

No column here identifies a person: the public reference is random, and what a
requester writes about themselves is kept only encrypted, through the vault.
"""

import uuid

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grants.workflow import DECIDED, Status, transition_trigger_sql

CURRENCY_CODE = Q(currency__regex=r"^[A-Z]{3}$")
# The languages requesters are answered in (settings.LANGUAGES); a new one needs a migration.
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
LANGUAGE_KNOWN = Q(language__in=LANGUAGE_CODES)


class Category(models.TextChoices):
    HOUSING = "housing", _("Housing")
    FOOD = "food", _("Food")
    MEDICAL = "medical", _("Medical")
    LEGAL = "legal", _("Legal")
    SAFETY_RELOCATION = "safety_relocation", _("Safety and relocation")
    LIVELIHOOD = "livelihood", _("Livelihood")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class DeclineReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the fund's purpose")
    INCOMPLETE = "incomplete", _("Incomplete or unanswered")
    DUPLICATE = "duplicate", _("Duplicate request")
    FUNDS_EXHAUSTED = "funds_exhausted", _("The fund has no money left for it")
    OTHER = "other", pgettext_lazy("decline reason", "Other")


class Recommendation(models.TextChoices):
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


def _append_only(model: str) -> list[pgtrigger.Trigger]:
    return [pgtrigger.Protect(name=f"{model}_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class GrantFund(models.Model):
    """The grant rules of one ledger fund: its currency, the most one request may get, and if it is open."""

    fund = models.OneToOneField("ledger.Fund", on_delete=models.PROTECT, related_name="grant_rules")
    currency = models.CharField(
        max_length=3,
        help_text="The currency the fund holds and measures grants in; caps and maximum are in it.",
    )
    # Other currencies requests may be in: each is committed at a rate fixed at approval.
    also_pays = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    max_per_request = models.BigIntegerField(help_text="Minor units of `currency`.")
    accepting = models.BooleanField(default=True)

    class Meta:
        ordering = ["fund_id"]
        constraints = [
            models.CheckConstraint(condition=CURRENCY_CODE, name="grantfund_currency_iso"),
            models.CheckConstraint(condition=Q(max_per_request__gt=0), name="grantfund_max_positive"),
        ]

    def __str__(self) -> str:
        return f"grant rules of fund {self.fund_id}"


class CategoryCap(models.Model):
    """The most a fund may commit, over all its grants, to one category."""

    grant_fund = models.ForeignKey(GrantFund, on_delete=models.CASCADE, related_name="caps")
    category = models.CharField(max_length=32, choices=Category.choices)
    cap = models.BigIntegerField(help_text="Minor units of the fund's grant currency.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grant_fund", "category"], name="categorycap_once"),
            models.CheckConstraint(condition=Q(cap__gt=0), name="categorycap_positive"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="categorycap_category"),
        ]


class RequesterProfile(models.Model):
    """What a requester account chose for itself: the language it is answered in. Nothing that identifies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=8)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=LANGUAGE_KNOWN, name="requesterprofile_language_known")
        ]

    def __str__(self) -> str:
        return f"requester {self.user_id}"


class GrantRequest(models.Model):
    """A request for a grant, known outside by its random reference only."""

    reference = models.CharField(max_length=24, unique=True, editable=False)
    # A pseudonymous account, or (anonymous application) the hash of a claim code.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claim_code_hash = models.BinaryField(null=True, blank=True, unique=True, editable=False)
    claim_code_expires_at = models.DateTimeField(null=True, blank=True)
    claim_code_spent_at = models.DateTimeField(null=True, blank=True)

    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=32, choices=Category.choices)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2.")
    currency = models.CharField(max_length=3)
    amount_requested = models.BigIntegerField(help_text="Minor units of `currency`.")
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)

    approved_amount = models.BigIntegerField(null=True, blank=True)
    decline_reason = models.CharField(max_length=32, choices=DeclineReason.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The ledger entry that committed the approved amount (grants expense / grants payable),
    # and what it took from the fund in the fund's own currency (the same as the approved
    # amount, or its equivalent at the rate fixed at approval).
    commitment_entry_id = models.BigIntegerField(null=True, blank=True)
    committed_amount = models.BigIntegerField(null=True, blank=True)

    # Identifying data, sealed by the vault under this request's own subject (grants/identity.py).
    subject_reference = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    name_sealed = models.BinaryField(null=True, blank=True, editable=False)
    contact_channel_sealed = models.BinaryField(null=True, blank=True, editable=False)
    contact_handle_sealed = models.BinaryField(null=True, blank=True, editable=False)
    narrative_sealed = models.BinaryField(null=True, blank=True, editable=False)
    payout_rail_sealed = models.BinaryField(null=True, blank=True, editable=False)
    payout_details_sealed = models.BinaryField(null=True, blank=True, editable=False)
    # When the data key was shredded: the sealed fields can never be opened again.
    shredded_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["requester", "-id"], name="grantrequest_requester"),
            models.Index(fields=["fund", "category"], name="grantrequest_fund_category"),
            models.Index(fields=["status", "closed_at"], name="grantrequest_status_closed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="grantrequest_status_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="grantrequest_category"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="grantrequest_urgency"),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="grantrequest_country"),
            models.CheckConstraint(condition=CURRENCY_CODE, name="grantrequest_currency_iso"),
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="grantrequest_amount_positive"),
            models.CheckConstraint(condition=LANGUAGE_KNOWN, name="grantrequest_language_known"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__gt=0, approved_amount__lte=models.F("amount_requested")),
                name="grantrequest_approved_within_requested",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED) | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="grantrequest_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.APPROVED, Status.PAID])
                | Q(approved_amount__isnull=False, commitment_entry_id__isnull=False, committed_amount__gt=0),
                name="grantrequest_approval_committed",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DECLINED) | ~Q(decline_reason=""),
                name="grantrequest_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT) | Q(submitted_at__isnull=False),
                name="grantrequest_submitted_at",
            ),
            models.CheckConstraint(
                condition=Q(requester__isnull=False) | Q(claim_code_hash__isnull=False),
                name="grantrequest_has_an_owner",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="grantrequest_transition",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("status"),
                condition=pgtrigger.Q(old__status__df=pgtrigger.F("new__status")),
                declare=[("allowed", "boolean")],
                func=transition_trigger_sql(),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Assignment(models.Model):
    """A reviewer assigned to a request; removed when they declare a conflict of interest."""

    request = models.ForeignKey(GrantRequest, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "reviewer"], name="assignment_once")]
        indexes = [models.Index(fields=["reviewer", "request"], name="assignment_reviewer")]


class ConflictDeclaration(models.Model):
    """A reviewer's declared conflict of interest with a request: they never review it again."""

    request = models.ForeignKey(GrantRequest, on_delete=models.PROTECT, related_name="conflicts")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "reviewer"], name="conflict_once")]
        triggers = _append_only("conflictdeclaration")


class Review(models.Model):
    """A reviewer's score (1 to 5) and recommendation; they may revise it until the decision."""

    request = models.ForeignKey(GrantRequest, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "reviewer"], name="review_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="review_score_range"),
            models.CheckConstraint(
                condition=Q(recommendation__in=Recommendation.values), name="review_recommendation"
            ),
        ]


class Decision(models.Model):
    """Who decided a request, when, and how; round 2 is the appeal. Append-only."""

    request = models.ForeignKey(GrantRequest, on_delete=models.PROTECT, related_name="decisions")
    round = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    amount = models.BigIntegerField(null=True, blank=True)
    decline_reason = models.CharField(max_length=32, choices=DeclineReason.choices, blank=True, default="")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    commitment_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "round"]
        constraints = [
            models.UniqueConstraint(fields=["request", "round"], name="decision_once_per_round"),
            models.CheckConstraint(condition=Q(round__in=[1, 2]), name="decision_round_valid"),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="decision_outcome_valid"),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.APPROVED, amount__gt=0, commitment_entry_id__isnull=False)
                | Q(outcome=Outcome.DECLINED, amount__isnull=True) & ~Q(decline_reason=""),
                name="decision_outcome_complete",
            ),
        ]
        triggers = _append_only("decision")


class Appeal(models.Model):
    """The one appeal a declined request may have."""

    request = models.OneToOneField(GrantRequest, on_delete=models.PROTECT, related_name="appeal")
    filed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        triggers = _append_only("appeal")


class Question(models.Model):
    """A reviewer's question to the requester and its answer, both sealed under the request's subject."""

    request = models.ForeignKey(GrantRequest, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    body_sealed = models.BinaryField(editable=False)
    answer_sealed = models.BinaryField(null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "id"]
        constraints = [
            # The target of the attachments' (question, request) foreign key.
            models.UniqueConstraint(fields=["id", "request"], name="question_id_request"),
            models.CheckConstraint(
                condition=Q(answer_sealed__isnull=True, answered_at__isnull=True)
                | Q(answer_sealed__isnull=False, answered_at__isnull=False),
                name="question_answered_with_time",
            ),
        ]


class Note(models.Model):
    """A reviewer's internal note, never shown to the requester; sealed like everything they might write."""

    request = models.ForeignKey(GrantRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    body_sealed = models.BinaryField(editable=False)

    class Meta:
        ordering = ["request_id", "id"]
        triggers = _append_only("note")


class AttachmentType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class Attachment(models.Model):
    """A document attached to a request (an eviction notice, a medical bill), sealed under its subject.

    Known outside by a random public id. The content was stripped of its metadata
    before sealing (grants/documents.py); its original file name is sealed too, or
    absent. Append-only: shredding the request's data key is how one is erased.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(GrantRequest, on_delete=models.PROTECT, related_name="attachments")
    # Set when the document came with an answer to this question (of the same request; see the migration).
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    content_type = models.CharField(max_length=32, choices=AttachmentType.choices)
    size = models.BigIntegerField(help_text="Bytes of the stored document, before sealing.")
    content_sealed = models.BinaryField(editable=False)
    filename_sealed = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=AttachmentType.values), name="attachment_content_type"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_size_positive"),
            # Sealing only adds (a header, a nonce, a tag): a blob shorter than the size is not this document.
            models.CheckConstraint(
                condition=GreaterThan(Length("content_sealed"), models.F("size")),
                name="attachment_sealed_not_shorter",
            ),
        ]
        triggers = _append_only("attachment")

    def __str__(self) -> str:
        return str(self.public_id)
