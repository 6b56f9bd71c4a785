"""The vault's Python interface for other apps: subjects, sealing, opening, shredding, the access log."""

from vault.exceptions import (
    BlobInvalid,
    DataKeyInvalid,
    Erased,
    InvalidInput,
    MasterKeyUnknown,
    SubjectNotFound,
    VaultError,
)
from vault.models import SubjectKind
from vault.selectors import access_log_list, subject_get, subject_is_erased
from vault.services import (
    field_open,
    field_seal,
    fields_open,
    fields_seal,
    subject_create,
    subject_shred,
    subjects_shred,
)
from vault.specs import AccessRecord, SubjectRef

__all__ = [
    "AccessRecord",
    "BlobInvalid",
    "DataKeyInvalid",
    "Erased",
    "InvalidInput",
    "MasterKeyUnknown",
    "SubjectKind",
    "SubjectNotFound",
    "SubjectRef",
    "VaultError",
    "access_log_list",
    "field_open",
    "field_seal",
    "fields_open",
    "fields_seal",
    "subject_create",
    "subject_get",
    "subject_is_erased",
    "subject_shred",
    "subjects_shred",
]
