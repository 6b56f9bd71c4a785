"""Bad input from a hostile or careless client is a clear 4xx problem, never a 500."""

import datetime
import json
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from ledger.models import Entry
from tests.api.conftest import ENTRIES, manual_body, post_entry
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


# --- amounts ------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1.5, 12, -3, True])
def test_an_amount_sent_as_a_json_number_is_refused(treasurer, chart, amount):
    body = manual_body(chart)
    body["postings"][0]["amount"] = amount
    problem = assert_problem(post_entry(treasurer, body), 400, "validation_error")
    assert problem["errors"][0].items() >= {"pointer": "#/postings/0/amount", "code": "invalid"}.items()
    assert "string" in problem["errors"][0]["detail"]
    assert Entry.objects.count() == 0


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_an_implausible_entry_date_is_refused(treasurer, chart, date):
    problem = assert_problem(post_entry(treasurer, manual_body(chart, date=date)), 400, "validation_error")
    assert problem["errors"][0]["pointer"] == "#/date"
    assert problem["errors"][0]["code"] == "date_out_of_range"
    assert Entry.objects.count() == 0


@override_settings(LEDGER_START_DATE=datetime.date(2026, 11, 1), LEDGER_MAX_DAYS_AHEAD=30)
def test_the_plausible_dates_are_configured(treasurer, chart):
    today = timezone.localdate()
    too_late = (today + datetime.timedelta(days=31)).isoformat()
    last = (today + datetime.timedelta(days=30)).isoformat()
    assert post_entry(treasurer, manual_body(chart, date="2026-10-31")).status_code == 400
    assert post_entry(treasurer, manual_body(chart, date=too_late)).status_code == 400
    assert post_entry(treasurer, manual_body(chart, date="2026-11-01")).status_code == 201
    assert post_entry(treasurer, manual_body(chart, date=last)).status_code == 201


def test_a_reversal_dated_implausibly_is_refused(treasurer, chart):
    original = post_entry(treasurer, manual_body(chart)).json()
    url = f"{ENTRIES}{original['id']}/reverse/"
    problem = assert_problem(post_entry(treasurer, {"date": "1970-01-01"}, url=url), 400, "validation_error")
    assert problem["errors"][0]["code"] == "date_out_of_range"
    assert Entry.objects.count() == 1


# --- free text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "memo",
    [
        "Rent \u202egnp.exe",  # right-to-left override
        "\u2066isolated\u2069",  # bidi isolates
        "\u200fmarked",  # right-to-left mark
        "zero\u200bwidth",  # zero-width space
        "\ufeffbom",  # zero-width no-break space
        "soft\u00adhyphen",
        "bell\x07",  # a control character
    ],
)
def test_a_memo_with_invisible_characters_is_refused(treasurer, chart, memo):
    problem = assert_problem(post_entry(treasurer, manual_body(chart, memo=memo)), 400, "validation_error")
    assert problem["errors"][0]["pointer"] == "#/memo"
    assert problem["errors"][0]["code"] == "invisible_characters"
    assert Entry.objects.count() == 0


def test_a_reversal_memo_with_invisible_characters_is_refused(treasurer, chart):
    original = post_entry(treasurer, manual_body(chart)).json()
    url = f"{ENTRIES}{original['id']}/reverse/"
    response = post_entry(treasurer, {"memo": "Undo \u202e"}, url=url)
    problem = assert_problem(response, 400, "validation_error")
    assert problem["errors"][0]["pointer"] == "#/memo"


@pytest.mark.parametrize("field", ["name", "description"])
def test_a_fund_name_or_description_with_invisible_characters_is_refused(client_for, chart, field):
    body = {"code": "legal-aid", "name": "Legal aid", "description": "Court fees."}
    body[field] = "Legal \u202ediA"
    response = client_for("admin").post("/api/v1/ledger/funds/", body, format="json")
    problem = assert_problem(response, 400, "validation_error")
    assert problem["errors"][0]["pointer"] == f"#/{field}"
    assert problem["errors"][0]["code"] == "invisible_characters"


@pytest.mark.parametrize(
    "memo",
    [
        "إيجار شهر نوفمبر",  # Arabic
        "می\u200cخواهم",  # noqa: RUF001 (Persian needs the zero-width non-joiner)
        "\U0001f3f3\ufe0f\u200d\u26a7\ufe0f trans flag",  # emoji joined by the zero-width joiner
        "two\nlines\tand a tab",
    ],
)
def test_ordinary_text_in_any_script_is_accepted(treasurer, chart, memo):
    response = post_entry(treasurer, manual_body(chart, memo=memo))
    assert response.status_code == 201
    assert response.json()["memo"] == memo


# --- idempotency keys and currencies -----------------------------------------------------


def test_another_users_idempotency_key_is_refused_as_foreign(client_for, chart):
    key = uuid.uuid4()
    assert post_entry(client_for("treasurer"), manual_body(chart), key=key).status_code == 201
    response = post_entry(client_for("treasurer"), manual_body(chart), key=key)
    problem = assert_problem(response, 409, "idempotency_key_foreign")
    assert "another user" in problem["detail"]
    assert Entry.objects.count() == 1


def test_another_users_key_on_a_reversal_is_refused_as_foreign(client_for, chart):
    first, second = client_for("treasurer"), client_for("treasurer")
    key = uuid.uuid4()
    original = post_entry(first, manual_body(chart)).json()
    url = f"{ENTRIES}{original['id']}/reverse/"
    assert post_entry(first, {"date": "2026-11-21"}, key=key, url=url).status_code == 201
    response = post_entry(second, {"date": "2026-11-21"}, key=key, url=url)
    assert_problem(response, 409, "idempotency_key_foreign")


def test_ones_own_key_with_another_body_is_still_a_conflict(treasurer, chart):
    key = uuid.uuid4()
    post_entry(treasurer, manual_body(chart, amount="1.00"), key=key)
    response = post_entry(treasurer, manual_body(chart, amount="2.00"), key=key)
    assert_problem(response, 409, "idempotency_conflict")


def test_a_posting_in_another_currency_than_its_accounts_is_a_currency_mismatch(treasurer, chart):
    body = manual_body(chart)
    body["postings"][0]["currency"] = "USD"  # the other leg stays in the accounts' EUR
    problem = assert_problem(post_entry(treasurer, body), 422, "currency_mismatch")
    assert "EUR" in problem["detail"]
    assert Entry.objects.count() == 0
