"""Busy accounts are append-only: a checkpoint folds their postings into balance rows in the background."""

import json

import psycopg
import pytest
from django.db import connection

from ledger.models import Balance, Checkpoint
from ledger.selectors import account_balance, balance_list, fund_balances, trial_balance
from ledger.services import balances_checkpoint, entry_post, ledger_seal
from ledger.verification import ledger_verify
from tests.ledger.rawsql import as_owner, execute, rejected

APPEND_ONLY = "P0001"  # pgtrigger's Protect raises a plain exception

pytestmark = pytest.mark.django_db(transaction=True)


def _row(account, fund) -> int:
    return Balance.objects.get(account=account, fund=fund).balance


def _newest_posting() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM ledger_posting")
        return cursor.fetchone()[0]


def test_an_account_without_a_floor_reads_exact_before_and_after_its_postings_are_folded_in(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 2500))
    entry_post(chart.transfer(clearing, income, 500))

    # Not folded yet: the rows exist at zero, the readers add the postings.
    assert _row(clearing, chart.general) == 0
    assert account_balance(account_id=clearing.pk) == 3000
    assert account_balance(account_id=income.pk, fund_id=chart.general.pk) == -3000
    assert {r.account_id: r.balance for r in trial_balance()}[clearing.pk] == 3000
    assert {(b.account_id, b.fund_id): b.current for b in balance_list()}[
        (income.pk, chart.general.pk)
    ] == -3000
    general_eur = next(r for r in fund_balances() if r.fund_id == chart.general.pk and r.currency == "EUR")
    assert (general_eur.assets, general_eur.income) == (3000, 3000)

    assert balances_checkpoint() == _newest_posting()
    assert _row(clearing, chart.general) == 3000
    assert _row(income, chart.general) == -3000
    assert account_balance(account_id=clearing.pk) == 3000
    assert {r.account_id: r.balance for r in trial_balance()}[clearing.pk] == 3000

    entry_post(chart.transfer(clearing, income, 1))
    assert account_balance(account_id=clearing.pk) == 3001
    # The folded row plus what came after it, counted once.
    assert {r.account_id: r.balance for r in trial_balance()}[clearing.pk] == 3001
    assert {r.account_id: r.balance for r in trial_balance(fund_id=chart.general.pk)}[income.pk] == -3001
    general_eur = next(r for r in fund_balances() if r.fund_id == chart.general.pk and r.currency == "EUR")
    assert (general_eur.assets, general_eur.income) == (3001, 3001)
    ledger_seal()
    assert ledger_verify().ok


def test_an_account_with_a_floor_keeps_its_row_current_with_every_posting(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    entry_post(chart.transfer(bank, income, 700))
    assert _row(bank, chart.general) == 700
    assert _row(income, chart.general) == 0  # no floor: waits for the checkpoint
    balances_checkpoint()
    assert _row(bank, chart.general) == 700  # not counted twice
    assert account_balance(account_id=bank.pk) == 700


def test_a_quiet_ledger_adds_no_checkpoint_rows(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 10))
    balances_checkpoint()
    rows = Checkpoint.objects.count()
    assert balances_checkpoint() == _newest_posting()
    assert Checkpoint.objects.count() == rows


def test_a_checkpoint_never_folds_past_a_posting_still_in_flight(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    # The pairs' balance rows exist (a pair's first posting would make the
    # other connection's wait for it to commit).
    entry_post(chart.transfer(clearing, income, 100))
    before = balances_checkpoint()
    assert before == _newest_posting()
    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    )
    try:
        # Another connection posts an entry and keeps its transaction open...
        other.execute(
            "SELECT ledger_post_entry(gen_random_uuid(), '\\x00', current_date, 'manual', %s::jsonb)",
            [
                json.dumps(
                    [
                        {
                            "leg_no": 1,
                            "account_id": clearing.pk,
                            "fund_id": chart.general.pk,
                            "currency": "EUR",
                            "amount": 40,
                        },
                        {
                            "leg_no": 2,
                            "account_id": income.pk,
                            "fund_id": chart.general.pk,
                            "currency": "EUR",
                            "amount": -40,
                        },
                    ]
                )
            ],
        )
        in_flight = other.execute("SELECT max(id) - 1 FROM ledger_posting").fetchone()[0]
        # ...while this one posts after it and commits.
        entry_post(chart.transfer(clearing, income, 2))
        assert _newest_posting() > in_flight

        horizon = balances_checkpoint()
        assert before <= horizon < in_flight
        assert account_balance(account_id=clearing.pk) == 102

        other.commit()
        assert balances_checkpoint() == _newest_posting()
        assert _row(clearing, chart.general) == 142
        assert account_balance(account_id=clearing.pk) == 142
    finally:
        other.close()
    ledger_seal()
    report = ledger_verify()
    assert report.ok, report.problems


def test_the_database_sets_the_horizon_whatever_the_insert_says(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 10))
    with rejected("42501"):  # the runtime role writes checkpoints only through ledger_checkpoint_take()
        execute("INSERT INTO ledger_checkpoint DEFAULT VALUES")
    with as_owner():
        execute(
            "INSERT INTO ledger_checkpoint (posting_horizon, previous_horizon, candidate, candidate_txid) "
            "VALUES (1000000, 0, 1000000, 0)"
        )
    newest = Checkpoint.objects.order_by("-id").first()
    assert newest.posting_horizon == 0  # the first checkpoint only proposes a candidate
    assert account_balance(account_id=clearing.pk) == 10


def test_checkpoints_are_append_only(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 10))
    balances_checkpoint()
    with rejected("42501"):
        execute("UPDATE ledger_checkpoint SET posting_horizon = 0")
    with as_owner():
        with rejected(APPEND_ONLY):
            execute("UPDATE ledger_checkpoint SET posting_horizon = 0")
        with rejected(APPEND_ONLY):
            execute("DELETE FROM ledger_checkpoint")
    assert account_balance(account_id=clearing.pk) == 10


def test_verify_ledger_finds_a_folded_balance_that_drifted(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 10))
    balances_checkpoint()
    with as_owner():
        execute("ALTER TABLE ledger_balance DISABLE TRIGGER USER")
        try:
            execute("UPDATE ledger_balance SET balance = balance + 5 WHERE account_id = %s", [clearing.pk])
        finally:
            execute("ALTER TABLE ledger_balance ENABLE TRIGGER USER")
    ledger_seal()
    report = ledger_verify()
    assert not report.ok
    assert f"account {clearing.pk} fund {chart.general.pk}: stored balance 15" in report.problems[0]


def test_checkpoints_run_from_several_connections_at_once_queue_without_deadlock(chart):
    import threading

    from django.db import connections

    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    errors: list[BaseException] = []

    def checkpointer(rounds: int) -> None:
        try:
            for _ in range(rounds):
                entry_post(chart.transfer(clearing, income, 1))
                balances_checkpoint()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=checkpointer, args=(25,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert balances_checkpoint() == _newest_posting()
    assert _row(clearing, chart.general) == 75
    ledger_seal()
    assert ledger_verify().ok


def _current(account_id: int | None, fund_id: int | None) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ledger_current_balances(%s, %s)", [account_id, fund_id])
        return set(cursor.fetchall())


def test_one_account_reads_the_same_balances_as_the_whole_ledger_does(chart):
    """For one account the balances come from a query of their own (ledger_account_balances)."""
    clearing, income, bank = (chart.account(role) for role in ("stripe_clearing", "donations_income", "bank"))
    entry_post(chart.transfer(clearing, income, 2500))
    entry_post(chart.transfer(bank, income, 700, fund=chart.relief))
    balances_checkpoint()
    entry_post(chart.transfer(clearing, income, 40))
    entry_post(chart.transfer(clearing, income, 3, fund=chart.relief))
    entry_post(chart.transfer(bank, clearing, 200, fund=chart.relief))

    everything = _current(None, None)
    expected = {(clearing.pk, chart.general.pk, "EUR", 2540), (bank.pk, chart.relief.pk, "EUR", 900)}
    assert expected <= everything
    for account in (clearing, income, bank, chart.account("grants_payable")):
        assert _current(account.pk, None) == {row for row in everything if row[0] == account.pk}
        for fund in (chart.general, chart.relief):
            assert _current(account.pk, fund.pk) == {
                row for row in everything if row[0] == account.pk and row[1] == fund.pk
            }
