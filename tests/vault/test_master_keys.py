"""Master keys: parsed strictly, checked at start-up, never the published one in production."""

import base64
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.vault.conftest import master_key_entry
from vault.checks import master_keys_check
from vault.keys import MasterKeysInvalid, keyring_parse

SECRET = base64.b64encode(b"s" * 32).decode()


def test_the_first_key_is_current_and_every_key_unwraps():
    ring = keyring_parse(f"new:{SECRET}, old:{base64.b64encode(b'o' * 32).decode()}")
    assert ring.current.key_id == "new"
    assert set(ring.by_id) == {"new", "old"}
    assert ring.by_id["old"].key == b"o" * 32


@pytest.mark.parametrize(
    "value",
    [
        "",
        " , ",
        SECRET,  # no key id
        f"bad id!:{SECRET}",
        "k1:not base64!",
        f"k1:{base64.b64encode(b'short').decode()}",
        f"k1:{SECRET},k1:{SECRET}",
    ],
)
def test_a_missing_or_malformed_master_key_is_refused_without_quoting_it(value):
    with pytest.raises(MasterKeysInvalid) as info:
        keyring_parse(value)
    assert SECRET not in str(info.value)
    with override_settings(VAULT_MASTER_KEYS=value):
        (error,) = master_keys_check()
    assert error.id == "vault.E001"
    assert SECRET not in error.msg


def test_the_test_settings_hold_a_valid_key():
    assert master_keys_check() == []


def test_vault_keygen_prints_an_entry_the_keyring_accepts(capsys):
    call_command("vault_keygen", "2026-11")
    entry = capsys.readouterr().out.strip()
    assert keyring_parse(entry).current.key_id == "2026-11"


def _production_settings(**env: str) -> subprocess.CompletedProcess:
    leave_out = {"VAULT_MASTER_KEYS", "TADAMUN_TESTING", "LEDGER_SIGNING_KEY"}
    environment = {name: value for name, value in os.environ.items() if name not in leave_out}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        LEDGER_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django.conf as c; c.settings.VAULT_MASTER_KEYS"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_production_settings_require_master_keys_and_refuse_the_development_one():
    assert "VAULT_MASTER_KEYS" in _production_settings().stderr
    development = settings.DEVELOPMENT_VAULT_MASTER_KEY
    refused = _production_settings(VAULT_MASTER_KEYS=f"{master_key_entry('k2')},{development}")
    assert "published development key" in refused.stderr
    renamed = _production_settings(VAULT_MASTER_KEYS="mine:" + development.partition(":")[2])
    assert "published development key" in renamed.stderr
    assert _production_settings(VAULT_MASTER_KEYS=master_key_entry("k1")).returncode == 0
