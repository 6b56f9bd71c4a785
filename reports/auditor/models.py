"""A report rendered in the background: what was asked, by whom, its status and its documents."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from reports.auditor.labels import PACK_LANGUAGES


class ReportKind(models.TextChoices):
    AUDITOR_PACK = "auditor_pack", "Auditor pack"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    """One request for a report and, once rendered, its PDF and its CSV files (a zip).

    The documents are kept in the row (bytea): they are read through the API only,
    with its permissions, every worker and web process reaches them without a shared
    disk, and they go with the database's backups. A pack is a few megabytes at most.
    Known outside by a random id.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=ReportKind.choices)
    date_from = models.DateField()
    date_to = models.DateField()
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    language = models.CharField(max_length=8)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    pdf = models.BinaryField(null=True, blank=True)
    csv_zip = models.BinaryField(null=True, blank=True)
    # The chain head the pack was built from (sequence number; 0 for an empty chain).
    chain_seq = models.BigIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="reportrun_kind_known"),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="reportrun_status_known"
            ),
            models.CheckConstraint(condition=Q(language__in=PACK_LANGUAGES), name="reportrun_language_known"),
            models.CheckConstraint(
                condition=Q(date_from__lte=models.F("date_to")), name="reportrun_period_in_order"
            ),
            # Documents exist exactly when the run is done; a failure names its error's class.
            models.CheckConstraint(
                condition=Q(
                    status=ReportStatus.DONE,
                    pdf__isnull=False,
                    csv_zip__isnull=False,
                    chain_seq__isnull=False,
                    finished_at__isnull=False,
                )
                | Q(~Q(status=ReportStatus.DONE), pdf__isnull=True, csv_zip__isnull=True),
                name="reportrun_documents_when_done",
            ),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.FAILED, finished_at__isnull=False) & ~Q(error_class="")
                | (~Q(status=ReportStatus.FAILED) & Q(error_class="")),
                name="reportrun_failure_named",
            ),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.QUEUED, started_at__isnull=True, finished_at__isnull=True)
                | Q(status=ReportStatus.RUNNING, started_at__isnull=False, finished_at__isnull=True)
                | Q(status__in=[ReportStatus.DONE, ReportStatus.FAILED], finished_at__isnull=False),
                name="reportrun_times_follow_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
