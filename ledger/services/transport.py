"""entry_post's transport: its two statements prepared once per connection and run through libpq."""

from typing import NamedTuple

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import pq


class Statement(NamedTuple):
    """One of entry_post's prepared statements, with the format of each parameter."""

    name: bytes
    sql: bytes
    formats: tuple[pq.Format, ...]


# entry_post's two prepared statements: the usual call, and the one with every
# field. Parameters go in as text, but the request hash as binary.
_TEXT, _BINARY = pq.Format.TEXT, pq.Format.BINARY
POST_BASIC = Statement(
    b"ledger_post_entry_basic",
    b"SELECT entry_id, replayed FROM ledger_post_entry($1::uuid, $2::bytea, $3::date, $4::text, $5::jsonb)",
    (_TEXT, _BINARY, _TEXT, _TEXT, _TEXT),
)
POST_FULL = Statement(
    b"ledger_post_entry_full",
    b"SELECT entry_id, replayed FROM ledger_post_entry($1::uuid, $2::bytea, $3::date, $4::text, $5::jsonb,"
    b" $6::text, $7::text, $8::text, $9::bigint, $10::numeric, $11::text, $12::bigint)",
    POST_BASIC.formats + (_TEXT,) * 7,
)


class StatementGone(Exception):
    """The server no longer has entry_post's prepared statement."""


def execute_prepared(
    db: BaseDatabaseWrapper,
    statement: Statement,
    values: list[bytes | None],
    in_transaction: bool,
    retry: bool,
) -> tuple[int, bool]:
    """Run one of entry_post's statements through libpq and return (entry_id, replayed).

    The hot path of every posting, so it skips psycopg's cursor machinery (the
    commit that split this module gives the measured gain). Each statement is
    prepared once per connection; psycopg's connection stays in charge of
    everything else and reads the transaction state from libpq itself.

    psycopg sends DEALLOCATE ALL after a ROLLBACK or DDL once it has prepared
    statements of its own, which takes these with it: the server then answers
    26000, and entry_post prepares again and retries once. Should the server
    answer that a statement it was about to prepare exists already (42P05),
    entry_post takes it as prepared and retries once too.
    """
    conn = db.connection
    pgconn = conn.pgconn
    if in_transaction and pgconn.transaction_status != pq.TransactionStatus.INTRANS:
        # A savepoint has just been taken, so psycopg has sent BEGIN; were it
        # not, this statement would commit on its own, outside the caller's work.
        raise RuntimeError("entry_post expected an open transaction")
    prepared_on, prepared = getattr(db, "_ledger_prepared", (None, set[bytes]()))
    if prepared_on is not conn:  # a new connection: nothing prepared on it yet
        prepared = set()
        db._ledger_prepared = (conn, prepared)  # type: ignore[attr-defined]
    name = statement.name
    if name not in prepared:
        result = pgconn.prepare(name, statement.sql)
        if not retry and result.error_field(pq.DiagnosticField.SQLSTATE) == b"42P05":
            prepared.add(name)  # the server has it after all (the names are ours alone)
            raise StatementGone
        _result_or_raise(conn, result)
        prepared.add(name)
    result = pgconn.exec_prepared(name, values, statement.formats)
    if not retry and result.error_field(pq.DiagnosticField.SQLSTATE) == b"26000":
        # Forget only this one: the other may have been prepared again since.
        prepared.discard(name)
        raise StatementGone
    result = _result_or_raise(conn, result)
    return int(result.get_value(0, 0) or b"0"), result.get_value(0, 1) == b"t"


def _result_or_raise(conn: psycopg.Connection, result: pq.abc.PGresult) -> pq.abc.PGresult:
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return result
    if conn.pgconn.status == pq.ConnStatus.BAD:
        raise psycopg.OperationalError(f"the connection was lost: {result.get_error_message()}")
    raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)
