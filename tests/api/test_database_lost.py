"""A lost database connection is a 503 problem that says to retry with the same Idempotency-Key."""

import select
import time
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from ledger.models import Entry
from tests.api.conftest import ENTRIES, manual_body, post_entry
from tests.api.test_problems import assert_problem


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    conninfo = {k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    return psycopg.connect(**conninfo, autocommit=True)


def _terminate_this_connection() -> None:
    """End the test's own backend from a second connection, as a server restart or failover would."""
    pid = _backend_pid()
    with _other_connection() as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


@pytest.fixture
def terminate():
    """terminate() ends the test's connection; afterwards a fresh one is opened for the teardown."""
    yield _terminate_this_connection
    connection.close()


def test_database_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _request_starts() -> None:
    """What Django does to a kept connection when a request starts: check it before its first query."""
    connection.health_check_done = False


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_before_a_request_uses_it(auditor, chart, terminate):
    before = _backend_pid()
    terminate()
    _request_starts()
    assert auditor.get(ENTRIES).status_code == 200
    assert _backend_pid() != before


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_kept(auditor, chart):
    before = _backend_pid()
    _request_starts()
    assert auditor.get(ENTRIES).status_code == 200
    assert _backend_pid() == before


@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_with_a_message_waiting_is_kept(auditor, chart):
    """Something to read on an idle connection is not always an end: here a notification."""
    before = _backend_pid()
    connection.connection.execute("LISTEN tadamun_health_check_test")
    with _other_connection() as other:
        other.execute("NOTIFY tadamun_health_check_test")
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass
    _request_starts()
    assert auditor.get(ENTRIES).status_code == 200
    assert _backend_pid() == before


@pytest.mark.django_db(transaction=True)
def test_a_write_on_a_lost_connection_is_a_503_and_the_same_key_replays_safely(treasurer, chart, terminate):
    key, body = uuid.uuid4(), manual_body(chart)
    terminate()
    response = post_entry(treasurer, body, key=key)
    problem = assert_problem(response, 503, "database_unavailable")
    assert response["Retry-After"] == "2"
    assert "same Idempotency-Key" in problem["detail"]
    connection.close()  # what Django does when a request ends on a broken connection
    assert post_entry(treasurer, body, key=key).status_code == 201
    assert post_entry(treasurer, body, key=key).status_code == 200
    assert Entry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_read_on_a_lost_connection_is_a_503(auditor, chart, terminate):
    terminate()
    assert_problem(auditor.get(ENTRIES), 503, "database_unavailable")
    connection.close()
    assert auditor.get(ENTRIES).status_code == 200
