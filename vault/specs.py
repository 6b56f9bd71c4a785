"""Values that cross the vault's border: a subject's reference, an access record, a rotation's outcome."""

import datetime
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubjectRef:
    """A subject as other apps know it: its random public reference and its kind (requester, donor).

    Other apps store `reference` (a UUID) beside the sealed blobs and pass the
    SubjectRef back to open them; they never see the subject's internal id.
    """

    reference: uuid.UUID
    kind: str


@dataclass(frozen=True)
class AccessRecord:
    """One row of a subject's access log: a field opened, or the data key shredded."""

    at: datetime.datetime
    action: str
    field: str
    reader_id: int | None
    purpose: str


@dataclass(frozen=True)
class RewrapResult:
    """What a rotation did: data keys moved to the current master key, and those it could not move.

    `stranded` counts live data keys per master key id that the keyring no longer
    holds: until it is empty, those subjects' data cannot be opened.
    """

    rewrapped: int
    current_key_id: str
    stranded: dict[str, int] = field(default_factory=dict)
