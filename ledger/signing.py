"""Ed25519 keys of the sealer, and the canonical message a signed checkpoint signs."""

import base64
import binascii
import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "Ed25519"
MESSAGE_VERSION = "tadamun-checkpoint-v1"
# What a checkpoint signs: the version line, then the sequence number in decimal,
# the head hash in lower-case hex, and the signing time in UTC with microseconds,
# joined by "\n" with no trailing newline, encoded as UTF-8 (all of it ASCII).
MESSAGE_FORMAT = MESSAGE_VERSION + "\n{seq}\n{head_hash}\n{signed_at}"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class KeyUnreadable(ValueError):
    """A key that cannot be read as an Ed25519 key."""


@dataclass(frozen=True)
class PublicKey:
    """A public key with its id: the first 16 bytes of SHA-256 over the raw key, in hex."""

    key: Ed25519PublicKey
    key_id: str

    @property
    def raw_base64(self) -> str:
        return base64.b64encode(_raw_public(self.key)).decode()

    @property
    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_wrap(key: Ed25519PublicKey) -> PublicKey:
    return PublicKey(key=key, key_id=hashlib.sha256(_raw_public(key)).digest()[:16].hex())


def _base64_32(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as error:
        raise KeyUnreadable(f"{what} is neither PEM nor base64: {error}") from None
    if len(raw) != 32:
        raise KeyUnreadable(f"{what} in base64 must hold 32 bytes, not {len(raw)}")
    return raw


def private_key_load(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS #8, unencrypted) or base64 of the raw 32-byte seed."""
    if text.lstrip().startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.strip().encode(), password=None)
        except (ValueError, TypeError) as error:
            raise KeyUnreadable(f"the private key PEM cannot be read: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyUnreadable(f"the private key is {type(key).__name__}, not Ed25519")
        return key
    return Ed25519PrivateKey.from_private_bytes(_base64_32(text, "the private key"))


def public_key_load(text: str) -> PublicKey:
    """An Ed25519 public key from PEM, base64 of the raw 32 bytes, or a file holding either."""
    if not text.lstrip().startswith("-----BEGIN") and Path(text).is_file():
        text = Path(text).read_text()
    if text.lstrip().startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.strip().encode())
        except (ValueError, TypeError) as error:
            raise KeyUnreadable(f"the public key PEM cannot be read: {error}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise KeyUnreadable(f"the public key is {type(key).__name__}, not Ed25519")
        return public_key_wrap(key)
    return public_key_wrap(Ed25519PublicKey.from_public_bytes(_base64_32(text, "the public key")))


def signing_key() -> Ed25519PrivateKey | None:
    """The sealer's private key from settings.LEDGER_SIGNING_KEY; None when it is not set."""
    text = settings.LEDGER_SIGNING_KEY
    if not text:
        return None
    try:
        return private_key_load(text)
    except KeyUnreadable as error:
        raise ImproperlyConfigured(f"LEDGER_SIGNING_KEY: {error}") from None


def signing_public_key() -> PublicKey | None:
    """The public half of the configured signing key; None when no key is set."""
    key = signing_key()
    return public_key_wrap(key.public_key()) if key is not None else None


def retired_public_keys() -> list[PublicKey]:
    """Keys that signed earlier checkpoints, still trusted to verify them (LEDGER_RETIRED_PUBLIC_KEYS)."""
    keys = []
    for text in settings.LEDGER_RETIRED_PUBLIC_KEYS:
        try:
            keys.append(public_key_load(text))
        except KeyUnreadable as error:
            raise ImproperlyConfigured(f"LEDGER_RETIRED_PUBLIC_KEYS: {error}") from None
    return keys


def trusted_public_keys() -> dict[str, PublicKey]:
    """Every key a stored checkpoint may be signed by, by key id: the current one and the retired ones."""
    current = signing_public_key()
    keys = [*retired_public_keys(), *([current] if current else [])]
    return {key.key_id: key for key in keys}


def time_text(moment: datetime.datetime) -> str:
    """The signing time as the message writes it: UTC, microseconds, a trailing Z."""
    if moment.tzinfo is None:
        raise ValueError("a checkpoint's time must be timezone-aware")
    return moment.astimezone(datetime.UTC).strftime(TIME_FORMAT)


def checkpoint_message(*, seq: int, head_hash: bytes, signed_at: datetime.datetime) -> bytes:
    """The exact bytes a checkpoint's signature covers (MESSAGE_FORMAT)."""
    return MESSAGE_FORMAT.format(seq=seq, head_hash=head_hash.hex(), signed_at=time_text(signed_at)).encode()


def message_sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of the message."""
    return key.sign(message)


def signature_valid(key: PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def keypair_generate() -> tuple[str, PublicKey]:
    """A fresh private key as base64 of its 32-byte seed, and its public key."""
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(seed).decode(), public_key_wrap(key.public_key())


def signing_key_check(**kwargs: object) -> list[checks.CheckMessage]:
    """System check: the signing key and the retired public keys can be read; no key is a warning."""
    try:
        key = signing_key()
        retired_public_keys()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="ledger.E002")]
    if key is None:
        return [
            checks.Warning(
                "LEDGER_SIGNING_KEY is not set: the sealer signs no checkpoints, so a rewritten chain "
                "cannot be caught against a head kept outside the database.",
                hint="manage.py ledger_keygen prints a fresh key.",
                id="ledger.W002",
            )
        ]
    return []
