"""Bad input is a 4xx problem, never a 500: oversized and deeply nested bodies."""

import json

import pytest
from django.test import override_settings

from ledger.models import Entry
from tests.api.conftest import ENTRIES, manual_body
from tests.api.test_problems import assert_problem

KEY = "4d8c7bb0-8a6a-4b57-8c1f-3a8a4e0f6c11"
TOKEN = "/api/v1/auth/token/"  # reads its body without authentication


def post_raw(client, body: bytes, url: str = ENTRIES):
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY)


# --- bodies -------------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
@pytest.mark.parametrize(("role", "url"), [("treasurer", ENTRIES), (None, TOKEN)])
def test_a_body_over_the_upload_limit_is_a_413_problem(client_for, chart, role, url):
    body = json.dumps(manual_body(chart, memo="x" * 2000)).encode()
    problem = assert_problem(post_raw(client_for(role), body, url), 413, "request_too_large")
    assert "1000 bytes" in problem["detail"]
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(("role", "url"), [("treasurer", ENTRIES), (None, TOKEN)])
def test_deeply_nested_json_is_a_parse_error(client_for, chart, role, url):
    body = b"[" * 100_000 + b"]" * 100_000
    problem = assert_problem(post_raw(client_for(role), body, url), 400, "parse_error")
    assert "nested" in problem["detail"]
