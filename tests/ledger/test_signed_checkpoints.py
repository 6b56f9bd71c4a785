"""The sealer signs each new chain head with its Ed25519 key; the checkpoints are append-only."""

import base64
import datetime
import io
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from ledger.anchoring import signed_checkpoint_message
from ledger.models import Seal, SignedCheckpoint
from ledger.services import entry_post, ledger_seal
from ledger.services.errors import SQLSTATE_CHAIN
from ledger.signing import (
    checkpoint_message,
    private_key_load,
    public_key_load,
    signature_valid,
    signing_key_check,
    signing_public_key,
)
from tests.ledger.rawsql import as_owner, as_superuser_without_triggers, execute, rejected

OTHER_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def post(chart):
    """post(amount) posts a donation to the general fund; returns the entry id."""
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")

    def post_one(amount: int = 100) -> int:
        return entry_post(chart.transfer(clearing, income, amount)).entry_id

    return post_one


def test_sealing_signs_the_new_head_with_the_configured_key(post):
    post(), post()
    result = ledger_seal()
    checkpoint = SignedCheckpoint.objects.get()
    assert (
        (checkpoint.seq, bytes(checkpoint.head_hash))
        == (result.head_seq, result.head_hash)
        == (
            2,
            bytes(Seal.objects.get(seq=2).hash),
        )
    )
    public = signing_public_key()
    assert checkpoint.key_id == public.key_id
    assert signature_valid(public, signed_checkpoint_message(checkpoint), bytes(checkpoint.signature))


def test_sealing_again_signs_only_when_the_head_moved(post):
    post()
    ledger_seal()
    ledger_seal()
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [1]
    post()
    ledger_seal()
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [1, 2]


@override_settings(LEDGER_CHECKPOINT_INTERVAL=3600.0)
def test_within_the_interval_a_moved_head_waits_for_a_later_pass(post):
    post()
    ledger_seal()
    post()
    assert ledger_seal().head_seq == 2
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [1]
    with override_settings(LEDGER_CHECKPOINT_INTERVAL=0.0):
        ledger_seal()
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [1, 2]


def test_an_empty_chain_is_not_signed(db):
    ledger_seal()
    assert not SignedCheckpoint.objects.exists()


@override_settings(LEDGER_SIGNING_KEY="")
def test_without_a_signing_key_the_sealer_seals_but_signs_nothing(post):
    post()
    assert ledger_seal().head_seq == 1
    assert not SignedCheckpoint.objects.exists()


def test_a_head_left_unsigned_is_signed_by_the_next_pass(post):
    post()
    with override_settings(LEDGER_SIGNING_KEY=""):
        ledger_seal()
    ledger_seal()
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [1]


def test_the_sealer_does_not_sign_a_chain_that_no_longer_reaches_its_last_checkpoint(post):
    post()
    ledger_seal()
    with as_superuser_without_triggers():
        execute("UPDATE ledger_seal SET hash = %s WHERE seq = 1", [b"\x01" * 32])
    post()
    assert ledger_seal().head_seq == 2
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [1]


def test_the_signed_message_is_versioned_and_canonical():
    moment = datetime.datetime(2026, 11, 30, 13, 5, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    message = checkpoint_message(seq=42, head_hash=bytes(range(32)), signed_at=moment)
    assert message == (
        b"tadamun-checkpoint-v1\n42\n000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        b"2026-11-30T11:05:01.000000Z"
    )


def test_signed_checkpoints_cannot_be_updated_or_deleted(post):
    post()
    ledger_seal()
    for statement in ("UPDATE ledger_signedcheckpoint SET seq = 7", "DELETE FROM ledger_signedcheckpoint"):
        with rejected("42501"):  # the runtime role holds no such privilege
            execute(statement)
        with as_owner(), rejected("P0001", match="Cannot update or delete"):
            execute(statement)
    assert SignedCheckpoint.objects.count() == 1


def test_a_checkpoint_must_name_a_sealed_head_and_move_forward(post):
    post(), post()
    ledger_seal(), ledger_seal()
    checkpoint = SignedCheckpoint.objects.get()
    insert = (
        "INSERT INTO ledger_signedcheckpoint (seq, head_hash, signed_at, key_id, signature) "
        "VALUES (%s, %s, now(), 'k', %s)"
    )
    with rejected(SQLSTATE_CHAIN, match="names no sealed head"):
        execute(insert, [2, b"\x02" * 32, b"\x00" * 64])
    with rejected(SQLSTATE_CHAIN, match="does not move past"):
        execute(insert, [1, bytes(Seal.objects.get(seq=1).hash), b"\x00" * 64])
    assert SignedCheckpoint.objects.get() == checkpoint


def test_pem_and_base64_forms_of_a_key_are_the_same_key():
    key = private_key_load(settings.LEDGER_SIGNING_KEY)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = signing_public_key()
    assert private_key_load(pem).public_key() == key.public_key()
    assert public_key_load(public.pem) == public_key_load(public.raw_base64) == public
    assert len(public.key_id) == 32


@pytest.mark.parametrize("value", ["not a key", base64.b64encode(b"short").decode(), "-----BEGIN junk"])
def test_an_unreadable_signing_key_is_a_configuration_error(value):
    with override_settings(LEDGER_SIGNING_KEY=value), pytest.raises(ImproperlyConfigured):
        signing_public_key()


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"LEDGER_SIGNING_KEY": "not a key"}, "ledger.E002"),
        ({"LEDGER_RETIRED_PUBLIC_KEYS": ["not a key"]}, "ledger.E002"),
        ({"LEDGER_SIGNING_KEY": ""}, "ledger.W002"),
    ],
)
def test_the_system_check_reports_an_unreadable_or_missing_signing_key(overrides, check_id):
    assert [message.id for message in signing_key_check()] == []
    with override_settings(**overrides):
        assert [message.id for message in signing_key_check()] == [check_id]


def test_ledger_keygen_prints_a_fresh_key_and_its_public_key():
    out = io.StringIO()
    call_command("ledger_keygen", stdout=out)
    lines = out.getvalue().splitlines()
    private = private_key_load(lines[0].removeprefix("LEDGER_SIGNING_KEY="))
    public = public_key_load("\n".join(lines[3:]))
    assert private.public_key() == public.key
    assert lines[1] == f"key id: {public.key_id}"
    assert lines[2].endswith(public.raw_base64)
    assert public != signing_public_key()


def test_retired_keys_are_trusted_for_checkpoints_they_signed(post):
    post()
    ledger_seal()
    old = signing_public_key()
    with override_settings(LEDGER_SIGNING_KEY=OTHER_KEY, LEDGER_RETIRED_PUBLIC_KEYS=[old.raw_base64]):
        post()
        ledger_seal()
        keys = {c.seq: c.key_id for c in SignedCheckpoint.objects.all()}
        assert keys == {1: old.key_id, 2: signing_public_key().key_id}
        out = io.StringIO()
        call_command("verify_ledger", stdout=out)
        assert "ledger verified" in out.getvalue()


def _production_settings(**env: str) -> subprocess.CompletedProcess:
    # Not the test run's own: no signing key, and no test database set-up.
    leave_out = {"LEDGER_SIGNING_KEY", "TADAMUN_TESTING"}
    environment = {name: value for name, value in os.environ.items() if name not in leave_out}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        VAULT_MASTER_KEYS="prod-1:" + base64.b64encode(os.urandom(32)).decode(),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django.conf as c; c.settings.LEDGER_SIGNING_KEY"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_production_settings_require_a_signing_key_and_refuse_the_development_one():
    assert "LEDGER_SIGNING_KEY" in _production_settings().stderr
    refused = _production_settings(LEDGER_SIGNING_KEY=settings.DEVELOPMENT_LEDGER_SIGNING_KEY)
    assert "published development key" in refused.stderr
    fresh = base64.b64encode(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    ).decode()
    assert _production_settings(LEDGER_SIGNING_KEY=fresh).returncode == 0
