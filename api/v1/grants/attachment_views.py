"""Documents attached to a request: upload (multipart), list, and download, each opening logged by the vault.

A document is served only as a download, to its requester, an assigned reviewer
or an admin, under a name made of its random id: never from a public address,
never inline, never cached.
"""

import io
from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.language import ReaderLanguageMixin
from api.permissions import GrantAttachmentAccess
from api.schema import READ_PROBLEMS, WRITE_PROBLEMS, problems
from api.uploads import BoundedUploadMixin
from api.v1.grants import serializers as s
from api.v1.grants.views import CLAIM_PROBLEMS, ClaimView
from api.validation import body_validate
from grants import identity, services
from grants.documents import CONTENT_TYPES, filename_clean
from grants.models import Attachment, GrantRequest
from grants.selectors import (
    attachment_get,
    attachment_list,
    attachment_reader_purpose,
    grant_request_get_by_claim_code,
    grant_request_get_for,
)

TAG = "grants"
PURPOSE_OWN = "requester_own"

UPLOAD_PROBLEMS = problems(
    413,
    415,
    422,
    s413="The document is larger than GRANTS_ATTACHMENT_MAX_BYTES (`attachment_too_large`), or an "
    "image has too many pixels.",
    s415="Not a PDF, JPEG or PNG, read from the file's own bytes (`attachment_type_unsupported`), or "
    "the body is not multipart/form-data (`unsupported_media_type`).",
    s422="The document does not parse as the type it starts as, or is a password-protected PDF "
    "(`attachment_unreadable`).",
)
UPLOAD_409 = (
    "The request holds as many documents as it may (`attachment_limit_reached`); a submitted request "
    "takes documents only with an answer (`attachment_not_allowed`) to an open question "
    "(`already_answered`); or its status takes none (`invalid_transition`)."
)
GONE = "`erased`: the request's identifying data, its documents with it, has been shredded."
DOWNLOAD_RESPONSES: dict[Any, Any] = {
    (200, content_type): OpenApiResponse(
        response=OpenApiTypes.BINARY,
        description="The document, as an attachment (`Content-Disposition`), never cached.",
    )
    for content_type in CONTENT_TYPES
}


class DocumentRenderer(renderers.BaseRenderer):
    """The download views answer with the document itself, whatever type the client accepts."""

    media_type = "*/*"
    format = "document"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


def _download(opened: services.OpenedAttachment) -> FileResponse:
    response = FileResponse(
        io.BytesIO(opened.content),
        as_attachment=True,
        filename=opened.download_name,
        content_type=opened.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _rows(
    request: GrantRequest, attachments: list[Attachment], reader_id: int | None, purpose: str
) -> list[dict[str, Any]]:
    names = identity.attachment_filenames_open(
        request=request, attachments=attachments, reader_id=reader_id, purpose=purpose
    )
    return [_row(attachment, names[attachment.pk]) for attachment in attachments]


def _row(attachment: Attachment, filename: str | None) -> dict[str, Any]:
    return {
        "public_id": attachment.public_id,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "question_id": attachment.question_id,
        "filename": filename,
        "created_at": attachment.created_at,
    }


def _created(attachment: Attachment, filename: str | None) -> Response:
    """The new document as its uploader sees it: the name they sent, cleaned, echoed without a vault read."""
    document = _row(attachment, filename_clean(filename))
    return Response(s.AttachmentOutput(document).data, status=status.HTTP_201_CREATED)


class _AttachmentUpload(ReaderLanguageMixin, BoundedUploadMixin, APIView):
    """Multipart bodies of one document, held in memory and cut off at GRANTS_ATTACHMENT_MAX_BYTES."""

    parser_classes = (MultiPartParser,)

    def upload_limit(self) -> int:
        return services.attachment_max_bytes()

    def upload_check(self, size: int) -> None:
        services.check_attachment_size(size)


@extend_schema(tags=[TAG])
class AttachmentListCreateView(_AttachmentUpload):
    """A request's documents: its requester attaches them; they, assigned reviewers and admins list them."""

    permission_classes = (GrantAttachmentAccess,)

    @extend_schema(
        operation_id="grants_requests_attachments_list",
        responses={200: s.AttachmentOutput(many=True), **problems(*READ_PROBLEMS, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        found = grant_request_get_for(user=request.user, reference=reference)
        purpose = attachment_reader_purpose(user=request.user, request=found)
        rows = _rows(found, list(attachment_list(request=found)), request.user.pk, purpose)
        return Response(s.AttachmentOutput(rows, many=True).data)

    @extend_schema(
        description="Attach a document (multipart/form-data) to your draft, or, once the request is "
        "submitted, to your answer to a reviewer's question (`question`). It is stored encrypted with "
        "the request's other identifying data, after its metadata is removed.",
        request={"multipart/form-data": s.AttachmentUploadInput},
        responses={
            201: s.AttachmentOutput,
            **problems(*WRITE_PROBLEMS, 404, 409, 410, s409=UPLOAD_409, s410=GONE),
            **UPLOAD_PROBLEMS,
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        data = body_validate(s.AttachmentUploadInput, request)
        upload = data["file"]
        attachment = services.attachment_add(
            reference=reference,
            requester=request.user,
            content=upload.read(),
            filename=upload.name,
            question_id=data.get("question"),
        )
        return _created(attachment, upload.name)


@extend_schema(tags=[TAG])
class AttachmentDownloadView(ReaderLanguageMixin, APIView):
    """Download one document: its requester, an assigned reviewer or an admin. Each download is logged."""

    permission_classes = (GrantAttachmentAccess,)
    renderer_classes = (DocumentRenderer,)

    @extend_schema(
        operation_id="grants_requests_attachments_download",
        responses={**DOWNLOAD_RESPONSES, **problems(400, 401, 403, 404, 410, s410=GONE)},
    )
    def get(self, request: Request, reference: str, attachment: str) -> FileResponse:
        found = grant_request_get_for(user=request.user, reference=reference)
        purpose = attachment_reader_purpose(user=request.user, request=found)
        row = attachment_get(request=found, public_id=attachment)
        return _download(services.attachment_open(attachment=row, reader_id=request.user.pk, purpose=purpose))


@extend_schema(tags=[TAG])
class ClaimAttachmentListView(ClaimView):
    """An anonymous request's documents, listed with its claim code."""

    @extend_schema(request=s.ClaimCodeInput, responses={200: s.AttachmentOutput(many=True), **CLAIM_PROBLEMS})
    def post(self, request: Request) -> Response:
        data = self.claim_code(request)
        found = grant_request_get_by_claim_code(code=data["claim_code"])
        rows = _rows(found, list(attachment_list(request=found)), None, PURPOSE_OWN)
        return Response(s.AttachmentOutput(rows, many=True).data)


@extend_schema(tags=[TAG])
class ClaimAttachmentUploadView(_AttachmentUpload, ClaimView):
    """Attach a document to an answer to a reviewer's question on an anonymous request, by claim code."""

    @extend_schema(
        request={"multipart/form-data": s.ClaimAttachmentUploadInput},
        responses={
            201: s.AttachmentOutput,
            **CLAIM_PROBLEMS,
            **problems(409, 410, s409=UPLOAD_409, s410=f"{GONE} Or the claim code has expired."),
            **UPLOAD_PROBLEMS,
        },
    )
    def post(self, request: Request) -> Response:
        data = self.claim_code(request, s.ClaimAttachmentUploadInput)
        upload = data["file"]
        attachment = services.attachment_add_by_claim_code(
            code=data["claim_code"],
            content=upload.read(),
            filename=upload.name,
            question_id=data["question"],
        )
        return _created(attachment, upload.name)


@extend_schema(tags=[TAG])
class ClaimAttachmentDownloadView(ClaimView):
    """Download one document of an anonymous request with its claim code (in the body, never the address)."""

    renderer_classes = (DocumentRenderer,)

    @extend_schema(
        request=s.ClaimAttachmentInput,
        responses={
            **DOWNLOAD_RESPONSES,
            **{key: value for key, value in CLAIM_PROBLEMS.items() if key[0] != 406},
            **problems(
                404,
                410,
                s404="No request answers to this claim code (`claim_code_invalid`), "
                "or it holds no such document (`not_found`).",
                s410=f"{GONE} Or the claim code has expired.",
            ),
        },
    )
    def post(self, request: Request) -> FileResponse:
        data = self.claim_code(request, s.ClaimAttachmentInput)
        found = grant_request_get_by_claim_code(code=data["claim_code"])
        row = attachment_get(request=found, public_id=data["attachment"])
        return _download(services.attachment_open(attachment=row, reader_id=None, purpose=PURPOSE_OWN))
