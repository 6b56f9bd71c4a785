"""Auditor packs: auditors, treasurers and admins ask for one, follow its run and download it."""

import datetime
from typing import Any, cast

from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ReportAccess
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.v1.reports import serializers as s
from api.validation import body_validate, query_validate
from reports.auditor.csv_export import pack_csv_section
from reports.auditor.labels import PACK_LANGUAGES
from reports.auditor.models import ReportRun
from reports.auditor.selectors import report_run_document, report_run_get
from reports.auditor.services import auditor_pack_request
from users.models import User

TAG = "reports"

S404 = "No report run with that id (`not_found`)."
S409 = (
    "`report_not_ready` (still queued or rendering: follow the run and try again when it is "
    "`done`) or `report_failed` (rendering failed: ask for a new pack)."
)


class _Passthrough(BaseRenderer):
    """Sends the bytes the view gives it; errors are problem documents whatever the client accepts."""

    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


class PDFRenderer(_Passthrough):
    media_type = "application/pdf"
    format = "pdf"


class ZipRenderer(_Passthrough):
    media_type = "application/zip"
    format = "zip"


class CSVRenderer(_Passthrough):
    media_type = "text/csv"
    format = "csv"


def _filename(run: ReportRun, extension: str) -> str:
    return f"auditor-pack-{run.date_from.isoformat()}-{run.date_to.isoformat()}-{run.language}.{extension}"


@extend_schema(tags=[TAG])
class AuditorPackCreateView(APIView):
    """Ask for an auditor pack of a period: it renders in the background; follow the run it answers with.

    The pack holds the trial balance and the statement of financial position at the
    end of the period, the statement of activities by fund and the journal of the
    period, as a PDF in the language asked for and as CSV files. It names no one:
    entries appear by kind and their source's random reference, without memos. Every
    auditor, treasurer and admin can follow and download every run.
    """

    permission_classes = (ReportAccess,)

    @extend_schema(
        request=s.AuditorPackInput,
        responses={
            202: s.ReportRunOutput,
            **problems(
                *WRITE_PROBLEMS,
                s400="Invalid request (`validation_error`), an unknown fund (`unknown_fund`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = body_validate(s.AuditorPackInput, request)
        language = data.get("language") or translation.get_language()
        run = auditor_pack_request(
            date_from=cast(datetime.date, data["from"]),
            date_to=data["to"],
            fund_id=data.get("fund"),
            language=language if language in PACK_LANGUAGES else "en",
            requested_by=cast(User, request.user),
        )
        answer = s.ReportRunOutput(report_run_get(run_id=run.pk)).data
        return Response(
            answer,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("reports-run-detail", kwargs={"pk": run.pk})},
        )


@extend_schema(tags=[TAG])
class ReportRunDetailView(APIView):
    """One report run: its status and, once done, where to download it."""

    permission_classes = (ReportAccess,)

    @extend_schema(responses={200: s.ReportRunOutput, **problems(*READ_PROBLEMS, 404, s404=S404)})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.ReportRunOutput(report_run_get(run_id=pk)).data)


@extend_schema(tags=[TAG])
class ReportRunPDFView(APIView):
    """A done run's PDF."""

    permission_classes = (ReportAccess,)
    renderer_classes = (PDFRenderer,)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The pack."),
            **problems(*READ_PROBLEMS, 404, 409, s404=S404, s409=S409),
        }
    )
    def get(self, request: Request, pk: Any) -> Response:
        run, pdf = report_run_document(run_id=pk, document="pdf")
        return Response(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{_filename(run, "pdf")}"'},
        )


@extend_schema(tags=[TAG])
class ReportRunCSVView(APIView):
    """A done run's CSV files: every section in a zip, or one `section` as text/csv (UTF-8)."""

    permission_classes = (ReportAccess,)
    renderer_classes = (ZipRenderer, CSVRenderer)

    @extend_schema(
        parameters=[s.CSVQuery],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="Every section."),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One section."),
            **problems(*READ_PROBLEMS, 404, 409, s404=S404, s409=S409),
        },
    )
    def get(self, request: Request, pk: Any) -> Response:
        section = query_validate(s.CSVQuery, request).get("section")
        run, archive = report_run_document(run_id=pk, document="csv_zip")
        if section is None:
            return Response(
                archive,
                content_type="application/zip",
                headers={"Content-Disposition": f'attachment; filename="{_filename(run, "zip")}"'},
            )
        return Response(
            pack_csv_section(archive, section).encode("utf-8"),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{_filename(run, section + ".csv")}"'},
        )
