"""The ledger's SQL: trigger bodies, server-side functions and the constraints Django cannot declare.

README.md in this folder holds the table of every rule of the books: where
PostgreSQL enforces it, what a breach answers, and which part of
verify_ledger re-checks it against the rows. Every function runs with
``search_path = pg_catalog, public, pg_temp``: a session's temporary table can
never stand in for a ledger table.
"""

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEARCH_PATH = "pg_catalog, public, pg_temp"
PINNED = f"search_path={SEARCH_PATH}"

# The functions of functions/, in install order. The definers run as the
# migration role: they do the few writes the runtime role may not do itself.
FUNCTIONS = (
    "ledger_post_entry",
    "ledger_post_entries",
    "ledger_account_balances",
    "ledger_current_balances",
    "ledger_checkpoint_take",
    "ledger_period_close",
    "ledger_sealer_horizon",
    "ledger_sealer_advance",
)
DEFINERS = frozenset(
    {"ledger_checkpoint_take", "ledger_period_close", "ledger_sealer_horizon", "ledger_sealer_advance"}
)
# Trigger functions that run as the migration role: posting_checks keeps the
# balance rows, which the runtime role cannot write.
DEFINER_TRIGGERS = frozenset({"posting_checks"})


@cache
def read(name: str) -> str:
    """The text of one file of this folder, e.g. ``triggers/posting_checks.sql``."""
    return (HERE / name).read_text()


def trigger_body(name: str) -> str:
    """The PL/pgSQL body of a trigger function, as pgtrigger wraps it."""
    return read(f"triggers/{name}.sql")


def function_sql(name: str) -> str:
    """The CREATE OR REPLACE statement of one server-side function."""
    return read(f"functions/{name}.sql")


def function_body(name: str) -> str:
    """The body of a function between its $fn$ quotes, as pg_proc.prosrc keeps it."""
    found = re.search(r"\$fn\$(.*)\$fn\$", function_sql(name), re.DOTALL)
    assert found, name
    return found.group(1)
