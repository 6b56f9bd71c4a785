"""System checks: the master keys are present and well formed, and every live data key can be unwrapped."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DEFAULT_DB_ALIAS
from django.db.utils import DatabaseError

from vault.keys import MasterKeysInvalid, keyring


@register()
def master_keys_check(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """VAULT_MASTER_KEYS must hold at least one well-formed key (the message never quotes one)."""
    try:
        keyring()
    except MasterKeysInvalid as error:
        return [
            Error(
                str(error),
                hint="Set VAULT_MASTER_KEYS to key_id:base64key entries; manage.py vault_keygen makes one.",
                id="vault.E001",
            )
        ]
    return []


@register(Tags.database)
def stranded_keys_check(
    app_configs: Sequence[Any] | None = None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every live data key must be wrapped under a master key the keyring still holds."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    from vault.selectors import datakey_master_key_counts

    try:
        ring = keyring()
        counts = datakey_master_key_counts()
    except (MasterKeysInvalid, DatabaseError):
        return []  # reported by master_keys_check, or by the database checks themselves
    return [
        Error(
            f"{count} data keys are wrapped under master key {key_id!r}, which VAULT_MASTER_KEYS "
            "no longer holds: those subjects' data cannot be opened",
            hint="Put the retired key back at the end of VAULT_MASTER_KEYS and run manage.py vault_rotate.",
            id="vault.E002",
        )
        for key_id, count in sorted(counts.items())
        if key_id not in ring.by_id
    ]
