"""The master keys from settings: parse VAULT_MASTER_KEYS into a keyring, and make new ones."""

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings

from vault.names import is_key_id

KEY_BYTES = 32  # AES-256


class MasterKeysInvalid(ValueError):
    """VAULT_MASTER_KEYS is missing or malformed; the message never quotes a key."""


@dataclass(frozen=True)
class MasterKey:
    """One master key and its id; the key bytes never appear in a repr."""

    key_id: str
    key: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """The current master key, which wraps new data keys, and every key that still unwraps."""

    current: MasterKey
    by_id: Mapping[str, MasterKey] = field(repr=False)


def keyring_parse(text: str) -> Keyring:
    """A keyring from "key_id:base64key,..." (the first entry is current)."""
    keys: dict[str, MasterKey] = {}
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        raise MasterKeysInvalid("VAULT_MASTER_KEYS is empty: it needs at least one key_id:base64key")
    for position, entry in enumerate(entries, start=1):
        key_id, separator, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not separator or not is_key_id(key_id):
            raise MasterKeysInvalid(
                f"VAULT_MASTER_KEYS entry {position} is not key_id:base64key "
                "(a key id is 1 to 32 letters, digits, '-' or '_')"
            )
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise MasterKeysInvalid(f"VAULT_MASTER_KEYS key {key_id!r} is not base64") from None
        if len(raw) != KEY_BYTES:
            raise MasterKeysInvalid(
                f"VAULT_MASTER_KEYS key {key_id!r} holds {len(raw)} bytes, not {KEY_BYTES}"
            )
        if key_id in keys:
            raise MasterKeysInvalid(f"VAULT_MASTER_KEYS names key id {key_id!r} twice")
        keys[key_id] = MasterKey(key_id=key_id, key=raw)
    return Keyring(current=keys[next(iter(keys))], by_id=keys)


def keyring() -> Keyring:
    """The keyring of the running settings (read each time, so a test's override takes effect)."""
    return keyring_parse(getattr(settings, "VAULT_MASTER_KEYS", "") or "")


def master_key_generate(key_id: str) -> str:
    """A fresh "key_id:base64key" entry for VAULT_MASTER_KEYS."""
    if not is_key_id(key_id):
        raise MasterKeysInvalid("a key id is 1 to 32 letters, digits, '-' or '_'")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"
