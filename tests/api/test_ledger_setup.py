"""Admins create funds and close periods through the API; a closed period never reopens."""

import datetime

import pytest
from django.utils import timezone

from ledger.models import ClosedPeriod, Fund
from ledger.services import period_close
from tests.api.conftest import LEDGER_OUTSIDERS, manual_body, post_entry

FUNDS = "/api/v1/ledger/funds/"
PERIODS = "/api/v1/ledger/periods/"
NOT_ADMINS = ["auditor", "treasurer", *LEDGER_OUTSIDERS, "norole"]

OCTOBER = {"start_date": "2025-10-01", "end_date": "2025-10-31"}
NEW_FUND = {"code": "legal-aid", "name": "Legal aid", "restricted": True, "description": "Court fees."}


@pytest.fixture
def admin(client_for):
    return client_for("admin")


# --- who may write ------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_may_create_funds(client_for, chart, role):
    response = client_for(role).post(FUNDS, NEW_FUND, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This requires one of the roles: admin."
    assert not Fund.objects.filter(code="legal-aid").exists()


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_may_close_periods(client_for, chart, role):
    response = client_for(role).post(PERIODS, OCTOBER, format="json")
    assert response.status_code == 403
    assert not ClosedPeriod.objects.exists()


@pytest.mark.parametrize("path", [FUNDS, PERIODS])
def test_anonymous_writes_are_told_to_authenticate(anonymous, chart, path):
    response = anonymous.post(path, OCTOBER if path == PERIODS else NEW_FUND, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not ClosedPeriod.objects.exists()
    assert not Fund.objects.filter(code="legal-aid").exists()


# --- funds ----------------------------------------------------------------------


def test_an_admin_creates_a_fund_that_treasurers_can_post_to(admin, treasurer, chart):
    response = admin.post(FUNDS, NEW_FUND, format="json")
    assert response.status_code == 201, response.content
    fund = response.json()
    assert {key: fund[key] for key in NEW_FUND} == NEW_FUND
    assert fund["id"] == Fund.objects.get(code="legal-aid").pk
    assert fund in treasurer.get(FUNDS).json()["results"]
    body = manual_body(chart)
    for posting in body["postings"]:
        posting["fund"] = fund["id"]
    assert post_entry(treasurer, body).status_code == 201


def test_a_fund_needs_only_a_code_and_a_name(admin, chart):
    response = admin.post(FUNDS, {"code": "rent", "name": "Rent"}, format="json")
    assert response.status_code == 201
    assert response.json()["restricted"] is False
    assert response.json()["description"] == ""


def test_a_fund_code_already_in_use_is_refused_and_names_the_field(admin, chart):
    response = admin.post(FUNDS, {**NEW_FUND, "code": "relief"}, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"] == [
        {"pointer": "#/code", "code": "unique", "detail": "A fund with this code already exists."}
    ]
    assert Fund.objects.get(code="relief").name == "Emergency relief"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"code": "has space", "name": "x"}, "#/code"),
        ({"code": "x" * 65, "name": "x"}, "#/code"),
        ({"code": "ok"}, "#/name"),
        ({"code": "ok", "name": ""}, "#/name"),
        ({"code": "ok", "name": "x", "restricted": "perhaps"}, "#/restricted"),
    ],
)
def test_an_invalid_fund_is_refused_with_a_pointer(admin, chart, body, pointer):
    response = admin.post(FUNDS, body, format="json")
    assert response.status_code == 400
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    assert Fund.objects.count() == 2


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_funds_cannot_be_changed_or_deleted_through_the_api(admin, chart, method):
    for path in (FUNDS, f"{FUNDS}{chart.relief.pk}/"):
        response = getattr(admin, method)(path, {"name": "Renamed"}, format="json")
        assert response.status_code == 405, path
        assert response.json()["code"] == "method_not_allowed"
    assert Fund.objects.get(pk=chart.relief.pk).name == "Emergency relief"


# --- closed periods -----------------------------------------------------------


def test_an_admin_closes_a_period_and_nothing_can_be_dated_in_it_afterwards(admin, treasurer, chart):
    response = admin.post(PERIODS, OCTOBER, format="json")
    assert response.status_code == 201, response.content
    period = response.json()
    assert {key: period[key] for key in OCTOBER} == OCTOBER
    assert period["closed_by"] is not None
    assert ClosedPeriod.objects.get(pk=period["id"]).closed_by_id == period["closed_by"]
    assert treasurer.get(PERIODS).json()["results"] == [period]
    refused = post_entry(treasurer, manual_body(chart, date="2025-10-15"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "period_closed"


def test_closing_needs_no_idempotency_key_and_a_retry_closes_nothing_twice(admin, chart):
    assert admin.post(PERIODS, OCTOBER, format="json").status_code == 201
    retry = admin.post(PERIODS, OCTOBER, format="json")
    assert retry.status_code == 409
    assert retry.json()["code"] == "period_overlap"
    assert ClosedPeriod.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-10-31", "2025-11-01"), ("2025-09-01", "2025-10-01"), ("2025-01-01", "2025-12-31")],
)
def test_a_period_overlapping_a_closed_one_is_a_conflict(admin, chart, start, end):
    period_close(start_date=datetime.date(2025, 10, 1), end_date=datetime.date(2025, 10, 31))
    response = admin.post(PERIODS, {"start_date": start, "end_date": end}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "period_overlap"
    assert response["Content-Type"] == "application/problem+json"
    assert ClosedPeriod.objects.count() == 1


def test_adjacent_periods_close_one_after_the_other(admin, chart):
    assert admin.post(PERIODS, OCTOBER, format="json").status_code == 201
    september = {"start_date": "2025-09-01", "end_date": "2025-09-30"}
    assert admin.post(PERIODS, september, format="json").status_code == 201
    listed = admin.get(PERIODS).json()["results"]
    assert [p["start_date"] for p in listed] == ["2025-09-01", "2025-10-01"]


def test_a_period_ending_before_it_starts_is_refused(admin, chart):
    response = admin.post(PERIODS, {"start_date": "2025-10-31", "end_date": "2025-10-01"}, format="json")
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/end_date"]
    assert not ClosedPeriod.objects.exists()


def test_a_period_that_has_not_ended_cannot_be_closed(admin, chart):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    response = admin.post(PERIODS, {"start_date": str(today), "end_date": str(tomorrow)}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/end_date"
    assert not ClosedPeriod.objects.exists()
    ending_today = admin.post(PERIODS, {"start_date": str(today), "end_date": str(today)}, format="json")
    assert ending_today.status_code == 201


@pytest.mark.parametrize("body", [{}, {"start_date": "2025-10-01"}, {**OCTOBER, "end_date": "31/10/2026"}])
def test_an_incomplete_period_is_refused(admin, chart, body):
    response = admin.post(PERIODS, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_closed_period_cannot_be_reopened_through_the_api(admin, chart, method):
    period = period_close(start_date=datetime.date(2025, 10, 1), end_date=datetime.date(2025, 10, 31))
    assert getattr(admin, method)(PERIODS, OCTOBER, format="json").status_code == 405
    assert getattr(admin, method)(f"{PERIODS}{period.pk}/", OCTOBER, format="json").status_code == 404
    assert ClosedPeriod.objects.get().end_date == datetime.date(2025, 10, 31)
