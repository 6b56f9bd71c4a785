"""Auditors list signed checkpoints; anyone reads the public key; together they verify the chain."""

import base64
import io
import json

from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from ledger.models import Seal
from ledger.services import ledger_seal
from ledger.signing import public_key_load, signature_valid, signing_public_key

CHECKPOINTS = "/api/v1/ledger/checkpoints/"
PUBLIC_KEY = "/api/v1/ledger/public-key/"


def _two_heads(chart, posted) -> None:
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    posted(clearing, income, 100)
    ledger_seal()
    posted(clearing, income, 200)
    ledger_seal()


def test_auditors_list_signed_checkpoints_newest_first_with_the_signed_message(auditor, chart, posted):
    _two_heads(chart, posted)
    response = auditor.get(CHECKPOINTS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["seq"] for row in rows] == [2, 1]
    newest = rows[0]
    assert newest["head_hash"] == bytes(Seal.objects.get(seq=2).hash).hex()
    assert newest["key_id"] == signing_public_key().key_id
    assert newest["message"] == (f"tadamun-checkpoint-v1\n2\n{newest['head_hash']}\n{newest['signed_at']}")
    assert newest["signed_at"].endswith("Z")


def test_the_published_public_key_verifies_every_listed_signature(auditor, anonymous, chart, posted):
    _two_heads(chart, posted)
    published = anonymous.get(PUBLIC_KEY).json()
    key = public_key_load(published["current"]["public_key"])
    assert key == public_key_load(published["current"]["pem"])
    assert key.key_id == published["current"]["key_id"]
    for row in auditor.get(CHECKPOINTS).json()["results"]:
        assert row["key_id"] == key.key_id
        assert signature_valid(key, row["message"].encode(), base64.b64decode(row["signature"]))


def test_anyone_may_read_the_public_key_even_with_a_bad_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get(PUBLIC_KEY)
    assert response.status_code == 200
    assert response.json()["algorithm"] == "Ed25519"
    assert response.json()["retired"] == []
    assert response.json()["message_format"].startswith("tadamun-checkpoint-v1\n{seq}")


@override_settings(LEDGER_SIGNING_KEY="")
def test_without_a_signing_key_the_public_key_is_not_found(anonymous):
    response = anonymous.get(PUBLIC_KEY)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_checkpoint_saved_from_the_api_anchors_verify_ledger(auditor, anonymous, chart, posted, tmp_path):
    _two_heads(chart, posted)
    saved = tmp_path / "checkpoint.json"
    saved.write_text(json.dumps(auditor.get(CHECKPOINTS).json()["results"][1]))
    public = tmp_path / "ledger.pub"
    public.write_text(anonymous.get(PUBLIC_KEY).json()["current"]["pem"])
    out = io.StringIO()
    call_command("verify_ledger", "--expect-file", str(saved), "--public-key", str(public), stdout=out)
    assert f"reaches --expect-file {saved} (sequence 1)" in out.getvalue()
