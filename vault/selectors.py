"""Vault reads: subjects by reference, whether one is erased, its access log, data keys per master key."""

import uuid

from django.db.models import Count

from vault.exceptions import SubjectNotFound
from vault.models import AccessLog, DataKey, Subject
from vault.specs import AccessRecord, SubjectRef


def subject_get(*, reference: uuid.UUID | str) -> SubjectRef:
    """The subject with this public reference; SubjectNotFound if there is none."""
    try:
        reference = reference if isinstance(reference, uuid.UUID) else uuid.UUID(str(reference))
        subject = Subject.objects.only("reference", "kind").get(reference=reference)
    except (ValueError, Subject.DoesNotExist):
        raise SubjectNotFound() from None
    return SubjectRef(reference=subject.reference, kind=subject.kind)


def subject_is_erased(*, subject: SubjectRef) -> bool:
    """Whether the subject's data key has been shredded (its sealed fields read as erased)."""
    row = DataKey.objects.filter(subject__reference=subject.reference).values_list("shredded_at").first()
    if row is None:
        raise SubjectNotFound()
    return row[0] is not None


def access_log_list(*, subject: SubjectRef) -> list[AccessRecord]:
    """Every opening and the shredding of one subject, oldest first."""
    subject_id = Subject.objects.filter(reference=subject.reference).values_list("id", flat=True).first()
    if subject_id is None:
        raise SubjectNotFound()
    return [
        AccessRecord(at=at, action=action, field=field, reader_id=reader_id, purpose=purpose)
        for at, action, field, reader_id, purpose in AccessLog.objects.filter(subject_id=subject_id)
        .order_by("at", "id")
        .values_list("at", "action", "field", "reader_id", "purpose")
    ]


def datakey_master_key_counts() -> dict[str, int]:
    """How many live data keys each master key id wraps."""
    rows = (
        DataKey.objects.filter(wrapped_key__isnull=False)
        .values("master_key_id")
        .annotate(count=Count("pk"))
        .order_by("master_key_id")
        .values_list("master_key_id", "count")
    )
    return {str(key_id): count for key_id, count in rows}
