"""Documents attached to a request: checked, stripped of metadata, sealed, opened with a logged purpose."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from grants import exceptions as exc
from grants.documents import EXTENSIONS, document_clean, filename_clean
from grants.identity import attachment_content_open, attachment_seal
from grants.models import Attachment, GrantRequest, Question
from grants.selectors import grant_request_get_by_claim_code
from grants.services.access import access_request_as_requester
from grants.workflow import OPEN_FOR_REVIEW, Status


@dataclass(frozen=True)
class OpenedAttachment:
    """A document as handed to one reader, with the name it is downloaded under (never the original's)."""

    content: bytes
    content_type: str
    download_name: str


def attachment_max_bytes() -> int:
    return int(settings.GRANTS_ATTACHMENT_MAX_BYTES)


def attachment_max_per_request() -> int:
    return int(settings.GRANTS_ATTACHMENT_MAX_PER_REQUEST)


def check_attachment_size(size: int) -> None:
    limit = attachment_max_bytes()
    if size > limit:
        raise exc.AttachmentTooLarge(
            _("A document may be at most %(limit)s bytes.") % {"limit": f"{limit:,}"}
        )


def _question_open_for_documents(request: GrantRequest, question_id: int | None) -> Question | None:
    """The question a document answers: none for a draft; after submission, an open one of this request."""
    if request.status == Status.DRAFT:
        if question_id is not None:
            raise exc.QuestionNotFound()
        return None
    if request.status not in OPEN_FOR_REVIEW:
        raise exc.InvalidTransition(_("A request in this state takes no documents."))
    if question_id is None:
        raise exc.AttachmentNotAllowed(
            _("A submitted request takes documents only as part of an answer: name the reviewer's question.")
        )
    question = Question.objects.filter(request=request, pk=question_id).first()
    if question is None:
        raise exc.QuestionNotFound()
    if question.answer_sealed is not None:
        raise exc.AlreadyAnswered()
    return question


def _attach(
    request: GrantRequest, content: bytes, filename: str | None, question_id: int | None
) -> Attachment:
    """Runs under the request's row lock, so two uploads cannot both take the last place."""
    check_attachment_size(len(content))
    question = _question_open_for_documents(request, question_id)
    if Attachment.objects.filter(request=request).count() >= attachment_max_per_request():
        raise exc.AttachmentLimitReached(
            _("A request may hold at most %(count)s documents.") % {"count": attachment_max_per_request()}
        )
    clean = document_clean(content)
    attachment = Attachment(
        public_id=uuid.uuid4(),
        request=request,
        question=question,
        content_type=clean.content_type,
        size=len(clean.content),
    )
    attachment_seal(attachment=attachment, content=clean.content, filename=filename_clean(filename))
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, reference: str, requester: Any, content: bytes, filename: str | None, question_id: int | None = None
) -> Attachment:
    """The requester attaches a document to their draft, or to their answer to a reviewer's question."""
    request = access_request_as_requester(reference=reference, requester=requester)
    return _attach(request, content, filename, question_id)


@transaction.atomic
def attachment_add_by_claim_code(
    *, code: str, content: bytes, filename: str | None, question_id: int | None
) -> Attachment:
    """An anonymous requester attaches a document to their answer, with the request's claim code."""
    request = grant_request_get_by_claim_code(code=code, for_update=True)
    return _attach(request, content, filename, question_id)


@transaction.atomic
def attachment_open(*, attachment: Attachment, reader_id: int | None, purpose: str) -> OpenedAttachment:
    """The document for a reader the caller has allowed; the vault logs who opened it and why."""
    content = attachment_content_open(attachment=attachment, reader_id=reader_id, purpose=purpose)
    return OpenedAttachment(
        content=content,
        content_type=attachment.content_type,
        download_name=f"{attachment.public_id}.{EXTENSIONS[attachment.content_type]}",
    )
