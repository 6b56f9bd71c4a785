"""A lost database connection is a 503 problem that says to retry with the same Idempotency-Key."""

import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from ledger.models import Entry
from tests.api.conftest import ENTRIES, manual_body, post_entry
from tests.api.test_problems import assert_problem


def _terminate_this_connection() -> None:
    """End the test's own backend from a second connection, as a server restart or failover would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    conninfo = {k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    with psycopg.connect(**conninfo, autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


@pytest.fixture
def terminate():
    """terminate() ends the test's connection; afterwards a fresh one is opened for the teardown."""
    yield _terminate_this_connection
    connection.close()


def test_database_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


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
