"""Small input and output serializers of report runs; documents are downloaded, never inlined."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from api.serializers import StrictInput
from reports.auditor.csv_export import SECTIONS
from reports.auditor.labels import PACK_LANGUAGES
from reports.auditor.models import ReportKind, ReportRun, ReportStatus


class AuditorPackInput(StrictInput):
    """The period (both days included), optionally one fund, and the PDF's language."""

    to = serializers.DateField(help_text="Last day of the period; balances are taken at its end.")
    fund = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Only this fund (ledger fund id)."
    )
    language = serializers.ChoiceField(
        choices=PACK_LANGUAGES,
        required=False,
        help_text="The PDF's language; defaults to the request's (Accept-Language) when it is one of "
        "these, else English. Arabic is printed right to left.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="First day of the period.")
        return {"from": fields.pop("from"), **fields}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": "The last day must not come before the first."})
        return attrs


class CSVQuery(serializers.Serializer):
    section = serializers.ChoiceField(
        choices=SECTIONS,
        required=False,
        help_text="One section as text/csv; without it, every section in a zip.",
    )


class ReportRunOutput(serializers.Serializer):
    """A report run: what was asked, its status and, once done, where to download it."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    status = serializers.ChoiceField(
        choices=ReportStatus.choices,
        help_text="`queued`, `running`, `done` (download it) or `failed` (ask for a new one).",
    )
    language = serializers.CharField()
    fund = serializers.IntegerField(source="fund_id", allow_null=True)
    requested_by = serializers.IntegerField(source="requested_by_id", help_text="User id.")
    chain_seq = serializers.IntegerField(
        allow_null=True, help_text="The hash chain's sequence number the pack was built from, once done."
    )
    error_class = serializers.CharField(help_text="The class of the error a failed run met; empty otherwise.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    pdf = serializers.SerializerMethodField(help_text="Where to download the PDF once done.")
    csv = serializers.SerializerMethodField(help_text="Where to download the CSV files once done.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        period = {
            "from": serializers.DateField(source="date_from", help_text="First day of the period."),
            "to": serializers.DateField(source="date_to", help_text="Last day of the period."),
        }
        return {"id": fields.pop("id"), **period, **fields}

    def get_pdf(self, run: ReportRun) -> str:
        return reverse("reports-run-pdf", kwargs={"pk": run.pk})

    def get_csv(self, run: ReportRun) -> str:
        return reverse("reports-run-csv", kwargs={"pk": run.pk})
