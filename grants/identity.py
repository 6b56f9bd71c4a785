"""A request's identifying data: sealed through the vault on the way in, opened (and logged) on the way out.

Each request is its own vault subject, so shredding one request's data key
erases exactly that person's data; the ledger, which holds only the random
reference, still verifies.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import exceptions as exc
from grants.models import Attachment, GrantRequest, Note, Question
from vault import api as vault

# What a requester may write about themselves, its vault field name and the most characters it may hold.
IDENTIFYING_FIELDS: dict[str, int] = {
    "name": 200,
    "contact_channel": 32,
    "contact_handle": 200,
    "narrative": 10_000,
    "payout_rail": 32,
    "payout_details": 2_000,
}
ANSWER_LIMIT = 5_000
QUESTION_LIMIT = 2_000
NOTE_LIMIT = 5_000
ERASED = "erased"


@dataclass(frozen=True)
class Identity:
    """A request's identifying fields as opened for one reader; every value is "erased" once shredded."""

    erased: bool
    values: dict[str, str | None]


def _subject(request: GrantRequest) -> vault.SubjectRef:
    if request.subject_reference is None:
        raise exc.InvalidGrantInput(_("This request holds no identifying data."))
    return vault.SubjectRef(reference=request.subject_reference, kind=vault.SubjectKind.REQUESTER)


def check_identifying(values: Mapping[str, Any]) -> dict[str, str]:
    """Only the known fields, as text within their size limits; empty ones are left out.

    The messages name the field and its limit, never the value.
    """
    checked = {}
    for field, value in values.items():
        if field not in IDENTIFYING_FIELDS:
            raise exc.InvalidGrantInput(
                _("'%(field)s' is not something a request records.") % {"field": field}
            )
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise exc.InvalidGrantInput(_("%(field)s must be text.") % {"field": field})
        if len(value) > IDENTIFYING_FIELDS[field]:
            raise exc.TooLong(
                _("%(field)s may hold at most %(limit)s characters.")
                % {"field": field, "limit": f"{IDENTIFYING_FIELDS[field]:,}"}
            )
        checked[field] = value
    return checked


def identity_seal(*, request: GrantRequest, values: Mapping[str, Any]) -> None:
    """Give the request its vault subject (once) and seal these fields into it; the caller saves the row."""
    checked = check_identifying(values)
    if request.subject_reference is None:
        request.subject_reference = vault.subject_create(kind=vault.SubjectKind.REQUESTER).reference
    if not checked:
        return
    sealed = vault.fields_seal(subject=_subject(request), values=checked)
    for field, blob in sealed.items():
        setattr(request, f"{field}_sealed", blob)


def identity_open(*, request: GrantRequest, reader_id: int | None, purpose: str) -> Identity:
    """Every identifying field of the request, each opening logged with who and why."""
    blobs = {
        field: bytes(blob)
        for field in IDENTIFYING_FIELDS
        if (blob := getattr(request, f"{field}_sealed")) is not None
    }
    if request.shredded_at is not None:
        return Identity(erased=True, values={field: ERASED for field in IDENTIFYING_FIELDS})
    if request.subject_reference is None or not blobs:
        return Identity(erased=False, values=dict.fromkeys(IDENTIFYING_FIELDS))
    try:
        opened = vault.fields_open(
            subject=_subject(request), blobs=blobs, reader_id=reader_id, purpose=purpose
        )
    except vault.Erased:
        return Identity(erased=True, values={field: ERASED for field in IDENTIFYING_FIELDS})
    return Identity(
        erased=False,
        values={field: _text(opened[field]) if field in opened else None for field in IDENTIFYING_FIELDS},
    )


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode()


def _open_one(
    request: GrantRequest, field: str, blob: Any, reader_id: int | None, purpose: str
) -> str | None:
    if blob is None:
        return None
    if request.shredded_at is not None:
        return ERASED
    try:
        return _text(
            vault.field_open(
                subject=_subject(request), field=field, blob=bytes(blob), reader_id=reader_id, purpose=purpose
            )
        )
    except vault.Erased:
        return ERASED


def question_open(
    *, question: Question, reader_id: int | None, purpose: str
) -> tuple[str | None, str | None]:
    """(question, answer) in clear, each opening logged."""
    request = question.request
    return (
        _open_one(request, "question", question.body_sealed, reader_id, purpose),
        _open_one(request, "answer", question.answer_sealed, reader_id, purpose),
    )


def note_open(*, note: Note, reader_id: int | None, purpose: str) -> str | None:
    return _open_one(note.request, "note", note.body_sealed, reader_id, purpose)


def seal_text(*, request: GrantRequest, field: str, value: str, limit: int) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise exc.InvalidGrantInput(_("The %(field)s is empty.") % {"field": field})
    if len(value) > limit:
        raise exc.TooLong(
            _("A %(field)s may hold at most %(limit)s characters.") % {"field": field, "limit": f"{limit:,}"}
        )
    return vault.field_seal(subject=_subject_ensure(request), field=field, value=value)


def _subject_ensure(request: GrantRequest) -> vault.SubjectRef:
    """The request's subject, created (and saved on the locked row) on first use; 410 once shredded."""
    if request.shredded_at is not None:
        raise exc.RequestErased()
    if request.subject_reference is None:
        request.subject_reference = vault.subject_create(kind=vault.SubjectKind.REQUESTER).reference
        request.save(update_fields=["subject_reference", "updated_at"])
    return _subject(request)


# --- attachments: each sealed under a field name of its own, so a blob cannot stand in for another's --------


def _attachment_field(attachment: Attachment) -> str:
    return f"attachment_{attachment.public_id.hex}"


def _attachment_name_field(attachment: Attachment) -> str:
    return f"attachment_name_{attachment.public_id.hex}"


def attachment_seal(*, attachment: Attachment, content: bytes, filename: str | None) -> None:
    """Seal a new attachment's content (and its file name, if any) into it; the caller saves the row."""
    values: dict[str, str | bytes] = {_attachment_field(attachment): content}
    if filename:
        values[_attachment_name_field(attachment)] = filename
    sealed = vault.fields_seal(subject=_subject_ensure(attachment.request), values=values)
    attachment.content_sealed = sealed[_attachment_field(attachment)]
    attachment.filename_sealed = sealed.get(_attachment_name_field(attachment))


def attachment_content_open(*, attachment: Attachment, reader_id: int | None, purpose: str) -> bytes:
    """The attachment's document, its opening logged with who and why; 410 `erased` once shredded."""
    request = attachment.request
    if request.shredded_at is not None:
        raise exc.RequestErased()
    try:
        content = vault.field_open(
            subject=_subject(request),
            field=_attachment_field(attachment),
            blob=bytes(attachment.content_sealed),
            reader_id=reader_id,
            purpose=purpose,
        )
    except vault.Erased:
        raise exc.RequestErased() from None
    return content if isinstance(content, bytes) else content.encode()


def attachment_filenames_open(
    *, request: GrantRequest, attachments: Iterable[Attachment], reader_id: int | None, purpose: str
) -> dict[int, str | None]:
    """Each attachment's original file name by row id (None if it had none), every opening logged."""
    rows = list(attachments)
    blobs = {
        _attachment_name_field(row): bytes(row.filename_sealed)
        for row in rows
        if row.filename_sealed is not None
    }
    names: dict[int, str | None] = {row.pk: None for row in rows}
    if not blobs:
        return names
    if request.shredded_at is not None:
        return {row.pk: ERASED if row.filename_sealed is not None else None for row in rows}
    try:
        opened = vault.fields_open(
            subject=_subject(request), blobs=blobs, reader_id=reader_id, purpose=purpose
        )
    except vault.Erased:
        return {row.pk: ERASED if row.filename_sealed is not None else None for row in rows}
    for row in rows:
        field = _attachment_name_field(row)
        if field in opened:
            names[row.pk] = _text(opened[field])
    return names


@transaction.atomic
def requests_shred(*, requests: Iterable[GrantRequest], by_id: int | None, reason: str) -> int:
    """Crypto-shred these requests' identifying data; returns how many held any. The rows stay."""
    rows = [r for r in requests if r.subject_reference is not None and r.shredded_at is None]
    if rows:
        vault.subjects_shred(subjects=[_subject(r) for r in rows], by_id=by_id, reason=reason)
    now = timezone.now()
    GrantRequest.objects.filter(pk__in=[r.pk for r in rows]).update(shredded_at=now)
    for row in rows:
        row.shredded_at = now
    return len(rows)


def access_log(*, request: GrantRequest) -> list[vault.AccessRecord]:
    """Every opening of the request's sealed fields, and its shredding, oldest first."""
    if request.subject_reference is None:
        return []
    return vault.access_log_list(subject=_subject(request))


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.GRANTS_RETENTION_DAYS)
