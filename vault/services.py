"""Vault writes: create subjects, seal and open fields (logging every opening), shred, re-wrap.

A data key is unwrapped for one call and wiped when the call returns; nothing
caches it. No message, log line or repr here carries a plaintext or a key.
"""

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models.functions import Now

from vault import crypto
from vault.exceptions import Erased, InvalidInput, MasterKeyUnknown, SubjectNotFound
from vault.keys import Keyring, keyring
from vault.models import AccessAction, AccessLog, DataKey, Subject, SubjectKind
from vault.names import is_purpose
from vault.selectors import datakey_master_key_counts
from vault.specs import RewrapResult, SubjectRef

REWRAP_BATCH_SIZE = 500


def _check_purpose(purpose: str, what: str) -> None:
    if not is_purpose(purpose):
        raise InvalidInput(f"{what} is a short lower-case code such as 'review' (at most 64 characters)")


def _check_fields(fields: Iterable[str]) -> None:
    for field in fields:
        crypto.field_name_check(field)


def _live_key(subject: SubjectRef) -> DataKey:
    """The subject's key row; Erased once it has been shredded."""
    try:
        row = DataKey.objects.select_related("subject").get(subject__reference=subject.reference)
    except DataKey.DoesNotExist:
        raise SubjectNotFound() from None
    if row.wrapped_key is None:
        raise Erased()
    return row


def _unwrap(row: DataKey, ring: Keyring) -> bytearray:
    master = ring.by_id.get(row.master_key_id or "")
    if master is None:
        raise MasterKeyUnknown(
            f"a data key is wrapped under master key {row.master_key_id!r}, which VAULT_MASTER_KEYS "
            "does not hold"
        )
    return crypto.data_key_unwrap(master, row.subject.reference, bytes(row.wrapped_key or b""))


@transaction.atomic
def subject_create(*, kind: str) -> SubjectRef:
    """A new subject with a random reference and a fresh data key wrapped under the current master key."""
    if kind not in SubjectKind.values:
        raise InvalidInput(f"a subject kind is one of: {', '.join(SubjectKind.values)}")
    master = keyring().current
    subject = Subject.objects.create(kind=kind)
    data_key = crypto.data_key_generate()
    try:
        wrapped = crypto.data_key_wrap(master, subject.reference, data_key)
    finally:
        crypto.wipe(data_key)
    DataKey.objects.create(subject=subject, master_key_id=master.key_id, wrapped_key=wrapped)
    return SubjectRef(reference=subject.reference, kind=subject.kind)


def fields_seal(*, subject: SubjectRef, values: Mapping[str, str | bytes]) -> dict[str, bytes]:
    """Seal several fields of one subject with one unwrapping; each blob opens only for its field."""
    _check_fields(values)
    row = _live_key(subject)
    data_key = _unwrap(row, keyring())
    try:
        return {
            field: crypto.blob_seal(data_key, subject.reference, field, value)
            for field, value in values.items()
        }
    finally:
        crypto.wipe(data_key)


def field_seal(*, subject: SubjectRef, field: str, value: str | bytes) -> bytes:
    """A self-describing ciphertext of `value` that the owning app stores in its own BinaryField."""
    return fields_seal(subject=subject, values={field: value})[field]


@transaction.atomic
def fields_open(
    *, subject: SubjectRef, blobs: Mapping[str, bytes], reader_id: int | None, purpose: str
) -> dict[str, str | bytes]:
    """Open several fields of one subject, writing one access-log row per field in the same transaction.

    Raises Erased once the subject is shredded, BlobInvalid for a blob altered
    or moved from another subject or field (and then nothing is logged: nothing
    was read). If the caller's transaction later rolls back, so do the log rows.
    """
    _check_fields(blobs)
    _check_purpose(purpose, "a purpose")
    row = _live_key(subject)
    AccessLog.objects.bulk_create(
        AccessLog(
            subject_id=row.subject_id,
            action=AccessAction.OPEN,
            field=field,
            reader_id=reader_id,
            purpose=purpose,
        )
        for field in blobs
    )
    data_key = _unwrap(row, keyring())
    try:
        return {
            field: crypto.blob_open(data_key, subject.reference, field, blob) for field, blob in blobs.items()
        }
    finally:
        crypto.wipe(data_key)


def field_open(
    *, subject: SubjectRef, field: str, blob: bytes, reader_id: int | None, purpose: str
) -> str | bytes:
    """The plaintext of one sealed field (str or bytes, as sealed); logged with who and why."""
    return fields_open(subject=subject, blobs={field: blob}, reader_id=reader_id, purpose=purpose)[field]


@transaction.atomic
def subjects_shred(*, subjects: Iterable[SubjectRef], by_id: int | None, reason: str) -> int:
    """Destroy the data keys of these subjects and record each shredding; returns how many were live.

    Shredding an erased subject again is a no-op. Key rows are locked in
    subject order, so concurrent shreds and rotations cannot deadlock.
    """
    _check_purpose(reason, "a reason")
    references = {subject.reference for subject in subjects}
    ids = list(Subject.objects.filter(reference__in=references).values_list("id", flat=True))
    if len(ids) != len(references):
        raise SubjectNotFound()
    live = list(
        DataKey.objects.select_for_update()
        .filter(subject_id__in=ids, wrapped_key__isnull=False)
        .order_by("subject_id")
        .values_list("subject_id", flat=True)
    )
    if not live:
        return 0
    AccessLog.objects.bulk_create(
        AccessLog(subject_id=subject_id, action=AccessAction.SHRED, reader_id=by_id, purpose=reason)
        for subject_id in live
    )
    DataKey.objects.filter(subject_id__in=live).update(
        wrapped_key=None, master_key_id=None, shredded_at=Now()
    )
    return len(live)


def subject_shred(*, subject: SubjectRef, by_id: int | None, reason: str) -> bool:
    """Crypto-shred one subject: its sealed fields can never be opened again. False if it already was."""
    return subjects_shred(subjects=[subject], by_id=by_id, reason=reason) == 1


def datakeys_rewrap(*, batch_size: int = REWRAP_BATCH_SIZE) -> RewrapResult:
    """Re-wrap every live data key under the current master key, one committed batch at a time.

    Idempotent and safe to interrupt: a batch commits whole or not at all, keys
    not yet moved still unwrap under their old master key, and a rerun moves only
    the rest. Keys under a master key the keyring no longer holds are left alone
    and counted in `stranded`.
    """
    ring = keyring()
    current = ring.current
    older = [key_id for key_id in ring.by_id if key_id != current.key_id]
    rewrapped = 0
    while older:
        with transaction.atomic():
            rows = list(
                DataKey.objects.select_for_update(of=("self",))
                .select_related("subject")
                .filter(wrapped_key__isnull=False, master_key_id__in=older)
                .order_by("subject_id")[:batch_size]
            )
            if not rows:
                break
            for row in rows:
                data_key = _unwrap(row, ring)
                try:
                    row.wrapped_key = crypto.data_key_wrap(current, row.subject.reference, data_key)
                finally:
                    crypto.wipe(data_key)
                row.master_key_id = current.key_id
            DataKey.objects.bulk_update(rows, ["wrapped_key", "master_key_id"])
            rewrapped += len(rows)
    stranded = {
        key_id: count for key_id, count in datakey_master_key_counts().items() if key_id not in ring.by_id
    }
    return RewrapResult(rewrapped=rewrapped, current_key_id=current.key_id, stranded=stranded)
