"""Domain errors of the vault, each with a stable code; none ever carries a plaintext or a key."""


class VaultError(Exception):
    """Base class; `code` is stable and shown to API clients.

    Shaped like `core.errors.DomainError` (code, detail from the docstring), so
    it can become a subclass of it once `core` exists.
    """

    code = "vault_error"
    status = 422  # the API boundary's default mapping

    def __init__(self, detail: str = "") -> None:
        self.detail = detail or (self.__doc__ or self.code).strip()
        super().__init__(self.detail)


class InvalidInput(VaultError):
    """A subject kind, field name, purpose or reason the vault does not accept."""

    code = "vault_invalid_input"
    status = 400


class SubjectNotFound(VaultError):
    """No subject has this reference."""

    code = "vault_subject_not_found"
    status = 404


class Erased(VaultError):
    """This subject's identifying data has been erased."""

    code = "erased"
    status = 410


class BlobInvalid(VaultError):
    """The sealed value does not open for this subject and field: it was altered, moved or cut."""

    code = "vault_blob_invalid"


class MasterKeyUnknown(VaultError):
    """A data key is wrapped under a master key that VAULT_MASTER_KEYS does not hold."""

    code = "vault_master_key_unknown"
    status = 500


class DataKeyInvalid(VaultError):
    """A stored data key does not unwrap under its master key: the key row or the master key is wrong."""

    code = "vault_data_key_invalid"
    status = 500
