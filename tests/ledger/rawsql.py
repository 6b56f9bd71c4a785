"""Raw SQL that writes and tampers with ledger rows behind the services' back."""

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction

from ledger.models import Account, Fund
from tests.conftest import TODAY


def insert_entry(
    *,
    leg_count: int = 2,
    date: datetime.date = TODAY,
    kind: str = "manual",
    reverses_id: int | None = None,
    fx_rate: str | None = None,
    fx_rate_source: str = "",
) -> int:
    """Insert a bare entry row the way any SQL client could; returns its id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry (idempotency_key, request_hash, date, kind, memo, source_type, "
            "source_id, fx_rate, fx_rate_source, leg_count, reverses_id) "
            "VALUES (%s, %s, %s, %s, '', '', '', %s::numeric, %s, %s, %s) RETURNING id",
            [uuid.uuid4(), b"\x00" * 32, date, kind, fx_rate, fx_rate_source, leg_count, reverses_id],
        )
        return cursor.fetchone()[0]


def insert_posting(
    entry_id: int,
    leg_no: int,
    account: Account,
    fund: Fund,
    amount: int,
    *,
    leg_count: int = 2,
    currency: str | None = None,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [entry_id, leg_no, leg_count, account.pk, fund.pk, currency or account.currency, amount],
        )


def insert_postings(entry_id: int, *legs: tuple[int, Account, Fund, int], leg_count: int = 2) -> None:
    """Insert several legs, each (leg_no, account, fund, amount), in one statement."""
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(legs))
    params = [
        value
        for leg_no, account, fund, amount in legs
        for value in (entry_id, leg_no, leg_count, account.pk, fund.pk, account.currency, amount)
    ]
    execute(
        "INSERT INTO ledger_posting (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount) "
        f"VALUES {rows}",
        params,
    )


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def check_deferred_constraints() -> None:
    """Run the deferred checks now (an entry has all its legs), as COMMIT would."""
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def rejected(sqlstate: str, *, constraint: str | None = None, match: str = "") -> Iterator[None]:
    """Expect PostgreSQL to reject the block with this SQLSTATE; roll back to a savepoint."""
    with pytest.raises(DatabaseError) as info, transaction.atomic():
        yield
    cause = info.value.__cause__
    assert cause is not None, info.value
    assert cause.sqlstate == sqlstate, f"expected {sqlstate}, got {cause.sqlstate}: {cause}"
    if constraint is not None:
        assert cause.diag.constraint_name == constraint, cause
    if match:
        assert match in str(cause), cause


@contextmanager
def as_role(role: str) -> Iterator[None]:
    """Run the block as another role than the runtime role the tests run as.

    The tests' connections log in as a superuser and take the runtime role at
    connection start (config/database.py); RESET ROLE goes back to it.
    """
    execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        execute("RESET ROLE")


def as_owner() -> "contextmanager[None]":
    """The role that owns the ledger's tables and runs migrations (a rogue insider with its login)."""
    from config.database import OWNER_ROLE

    return as_role(OWNER_ROLE)


def as_superuser() -> "contextmanager[None]":
    return as_role("NONE")


@contextmanager
def as_superuser_without_triggers() -> Iterator[None]:
    """What only a superuser can do: switch off every trigger and FK check for this session."""
    with as_superuser():
        execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            execute("SET session_replication_role = DEFAULT")


def trigger_pgid(uri: str) -> str:
    """The name in the database of a ledger trigger and of its function, from its
    pgtrigger URI ("ledger.Posting:posting_checks")."""
    ((model, trigger),) = pgtrigger.registered(uri)
    return trigger.get_pgid(model)


# pgtrigger's own ignore check, as it installs it with every trigger.
PERMISSIVE_IGNORE_CHECK = """
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN AS $$
  SELECT coalesce(trigger_name = ANY(nullif(current_setting('pgtrigger.ignore', true), '')::text[]), false)
$$ LANGUAGE sql
"""


def ignore_check_answers(trigger_name: str) -> bool:
    """What the ignore check says of a trigger this session's switch names."""
    execute("SELECT set_config('pgtrigger.ignore', %s, true)", [f"{{{trigger_name}}}"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT public._pgtrigger_should_ignore(%s)", [trigger_name])
        return cursor.fetchone()[0]
