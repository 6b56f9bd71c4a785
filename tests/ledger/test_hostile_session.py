"""A session of the runtime role cannot switch the books' guards off.

Any role may create temporary tables, which PostgreSQL searches before the
schema unless told otherwise; the runtime role owns nothing and may not write
what only the posting path may write.
"""

import datetime
import uuid

import pytest
from django.core.checks import Error, Warning
from django.db import connection
from django.test import override_settings

from config.database import OWNER_ROLE
from ledger import exceptions as exc
from ledger.checks import runtime_role_check
from ledger.selectors import account_balance
from ledger.services import EntrySpec, PostingSpec, entry_post, ledger_seal, period_close
from ledger.verification import ledger_verify
from tests.conftest import TODAY
from tests.ledger.rawsql import as_owner, as_superuser, execute, rejected

INSUFFICIENT_PRIVILEGE = "42501"
LEDGER_TABLES = [
    "ledger_entry",
    "ledger_posting",
    "ledger_balance",
    "ledger_seal",
    "ledger_checkpoint",
    "ledger_closedperiod",
    "ledger_sealerstate",
    "ledger_account",
    "ledger_fund",
]


# --- temporary tables that shadow the ledger's -------------------------------


def test_a_temporary_closed_period_table_does_not_open_a_closed_period(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    period_close(start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 31))
    execute("CREATE TEMP TABLE ledger_closedperiod (start_date date, end_date date)")
    with pytest.raises(exc.PeriodClosed):
        entry_post(chart.transfer(clearing, income, 100, date=datetime.date(2026, 1, 15)))


def test_a_temporary_balance_table_does_not_let_a_posting_leave_its_account_s_currency(chart):
    eur_clearing, usd_income = chart.account("stripe_clearing"), chart.account("donations_income", "USD")
    entry_post(chart.transfer(eur_clearing, chart.account("donations_income"), 100))
    execute(
        "CREATE TEMP TABLE ledger_balance AS SELECT account_id, fund_id, 'USD'::varchar AS currency, "
        "0::bigint AS balance, NULL::bigint AS floor FROM public.ledger_balance"
    )
    spec = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(eur_clearing.pk, chart.general.pk, "USD", 100),
            PostingSpec(usd_income.pk, chart.general.pk, "USD", -100),
        ),
        date=TODAY,
    )
    with pytest.raises(exc.CurrencyMismatch):
        entry_post(spec)


def test_a_temporary_balance_table_does_not_lift_a_floor(chart):
    bank, income = chart.account("bank"), chart.account("donations_income")
    entry_post(chart.transfer(bank, income, 500))
    execute(
        "CREATE TEMP TABLE ledger_balance AS SELECT account_id, fund_id, currency, balance, "
        "NULL::bigint AS floor FROM public.ledger_balance"
    )
    with pytest.raises(exc.InsufficientFunds):
        entry_post(chart.transfer(income, bank, 1_000_500))
    execute("DROP TABLE pg_temp.ledger_balance")
    assert account_balance(account_id=bank.pk) == 500


def test_a_temporary_account_table_does_not_change_an_account_s_currency(chart):
    clearing, usd_income = chart.account("stripe_clearing"), chart.account("donations_income", "USD")
    spec = EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(clearing.pk, chart.general.pk, "USD", 100),
            PostingSpec(usd_income.pk, chart.general.pk, "USD", -100),
        ),
        date=TODAY,
    )
    execute(
        "CREATE TEMP TABLE ledger_account AS SELECT id, code, name, type, 'USD'::varchar AS currency, "
        "role, floor, created_at FROM public.ledger_account"
    )
    with pytest.raises(exc.CurrencyMismatch):
        entry_post(spec)


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_posting", "ledger_checkpoint"])
def test_postings_and_balances_reach_the_real_tables_whatever_temporary_tables_exist(chart, table):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    execute(f"CREATE TEMP TABLE {table} (LIKE public.{table})")
    entry_id = entry_post(chart.transfer(clearing, income, 70)).entry_id
    execute(f"DROP TABLE pg_temp.{table}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM public.ledger_posting WHERE entry_id = %s", [entry_id])
        assert cursor.fetchone()[0] == 2
    assert account_balance(account_id=clearing.pk) == 70


def test_a_trigger_on_a_temporary_table_cannot_write_a_balance_row(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 100))
    execute("CREATE TEMP TABLE nudge (x int)")
    execute(
        "CREATE FUNCTION pg_temp.nudge_balance() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE public.ledger_balance SET balance = balance + 1000000; RETURN NULL; END $$"
    )
    execute(
        "CREATE TRIGGER nudge AFTER INSERT ON pg_temp.nudge FOR EACH ROW "
        "EXECUTE FUNCTION pg_temp.nudge_balance()"
    )
    with rejected(INSUFFICIENT_PRIVILEGE, match="ledger_balance"):
        execute("INSERT INTO nudge VALUES (1)")
    assert account_balance(account_id=clearing.pk) == 100


# --- what the runtime role may not do ----------------------------------------


@pytest.mark.parametrize("table", LEDGER_TABLES)
def test_the_runtime_role_cannot_delete_or_truncate_ledger_rows(db, table):
    with rejected(INSUFFICIENT_PRIVILEGE):
        execute(f"DELETE FROM {table}")
    with rejected(INSUFFICIENT_PRIVILEGE):
        execute(f"TRUNCATE {table} CASCADE")


@pytest.mark.parametrize(
    "table",
    [
        "ledger_entry",
        "ledger_posting",
        "ledger_balance",
        "ledger_seal",
        "ledger_checkpoint",
        "ledger_closedperiod",
        "ledger_sealerstate",
    ],
)
def test_the_runtime_role_cannot_update_the_books(db, table):
    column = "seq" if table == "ledger_seal" else "id"
    with rejected(INSUFFICIENT_PRIVILEGE):
        execute(f"UPDATE {table} SET {column} = {column}")


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE ledger_posting DISABLE TRIGGER USER",
        "ALTER TABLE ledger_balance DROP CONSTRAINT balance_above_floor",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION ledger_current_balances(p_account_id bigint DEFAULT NULL, "
        "p_fund_id bigint DEFAULT NULL) RETURNS TABLE (account_id bigint, fund_id bigint, "
        "currency varchar, balance bigint) LANGUAGE sql AS $$ SELECT 1::bigint, 1::bigint, "
        "'EUR'::varchar, 0::bigint WHERE false $$",
        "ALTER FUNCTION ledger_post_entries(jsonb) RESET search_path",
        "CREATE TABLE public.ledger_shadow (id int)",
        "SELECT setval('ledger_posting_id_seq', 1)",
        "INSERT INTO ledger_sealerstate (id, txid_horizon) VALUES (2, 0)",
        "INSERT INTO ledger_closedperiod (start_date, end_date) VALUES ('2000-01-01', '2000-01-02')",
    ],
)
def test_the_runtime_role_cannot_switch_a_guard_off(db, statement):
    with rejected(INSUFFICIENT_PRIVILEGE):
        execute(statement)


def test_the_runtime_role_cannot_choose_a_posting_s_id_or_an_entry_s_creation_time(chart):
    entry_id = 1  # refused for the column before any row is looked at
    with rejected(INSUFFICIENT_PRIVILEGE):
        execute(
            "INSERT INTO ledger_posting (id, entry_id, leg_no, leg_count, account_id, fund_id, currency, "
            "amount) VALUES (1, %s, 1, 2, %s, %s, 'EUR', 5)",
            [entry_id, chart.account("bank").pk, chart.general.pk],
        )
    with rejected(INSUFFICIENT_PRIVILEGE):
        execute(
            "INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, leg_count, created_at) "
            "VALUES (gen_random_uuid(), '\\x00', '2026-01-01', 'manual', 2, '2000-01-01')"
        )


@pytest.mark.django_db(transaction=True)
def test_the_sealer_horizon_cannot_be_moved_past_an_unsealed_entry(chart):
    clearing, income = chart.account("stripe_clearing"), chart.account("donations_income")
    entry_post(chart.transfer(clearing, income, 100))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        xmin = cursor.fetchone()[0]
    with rejected("TL005", match="not sealed"):
        execute("SELECT ledger_sealer_advance(%s)", [xmin])
    with rejected("TL005", match="running transaction"):
        execute("SELECT ledger_sealer_advance(%s)", [xmin + 1_000_000])
    assert ledger_seal().sealed == 1


# --- what is reported ----------------------------------------------------------


def test_the_test_suite_runs_as_a_runtime_role_that_passes_its_own_check(db):
    assert runtime_role_check(databases=["default"]) == []


@pytest.mark.parametrize(("debug", "level"), [(False, Error), (True, Warning)])
def test_a_runtime_role_that_is_a_superuser_fails_the_system_check(db, debug, level):
    with as_superuser(), override_settings(DEBUG=debug):
        messages = runtime_role_check(databases=["default"])
    assert [type(m) for m in messages] == [level]
    assert "is a superuser" in messages[0].msg


def test_a_runtime_role_that_owns_the_ledger_fails_the_system_check_and_verification(db):
    with as_owner():
        messages = runtime_role_check(databases=["default"])
        report = ledger_verify()
    assert [m.id for m in messages] == ["ledger.E001"]
    assert f"the runtime role {OWNER_ROLE} owns" in messages[0].msg
    assert any(f"the runtime role {OWNER_ROLE} owns" in problem for problem in report.problems)


def test_a_function_whose_pin_was_removed_is_reported(chart):
    with as_owner():
        execute("ALTER FUNCTION ledger_post_entry RESET search_path")
    report = ledger_verify()
    assert report.problems == [
        "ledger function ledger_post_entry has no pinned search path: a temporary table could stand in "
        "for a ledger table (run manage.py migrate)"
    ]


def test_a_trigger_function_stripped_of_its_rights_is_reported(chart):
    from tests.ledger.rawsql import trigger_pgid

    with as_owner():
        execute(f"ALTER FUNCTION {trigger_pgid('ledger.Posting:posting_checks')}() SECURITY INVOKER")
    report = ledger_verify()
    assert any("runs with the caller's rights" in problem for problem in report.problems)


def test_every_table_whose_model_refuses_updates_and_deletes_is_append_only_for_the_runtime_role(db):
    from ledger.database import append_only_tables

    tables = append_only_tables()
    assert {"ledger_entry", "ledger_posting", "ledger_seal", "ledger_closedperiod"} <= tables
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(
                "SELECT has_table_privilege(%s, 'UPDATE'), has_table_privilege(%s, 'DELETE')", [table, table]
            )
            assert cursor.fetchone() == (False, False), table
