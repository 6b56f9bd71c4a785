"""The database side of the ledger's guards: install, pin, grant, and report what is not in force.

Runs after every migrate (and after ``pgtrigger install``), as the migration
role: installs the server-side functions, pins every ledger function's search
path, closes pgtrigger's ignore switch, and grants the runtime role exactly what
it needs. ``role_problems`` and ``pin_problems`` say what is wrong with a live
database; the system check and verify_ledger both report them.
"""

from collections.abc import Iterable

import pgtrigger
from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorWrapper

from ledger import sql

# pgtrigger lets any session skip a trigger by setting `pgtrigger.ignore`, which
# any role may set: the ledger's check always answers "do not ignore".
NEVER_IGNORE_BODY = "SELECT false"
NEVER_IGNORE_SQL = f"""
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$ {NEVER_IGNORE_BODY} $$ LANGUAGE sql IMMUTABLE
SET search_path = {sql.SEARCH_PATH};
"""

# What the runtime role may do to each ledger table; everything else is refused.
# Entries, postings and seals: no id, creation time or transaction id of its own
# choosing, so it cannot slip a posting behind the checkpoint or backdate an entry.
LEDGER_GRANTS = {
    "ledger_fund": "SELECT, INSERT, UPDATE",
    "ledger_account": "SELECT, INSERT, UPDATE",
    "ledger_entry": (
        "SELECT, INSERT (idempotency_key, request_hash, date, kind, memo, source_type, source_id, "
        "reverses_id, fx_rate, fx_rate_source, leg_count, created_by_id)"
    ),
    "ledger_posting": "SELECT, INSERT (entry_id, leg_no, leg_count, account_id, fund_id, currency, amount)",
    "ledger_seal": "SELECT, INSERT (entry_id, seq, prev_hash, hash)",
    "ledger_signedcheckpoint": "SELECT, INSERT (seq, head_hash, signed_at, key_id, signature)",
    "ledger_balance": "SELECT",
    "ledger_checkpoint": "SELECT",
    "ledger_closedperiod": "SELECT",
    "ledger_sealerstate": "SELECT",
}
WRITE_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def ledger_trigger_functions() -> list[tuple[str, str]]:
    """(trigger name, function name in the database) of every ledger trigger pgtrigger installs."""
    return [
        (str(trigger.name), trigger.get_pgid(model))
        for model, trigger in pgtrigger.registered()
        if model._meta.app_label == "ledger"
    ]


def append_only_tables() -> set[str]:
    """Tables of any app whose model refuses UPDATE and DELETE with a pgtrigger Protect.

    The runtime role gets only SELECT and INSERT on them: an append-only log
    (an access log, an event log) is then append-only by privilege as well.
    """
    tables = set()
    for model, trigger in pgtrigger.registered():
        if not isinstance(trigger, pgtrigger.Protect) or trigger.operation is None:
            continue
        operations = {str(op).split(" ")[0] for op in str(trigger.operation).split(" OR ")}
        if {"UPDATE", "DELETE"} <= operations:
            tables.add(model._meta.db_table)
    return tables


def runtime_role() -> str | None:
    """The role the web processes and workers run as, when it differs from the migration role."""
    return getattr(settings, "DATABASE_RUNTIME_ROLE", None)


def harden(using: str) -> None:
    """Install and pin every ledger function and grant the runtime role its share (idempotent).

    Only the role that owns the ledger's tables may; for any other (a flush run
    as the runtime role sends the same signal) there is nothing to do.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(pg_has_role(current_user, c.relowner, 'USAGE'), false) "
            "FROM (SELECT 1) one LEFT JOIN pg_class c ON c.oid = to_regclass('public.ledger_entry')"
        )
        if not cursor.fetchone()[0]:
            return
        cursor.execute(NEVER_IGNORE_SQL)
        for name in sql.FUNCTIONS:
            cursor.execute(sql.function_sql(name))
        # A trigger a later migration adds has no function yet when an earlier
        # one calls this; the post-migrate pass pins it.
        cursor.execute("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
        installed = {row[0] for row in cursor.fetchall()}
        for trigger_name, function in ledger_trigger_functions():
            if function not in installed:
                continue
            definer = "SECURITY DEFINER" if trigger_name in sql.DEFINER_TRIGGERS else "SECURITY INVOKER"
            cursor.execute(f"ALTER FUNCTION {function}() {definer} SET search_path = {sql.SEARCH_PATH}")
        for name in sql.DEFINERS:
            cursor.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        role = runtime_role()
        if role and role != owner:
            _grant_runtime(cursor, role)


def _grant_runtime(cursor: CursorWrapper, role: str) -> None:
    """Least privilege for the runtime role: read and insert the books, write the rest of the schema."""
    cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    append_only = append_only_tables()
    cursor.execute(
        "SELECT c.relname, c.relkind FROM pg_class c "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v')"
    )
    for name, kind in cursor.fetchall():
        cursor.execute(f'REVOKE ALL ON "{name}" FROM "{role}"')
        if kind == "S":
            # nextval only: setval needs UPDATE, which would let it rewind a sequence.
            privileges = "USAGE" if name.startswith("ledger_") else "USAGE, SELECT, UPDATE"
        elif name.startswith("ledger_"):
            privileges = LEDGER_GRANTS.get(name, "SELECT")
        elif name in append_only:
            privileges = "SELECT, INSERT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        cursor.execute(f'GRANT {privileges} ON "{name}" TO "{role}"')
    for name in sql.DEFINERS:
        cursor.execute(f'GRANT EXECUTE ON FUNCTION {name} TO "{role}"')


def pin_problems(cursor: CursorWrapper) -> list[str]:
    """Ledger functions whose search path is not pinned, or whose body or rights are not the code's."""
    problems = []
    expected: dict[str, tuple[str | None, bool]] = {
        name: (sql.function_body(name), name in sql.DEFINERS) for name in sql.FUNCTIONS
    }
    for trigger_name, function in ledger_trigger_functions():
        expected[function] = (None, trigger_name in sql.DEFINER_TRIGGERS)
    expected["_pgtrigger_should_ignore"] = (None, False)  # its body: verify_ledger's guard check
    cursor.execute(
        "SELECT p.proname, p.prosrc, p.prosecdef, coalesce(p.proconfig, '{}') FROM pg_proc p "
        "WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY(%s)",
        [list(expected)],
    )
    found = {name: (body, definer, config) for name, body, definer, config in cursor.fetchall()}
    for name, (body, definer) in sorted(expected.items()):
        if name not in found:
            problems.append(f"ledger function {name} is missing (run manage.py migrate)")
            continue
        live_body, live_definer, config = found[name]
        if sql.PINNED not in config:
            problems.append(
                f"ledger function {name} has no pinned search path: a temporary table could stand in "
                "for a ledger table (run manage.py migrate)"
            )
        if body is not None and live_body != body:
            problems.append(f"ledger function {name} runs another body than the code installs")
        if live_definer != definer:
            rights = "the migration role's" if live_definer else "the caller's"
            problems.append(f"ledger function {name} runs with {rights} rights, not as the code installs it")
    return problems


def role_problems(cursor: CursorWrapper) -> list[str]:
    """What the connected role may do that a runtime role must not."""
    cursor.execute(
        "SELECT r.rolname, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user"
    )
    name, superuser, bypassrls = cursor.fetchone()
    if superuser or bypassrls:
        return [f"the runtime role {name} is a superuser: every database guard can be switched off"]
    problems = []
    cursor.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
        "AND starts_with(c.relname, 'ledger_') AND c.relkind IN ('r', 'p') "
        "AND pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1 LIMIT 1"
    )
    row = cursor.fetchone()
    if row:
        problems.append(
            f"the runtime role {name} owns (or acts as the owner of) {row[0]}: it can alter, disable "
            "or drop the ledger's guards; run the web processes with a role of their own"
        )
        return problems
    cursor.execute(
        "SELECT c.relname, w.privilege FROM pg_class c CROSS JOIN unnest(%s::text[]) AS w(privilege) "
        "WHERE c.relnamespace = 'public'::regnamespace AND starts_with(c.relname, 'ledger_') "
        "AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, w.privilege) ORDER BY 1, 2",
        [list(WRITE_PRIVILEGES)],
    )
    writable = _readable_pairs(cursor.fetchall())
    if writable:
        problems.append(f"the runtime role {name} may change ledger rows directly: {writable}")
    return problems


def _readable_pairs(rows: Iterable[tuple[str, str]]) -> str:
    tables: dict[str, list[str]] = {}
    for table, privilege in rows:
        tables.setdefault(table, []).append(privilege)
    allowed = {"ledger_fund": {"UPDATE"}, "ledger_account": {"UPDATE"}}
    parts = []
    for table, privileges in tables.items():
        extra = [p for p in privileges if p not in allowed.get(table, set())]
        if extra:
            parts.append(f"{', '.join(extra)} on {table}")
    return "; ".join(parts)
