"""AES-256-GCM for the vault: data keys wrapped by a master key, values sealed by a data key.

AES-GCM is authenticated encryption: a wrapped key or a sealed value that was
altered, cut or moved fails to open instead of decrypting to something else.
Its associated data binds each ciphertext to its place (the subject, and the
field or the master key id) without storing that context in the ciphertext.
Nonces are 96 random bits: each data key seals few values, and each master key
wraps one data key per subject and per rotation, far below the 2**32
encryptions under one key that random GCM nonces allow.
"""

import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.exceptions import BlobInvalid, DataKeyInvalid, InvalidInput
from vault.keys import MasterKey
from vault.names import is_field_name

NONCE_BYTES = 12
TAG_BYTES = 16
DATA_KEY_BYTES = 32
WRAPPED_KEY_BYTES = NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES

# A sealed value: version, kind of plaintext, nonce, then ciphertext and tag.
# The two header bytes are authenticated too (they are part of the associated data).
BLOB_VERSION = 1
KIND_BYTES = 0
KIND_TEXT = 1
HEADER_BYTES = 2
BLOB_MIN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES

WRAP_CONTEXT = b"tadamun/vault/data-key/v1\x00"
FIELD_CONTEXT = b"tadamun/vault/field/v1\x00"


def data_key_generate() -> bytearray:
    """32 random bytes, in a buffer the caller wipes when done with it."""
    return bytearray(os.urandom(DATA_KEY_BYTES))


def wipe(buffer: bytearray) -> None:
    """Overwrite a key buffer in place (best effort: Python may hold other copies briefly)."""
    buffer[:] = bytes(len(buffer))


def _wrap_aad(reference: uuid.UUID, key_id: str) -> bytes:
    return WRAP_CONTEXT + reference.bytes + key_id.encode("ascii")


def data_key_wrap(master: MasterKey, reference: uuid.UUID, data_key: bytearray) -> bytes:
    """nonce || AES-GCM(master, data key), bound to the subject's reference and the master key id."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(master.key).encrypt(nonce, data_key, _wrap_aad(reference, master.key_id))


def data_key_unwrap(master: MasterKey, reference: uuid.UUID, wrapped: bytes) -> bytearray:
    """The data key, in a buffer the caller wipes; DataKeyInvalid if it does not unwrap."""
    wrapped = bytes(wrapped)
    if len(wrapped) != WRAPPED_KEY_BYTES:
        raise DataKeyInvalid()
    # Decrypted straight into a buffer we can wipe, never into an immutable bytes object.
    key = bytearray(DATA_KEY_BYTES)
    try:
        AESGCM(master.key).decrypt_into(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(reference, master.key_id), key
        )
    except InvalidTag:
        wipe(key)
        raise DataKeyInvalid() from None
    return key


def field_name_check(field: str) -> None:
    if not is_field_name(field):
        raise InvalidInput("a field name is a lower-case identifier of at most 64 characters")


def _field_aad(header: bytes, reference: uuid.UUID, field: str) -> bytes:
    return FIELD_CONTEXT + header + reference.bytes + field.encode("ascii")


def blob_seal(data_key: bytearray, reference: uuid.UUID, field: str, value: str | bytes) -> bytes:
    """A self-describing sealed value that opens only for this subject and field."""
    field_name_check(field)
    if isinstance(value, str):
        kind, plaintext = KIND_TEXT, value.encode("utf-8")
    elif isinstance(value, bytes | bytearray | memoryview):
        kind, plaintext = KIND_BYTES, bytes(value)
    else:
        raise InvalidInput(f"a sealed value is str or bytes, not {type(value).__name__}")
    header = bytes((BLOB_VERSION, kind))
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _field_aad(header, reference, field))
    return header + nonce + ciphertext


def blob_open(data_key: bytearray, reference: uuid.UUID, field: str, blob: bytes) -> str | bytes:
    """The value sealed by blob_seal for this subject and field; BlobInvalid otherwise."""
    field_name_check(field)
    blob = bytes(blob)
    if len(blob) < BLOB_MIN_BYTES or blob[0] != BLOB_VERSION or blob[1] not in (KIND_BYTES, KIND_TEXT):
        raise BlobInvalid()
    header = blob[:HEADER_BYTES]
    nonce = blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
    ciphertext = blob[HEADER_BYTES + NONCE_BYTES :]
    try:
        plaintext = AESGCM(data_key).decrypt(nonce, ciphertext, _field_aad(header, reference, field))
    except InvalidTag:
        raise BlobInvalid() from None
    return plaintext.decode("utf-8") if header[1] == KIND_TEXT else plaintext
