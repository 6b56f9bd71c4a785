"""verify_ledger holds the chain to heads kept outside the database and to every signed checkpoint.

A superuser can rewrite the chain so that it is consistent in itself, or cut
off its newest entries, and remove the checkpoints stored with it; only a head
remembered elsewhere (--expect, --expect-file) tells.
"""

import base64
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from api.v1.ledger.checkpoints import SignedCheckpointOutput
from ledger.chain import ENTRY_COLUMNS, entry_digest, postings_by_entry
from ledger.models import Seal, SignedCheckpoint
from ledger.services import entry_post, ledger_seal
from ledger.signing import private_key_load, public_key_wrap
from tests.ledger.rawsql import as_superuser_without_triggers, check_deferred_constraints, execute
from tests.ledger.test_signed_checkpoints import OTHER_KEY


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def _verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as info:
        call_command("verify_ledger", *args, stdout=io.StringIO())
    assert "ledger verification FAILED" in str(info.value)
    return str(info.value)


def _refused(*args: str) -> str:
    """verify_ledger refuses its arguments before verifying anything."""
    with pytest.raises(CommandError) as info:
        call_command("verify_ledger", *args, stdout=io.StringIO())
    assert "ledger verification FAILED" not in str(info.value)
    return str(info.value)


@pytest.fixture
def books(chart):
    """Five entries: four sealed and signed at head 4, a fifth sealed and signed at head 5.

    The second and the fifth debit the bank, an account with a floor, whose
    balance rows are always current: tampering must keep them in step too.
    """
    clearing, income, bank = (chart.account(role) for role in ("stripe_clearing", "donations_income", "bank"))
    ids = [
        entry_post(chart.transfer(debit, income, amount)).entry_id
        for debit, amount in ((clearing, 2500), (bank, 4000), (clearing, 1500), (clearing, 99))
    ]
    ledger_seal()
    ids.append(entry_post(chart.transfer(bank, income, 700)).entry_id)
    ledger_seal()
    check_deferred_constraints()
    assert list(SignedCheckpoint.objects.values_list("seq", flat=True)) == [4, 5]
    return ids


# The balance row a posting is already in: an account with a floor is always
# current; the others catch up at the next balance checkpoint.
CURRENT_BALANCE_ROW = (
    "b.account_id = p.account_id AND b.fund_id = p.fund_id AND p.id <= "
    "(SELECT CASE WHEN a.floor IS NULL THEN coalesce(max(c.posting_horizon), 0) ELSE p.id END "
    "FROM ledger_account a LEFT JOIN ledger_checkpoint c ON true WHERE a.id = p.account_id GROUP BY a.floor)"
)


def _head(seq: int) -> str:
    return f"{seq}:{bytes(Seal.objects.get(seq=seq).hash).hex()}"


def _saved(checkpoint: SignedCheckpoint, folder: Path, **changes: object) -> str:
    """The checkpoint as GET /api/v1/ledger/checkpoints/ lists it, saved to a file outside the database."""
    path = folder / f"checkpoint-{checkpoint.seq}.json"
    path.write_text(json.dumps({**SignedCheckpointOutput(checkpoint).data, **changes}))
    return str(path)


def _rewrite_chain_from(entry_id: int) -> None:
    """What a superuser can do: multiply an entry's postings by ten, keep the balance rows in step,
    and recompute every seal from that entry on, so the chain is consistent in itself."""
    with as_superuser_without_triggers(), connection.cursor() as cursor:
        execute("UPDATE ledger_posting SET amount = amount * 10 WHERE entry_id = %s", [entry_id])
        execute(
            "UPDATE ledger_balance b SET balance = b.balance + p.amount / 10 * 9 FROM ledger_posting p "
            f"WHERE p.entry_id = %s AND {CURRENT_BALANCE_ROW}",
            [entry_id],
        )
        cursor.execute("SELECT seq, prev_hash FROM ledger_seal WHERE entry_id = %s", [entry_id])
        start, prev = cursor.fetchone()
        prev = bytes(prev)
        cursor.execute(
            f"SELECT s.seq, {', '.join('e.' + c.strip() for c in ENTRY_COLUMNS.split(','))} "
            "FROM ledger_seal s JOIN ledger_entry e ON e.id = s.entry_id WHERE s.seq >= %s ORDER BY s.seq",
            [start],
        )
        rows = cursor.fetchall()
        postings = postings_by_entry(cursor, [row[1] for row in rows])
        for seq, *entry in rows:
            digest = entry_digest(seq=seq, prev_hash=prev, entry=entry, postings=postings[entry[0]])
            cursor.execute(
                "UPDATE ledger_seal SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, seq]
            )
            prev = digest


def _delete_newest_entry(entry_id: int) -> None:
    """What a superuser can do: take back the balance, then delete the entry, its postings and its seal."""
    with as_superuser_without_triggers():
        execute(
            "UPDATE ledger_balance b SET balance = b.balance - p.amount FROM ledger_posting p "
            f"WHERE p.entry_id = %s AND {CURRENT_BALANCE_ROW}",
            [entry_id],
        )
        execute("DELETE FROM ledger_seal WHERE entry_id = %s", [entry_id])
        execute("DELETE FROM ledger_posting WHERE entry_id = %s", [entry_id])
        execute("DELETE FROM ledger_entry WHERE id = %s", [entry_id])


def _delete_stored_checkpoints(from_seq: int = 1) -> None:
    with as_superuser_without_triggers():
        execute("DELETE FROM ledger_signedcheckpoint WHERE seq >= %s", [from_seq])


def test_the_chain_verifies_against_heads_it_reaches(books, tmp_path):
    saved = _saved(SignedCheckpoint.objects.get(seq=4), tmp_path)
    output = _verify("--expect", _head(5), "--expect", _head(2), "--expect-file", saved)
    assert f"reaches --expect 5: {_head(5)}" in output
    assert f"reaches --expect 2: {_head(2)}" in output
    assert f"reaches --expect-file {saved} (sequence 4): {_head(4)}" in output
    assert "ledger verified" in output


def test_a_rewritten_chain_passes_on_its_own_but_fails_against_an_earlier_checkpoint(books, tmp_path):
    before, saved = _head(4), _saved(SignedCheckpoint.objects.get(seq=4), tmp_path)
    _rewrite_chain_from(books[1])
    _delete_stored_checkpoints()
    assert "ledger verified" in _verify()  # consistent in itself: only an outside head tells
    message = _verify_fails("--expect", before)
    assert f"--expect 4: the recomputed chain has {_head(4).split(':')[1]} at sequence 4" in message
    assert "the chain was rewritten" in message
    assert "the chain was rewritten" in _verify_fails("--expect-file", saved)


def test_a_rewritten_chain_fails_against_the_checkpoints_stored_with_it(books):
    _rewrite_chain_from(books[3])
    message = _verify_fails()
    assert "signed checkpoint 4: it signed head" in message
    assert "signed checkpoint 5: it signed head" in message


def test_deleting_the_newest_entry_passes_on_its_own_but_fails_against_its_checkpoint(books, tmp_path):
    head, saved = _head(5), _saved(SignedCheckpoint.objects.get(seq=5), tmp_path)
    _delete_newest_entry(books[4])
    _delete_stored_checkpoints(from_seq=5)
    assert "checkpoint: sequence 4 " in _verify()  # a shorter chain, consistent in itself
    message = _verify_fails("--expect", head)
    assert "--expect 5: the chain verifies only up to sequence 4, short of the expected head 5" in message
    assert "short of the expected head 5" in _verify_fails("--expect-file", saved)


def test_deleting_the_newest_entry_fails_against_the_checkpoint_stored_for_it(books):
    _delete_newest_entry(books[4])
    assert "signed checkpoint 5: the chain verifies only up to sequence 4" in _verify_fails()


def test_the_empty_chain_is_the_zero_hash_at_sequence_zero(db):
    assert "reaches --expect 0" in _verify("--expect", f"0:{'00' * 32}")
    assert "at sequence 0, not the expected" in _verify_fails("--expect", f"0:{'11' * 32}")


def test_a_stored_checkpoint_with_a_forged_signature_is_reported(books):
    with as_superuser_without_triggers():
        execute("UPDATE ledger_signedcheckpoint SET signature = %s WHERE seq = 4", [b"\x00" * 64])
    assert "signed checkpoint 4: the signature does not verify" in _verify_fails()


def test_stored_checkpoints_are_checked_against_the_key_given_on_the_command_line(books):
    other = public_key_wrap(private_key_load(OTHER_KEY).public_key())
    message = _verify_fails("--public-key", other.raw_base64)
    assert "signed checkpoint 4: signed by key" in message and "not a trusted key" in message


def test_a_checkpoint_file_whose_head_was_changed_is_refused(books, tmp_path):
    document = dict(SignedCheckpointOutput(SignedCheckpoint.objects.get(seq=4)).data)
    document["head_hash"] = bytes(Seal.objects.get(seq=3).hash).hex()
    del document["message"]  # optional: the message is rebuilt from the fields
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    assert "the signature does not verify" in _refused("--expect-file", str(forged))


def test_a_checkpoint_file_whose_message_disagrees_with_its_fields_is_refused(books, tmp_path):
    saved = _saved(SignedCheckpoint.objects.get(seq=4), tmp_path, seq=3)
    assert "its message is not the one its fields make" in _refused("--expect-file", saved)


def test_a_checkpoint_file_signed_by_another_key_is_refused(books, tmp_path):
    key = private_key_load(OTHER_KEY)
    checkpoint = SignedCheckpoint.objects.get(seq=4)
    document = dict(SignedCheckpointOutput(checkpoint).data)
    document["key_id"] = public_key_wrap(key.public_key()).key_id
    document["signature"] = base64.b64encode(key.sign(document["message"].encode())).decode()
    path = tmp_path / "other.json"
    path.write_text(json.dumps(document))
    assert "not a trusted key" in _refused("--expect-file", str(path))
    # Trusting that key instead, the file is taken, and the stored checkpoints are not.
    message = _verify_fails("--expect-file", str(path), "--public-key", public_key_wrap(key.public_key()).pem)
    assert "signed checkpoint 4: signed by key" in message


@pytest.mark.parametrize(
    "args",
    [
        ("--expect", "4"),
        ("--expect", "4:abc"),
        ("--expect-file", "/nonexistent/checkpoint.json"),
        ("--public-key", "not a key"),
    ],
)
def test_unreadable_anchors_are_refused_before_verifying(db, args):
    assert _refused(*args)
