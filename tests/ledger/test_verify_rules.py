"""verify_ledger re-checks every rule of the books against the rows, whatever let a row in.

Each test writes a breach the way only a superuser with the triggers switched
off could, then seals it (a bypass that also rewrote the chain would leave it
sealed), and shows verification names the rule.
"""

import datetime
import uuid

from django.db import connection

from ledger.services import entry_post, entry_reverse, ledger_seal, period_close
from ledger.verification import ledger_verify
from tests.conftest import TODAY
from tests.ledger.rawsql import as_superuser_without_triggers, check_deferred_constraints, execute


def _problems() -> list[str]:
    ledger_seal()
    return ledger_verify().problems


def _entry_with_legs(legs, *, date=TODAY, kind="manual", reverses_id=None) -> int:
    """An entry and its legs (account, fund, currency, amount) written with every trigger off."""
    with as_superuser_without_triggers():
        execute(
            # created_at: the moment of writing, as a later transaction would have it
            "INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, memo, source_type, "
            "source_id, fx_rate_source, leg_count, reverses_id, created_at) "
            "VALUES (%s, '\\x00', %s, %s, '', '', '', '', %s, %s, clock_timestamp())",
            [uuid.uuid4(), date, kind, len(legs), reverses_id],
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT currval('ledger_entry_id_seq')")
            entry_id = cursor.fetchone()[0]
        for leg_no, (account, fund, currency, amount) in enumerate(legs, start=1):
            execute(
                "INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, "
                "amount) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [entry_id, leg_no, len(legs), account.pk, fund.pk, currency, amount],
            )
    check_deferred_constraints()
    return entry_id


def test_clean_books_break_no_rule(chart):
    entry_post(chart.transfer(chart.account("bank"), chart.account("donations_income"), 500))
    assert _problems() == []


def test_an_unbalanced_entry_is_named(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    entry_id = _entry_with_legs([(bank, chart.general, "EUR", 500), (income, chart.general, "EUR", -400)])
    assert f"entry {entry_id} does not balance: EUR in fund {chart.general.pk} sums to 100" in _problems()


def test_a_posting_in_another_currency_than_its_account_is_named(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income", "USD")
    entry_id = _entry_with_legs([(clearing, chart.general, "USD", 500), (income, chart.general, "USD", -500)])
    assert (
        f"posting 1 of entry {entry_id} is in USD but its account {clearing.pk} is kept in EUR" in _problems()
    )


def test_an_entry_written_into_a_closed_period_after_it_closed_is_named(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    before = entry_post(chart.transfer(clearing, income, 5, date=datetime.date(2026, 1, 10))).entry_id
    period_close(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 31))
    late = _entry_with_legs(
        [(clearing, chart.general, "EUR", 7), (income, chart.general, "EUR", -7)],
        date=datetime.date(2026, 1, 20),
    )
    problems = _problems()
    assert any(p.startswith(f"entry {late} is dated 2026-01-20, inside the period closed") for p in problems)
    assert not any(p.startswith(f"entry {before} ") for p in problems)


def test_a_reversal_that_does_not_mirror_its_original_is_named(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 300)).entry_id
    forged = _entry_with_legs(
        [(clearing, chart.general, "EUR", -30), (income, chart.general, "EUR", 30)],
        kind="reversal",
        reverses_id=original,
    )
    assert f"reversal {forged} does not mirror entry {original}" in _problems()


def test_an_entry_reversed_twice_is_named(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 300)).entry_id
    entry_reverse(entry_id=original, idempotency_key=uuid.uuid4())
    with as_superuser_without_triggers():
        execute("DROP INDEX entry_reversed_once")
    _entry_with_legs(
        [(clearing, chart.general, "EUR", -300), (income, chart.general, "EUR", 300)],
        kind="reversal",
        reverses_id=original,
    )
    assert f"entry {original} is reversed more than once" in _problems()


def test_an_entry_of_an_unknown_kind_is_named(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_id = _entry_with_legs(
        [(clearing, chart.general, "EUR", 1), (income, chart.general, "EUR", -1)], kind="gift"
    )
    assert f"entry {entry_id} breaks the entry rules (kind gift, 2 legs)" in _problems()


def test_an_entry_that_reverses_another_without_being_a_reversal_is_named(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    original = entry_post(chart.transfer(clearing, income, 300)).entry_id
    entry_id = _entry_with_legs(
        [(clearing, chart.general, "EUR", -300), (income, chart.general, "EUR", 300)], reverses_id=original
    )
    assert f"entry {entry_id} breaks the entry rules (kind manual, 2 legs)" in _problems()
