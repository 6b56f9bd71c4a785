"""Domain errors of the vault, each with a stable code; none ever carries a plaintext or a key."""

from core.errors import DomainError


class VaultError(DomainError):
    """Base class; `code` is stable and shown to API clients (api/exceptions.py maps it to a status)."""

    code = "vault_error"


class InvalidInput(VaultError):
    """A subject kind, field name, purpose or reason the vault does not accept."""

    code = "vault_invalid_input"


class SubjectNotFound(VaultError):
    """No subject has this reference."""

    code = "vault_subject_not_found"


class Erased(VaultError):
    """This subject's identifying data has been erased."""

    code = "erased"


class BlobInvalid(VaultError):
    """The sealed value does not open for this subject and field: it was altered, moved or cut."""

    code = "vault_blob_invalid"


class MasterKeyUnknown(VaultError):
    """A data key is wrapped under a master key that VAULT_MASTER_KEYS does not hold."""

    code = "vault_master_key_unknown"


class DataKeyInvalid(VaultError):
    """A stored data key does not unwrap under its master key: the key row or the master key is wrong."""

    code = "vault_data_key_invalid"
