"""verify_ledger passes on clean books and names the entry behind every kind of tampering."""

import io

import pytest
from django.core.management import CommandError, call_command

from ledger.models import Seal
from ledger.services import entry_post, fund_transfer, ledger_seal
from tests.conftest import TODAY
from tests.ledger.rawsql import (
    PERMISSIVE_IGNORE_CHECK,
    as_owner,
    as_superuser,
    as_superuser_without_triggers,
    check_deferred_constraints,
    execute,
    ignore_check_answers,
    trigger_pgid,
)


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def _verify_fails(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("verify_ledger", *args, stdout=out)
    assert "ledger verification FAILED" in str(info.value)
    return str(info.value)


@pytest.fixture
def books(chart):
    """Four sealed entries; returns their ids in sequence order."""
    clearing, income, bank = (
        chart.account("stripe_clearing"),
        chart.account("donations_income"),
        chart.account("bank"),
    )
    ids = [
        entry_post(chart.transfer(clearing, income, 2500)).entry_id,
        entry_post(chart.transfer(bank, income, 4000, fund=chart.relief)).entry_id,
        fund_transfer(
            idempotency_key=chart.transfer(bank, income, 1).idempotency_key,
            from_fund_id=chart.relief.pk,
            to_fund_id=chart.general.pk,
            account_id=bank.pk,
            amount=1500,
            date=TODAY,
        ).entry_id,
        entry_post(chart.transfer(clearing, income, 99)).entry_id,
    ]
    ledger_seal()
    check_deferred_constraints()  # as COMMIT would: tampering comes after
    return ids


def test_a_clean_ledger_verifies_and_prints_its_checkpoint(books):
    head_seq, head_hash = 4, bytes(Seal.objects.get(seq=4).hash)
    output = _verify()
    assert f"checkpoint: sequence {head_seq} head {head_hash.hex()} (4 entries verified)" in output
    assert "ledger verified" in output


def test_the_command_seals_pending_entries_before_verifying(books, chart):
    entry_post(chart.transfer(chart.account("stripe_clearing"), chart.account("donations_income"), 5))
    assert "checkpoint: sequence 5 " in _verify()


def test_an_unsealed_entry_fails_verification_without_sealing(books, chart):
    late = entry_post(chart.transfer(chart.account("stripe_clearing"), chart.account("donations_income"), 5))
    assert f"entry {late.entry_id} is not sealed" in _verify_fails("--no-seal")


def test_an_empty_ledger_verifies_at_sequence_zero(db):
    assert f"checkpoint: sequence 0 head {'00' * 32} (0 entries verified)" in _verify()


def test_an_amount_edited_with_triggers_disabled_is_detected_and_the_entry_named(books):
    target = books[1]
    with as_superuser_without_triggers():
        execute("UPDATE ledger_posting SET amount = amount * 10 WHERE entry_id = %s", [target])
    message = _verify_fails()
    assert f"seal 2 (entry {target}): hash mismatch" in message


def test_an_edit_that_keeps_every_balance_consistent_is_still_caught_by_the_hash(books):
    target = books[0]
    with as_superuser_without_triggers():
        execute("UPDATE ledger_posting SET amount = amount / 2500 * 25 WHERE entry_id = %s", [target])
        execute(
            "UPDATE ledger_balance b SET balance = b.balance - 2500 * sign(b.balance) + 25 * sign(b.balance) "
            "FROM ledger_posting p WHERE p.entry_id = %s AND b.account_id = p.account_id "
            "AND b.fund_id = p.fund_id",
            [target],
        )
    message = _verify_fails()
    assert f"seal 1 (entry {target}): hash mismatch" in message
    assert "stored balance" not in message and "trial balance" not in message


def test_an_entry_edited_with_triggers_disabled_is_detected(books):
    target = books[2]
    with as_superuser_without_triggers():
        execute("UPDATE ledger_entry SET memo = 'nothing to see' WHERE id = %s", [target])
    assert f"seal 3 (entry {target}): hash mismatch" in _verify_fails()


def test_a_deleted_posting_is_detected_and_the_entry_named(books):
    target = books[2]
    with as_superuser_without_triggers():
        execute("DELETE FROM ledger_posting WHERE entry_id = %s AND leg_no = 2", [target])
    message = _verify_fails()
    assert f"seal 3 (entry {target}): postings missing or added" in message
    assert "trial balance" in message


def test_a_deleted_entry_with_its_postings_is_detected_and_named(books):
    target = books[1]
    with as_superuser_without_triggers():
        execute("DELETE FROM ledger_posting WHERE entry_id = %s", [target])
        execute("DELETE FROM ledger_entry WHERE id = %s", [target])
    message = _verify_fails()
    assert f"seal 2 (entry {target}): its entry has been deleted" in message


def test_a_deleted_entry_with_its_seal_breaks_the_sequence(books):
    target = books[1]
    with as_superuser_without_triggers():
        execute("DELETE FROM ledger_seal WHERE entry_id = %s", [target])
        execute("DELETE FROM ledger_posting WHERE entry_id = %s", [target])
        execute("DELETE FROM ledger_entry WHERE id = %s", [target])
    assert "seal sequence jumps from 1 to 3" in _verify_fails()


def test_swapped_seals_are_detected_and_the_entry_named(books):
    with as_superuser_without_triggers():
        execute("UPDATE ledger_seal SET seq = 1000 WHERE seq = 2")
        execute("UPDATE ledger_seal SET seq = 2 WHERE seq = 3")
        execute("UPDATE ledger_seal SET seq = 3 WHERE seq = 1000")
    message = _verify_fails()
    assert f"seal 2 (entry {books[2]}): previous-hash link broken" in message


def test_a_tampered_balance_row_is_detected_and_the_account_named(books, chart):
    bank = chart.account("bank")
    # Only the posting trigger may change a balance row; a superuser gets past that.
    with as_superuser_without_triggers():
        execute(
            "UPDATE ledger_balance SET balance = balance + 100 WHERE account_id = %s AND fund_id = %s",
            [bank.pk, chart.general.pk],
        )
    message = _verify_fails()
    assert (
        f"account {bank.pk} fund {chart.general.pk}: stored balance 1600 but postings sum to 1500" in message
    )


# --- the guards themselves: an open door is reported before anything goes through it


def test_a_ledger_trigger_left_disabled_is_reported_by_name(books):
    with as_owner():
        execute("ALTER TABLE ledger_posting DISABLE TRIGGER USER")
    message = _verify_fails()
    assert "database guard pgtrigger_posting_append_only_" in message
    assert "on ledger_posting is disabled" in message
    assert "ledger_balance" not in message


def test_a_foreign_key_left_disabled_is_reported_by_its_constraint(books):
    with as_superuser():  # foreign keys' triggers: a superuser's switch alone
        execute("ALTER TABLE ledger_posting DISABLE TRIGGER ALL")
    assert "database guard entry_legs_complete_fk on ledger_posting is disabled" in _verify_fails()


def test_a_dropped_ledger_trigger_is_reported(books):
    with as_owner():
        execute(f'DROP TRIGGER "{trigger_pgid("ledger.Posting:posting_append_only")}" ON ledger_posting')
    message = _verify_fails()
    assert "guard ledger.Posting:posting_append_only is uninstalled (run manage.py migrate)" in message


def test_a_guard_whose_function_was_replaced_is_reported_until_reinstalled(books):
    # The tables' owner may swap a trigger's function for one that checks
    # nothing; the trigger, its hash comment and its enabled flag stay as they were.
    with as_owner():
        execute(
            f"CREATE OR REPLACE FUNCTION {trigger_pgid('ledger.Posting:posting_checks')}() RETURNS trigger "
            "AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql"
        )
    message = _verify_fails()
    assert (
        "database guard ledger.Posting:posting_checks runs another function than the code installs" in message
    )
    assert message.count("database guard") == 1
    with as_owner():
        call_command("pgtrigger", "install", stdout=io.StringIO(), stderr=io.StringIO())
    assert "ledger verified" in _verify()


def test_a_read_path_that_hides_postings_is_reported(books, chart):
    # Every reader of balances goes through this function; one that returns
    # nothing would show the income as if none had come in.
    with as_owner():
        execute(
            "CREATE OR REPLACE FUNCTION ledger_current_balances(p_account_id bigint DEFAULT NULL, "
            "p_fund_id bigint DEFAULT NULL) "
            "RETURNS TABLE (account_id bigint, fund_id bigint, currency varchar, balance bigint) "
            "LANGUAGE sql STABLE AS $$ SELECT 1::bigint, 1::bigint, 'EUR'::varchar, 0::bigint WHERE false $$"
        )
    message = _verify_fails()
    clearing = chart.account("stripe_clearing").pk
    assert f"account {clearing} fund {chart.general.pk}: balances read 0 but its postings sum to" in message
    assert "ledger function ledger_current_balances runs another body than the code installs" in message
    assert "stored balance" not in message  # the balance rows themselves are right


def test_pgtriggers_permissive_ignore_check_is_reported(books):
    with as_owner():
        execute(PERMISSIVE_IGNORE_CHECK)
    assert "pgtrigger's ignore switch is open" in _verify_fails()


def test_pgtrigger_install_leaves_the_ignore_switch_closed(books):
    """`manage.py pgtrigger install` writes pgtrigger's own check back; ours hardens it again."""
    with as_owner():
        call_command("pgtrigger", "install", stdout=io.StringIO(), stderr=io.StringIO())
    assert ignore_check_answers("anything") is False
    assert "ledger verified" in _verify()
