"""Every error is an RFC 9457 problem document, and a refused request writes nothing."""

import logging
from pathlib import Path

import pytest
from django.test import RequestFactory

import core
from api.exceptions import DOMAIN_ERROR_STATUSES, server_error
from core.errors import DomainError
from ledger import exceptions as ledger_exceptions
from ledger.models import Balance, Entry, Posting
from tests.api.conftest import ENTRIES, manual_body, post_entry
from vault import exceptions as vault_exceptions

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem.keys() >= PROBLEM_MEMBERS
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["type"] == f"urn:tadamun:problem:{code}"
    return problem


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ledger_exceptions.ValidationFailed, 400),
        (ledger_exceptions.InvalidCurrency, 400),
        (ledger_exceptions.InvalidAmount, 400),
        (ledger_exceptions.UnbalancedEntry, 422),
        (ledger_exceptions.CurrencyMismatch, 422),
        (ledger_exceptions.UnknownReference, 422),
        (ledger_exceptions.PeriodClosed, 409),
        (ledger_exceptions.PeriodOverlap, 409),
        (ledger_exceptions.AlreadyReversed, 409),
        (ledger_exceptions.IdempotencyConflict, 409),
        (ledger_exceptions.IdempotencyKeyForeign, 409),
        (ledger_exceptions.DateOutOfRange, 400),
        (ledger_exceptions.InvisibleCharacters, 400),
        (ledger_exceptions.InsufficientFunds, 409),
        (ledger_exceptions.EntryNotFound, 404),
        (ledger_exceptions.AppendOnly, 409),
    ],
)
def test_each_ledger_error_maps_to_its_status_and_code(treasurer, chart, monkeypatch, error, status):
    def refuse(spec):
        raise error("Refused for the test.")

    monkeypatch.setattr("api.v1.ledger.views.entry_post", refuse)
    problem = assert_problem(post_entry(treasurer, manual_body(chart)), status, error.code)
    assert problem["detail"] == "Refused for the test."
    assert problem["title"]


class NeverHeardOf(DomainError):
    """An app the handler has never heard of."""

    code = "never_heard_of"


def test_a_domain_error_of_any_app_is_a_problem_without_a_new_branch_in_the_handler(
    treasurer, chart, monkeypatch
):
    def refuse(spec):
        raise NeverHeardOf()

    monkeypatch.setattr("api.v1.ledger.views.entry_post", refuse)
    problem = assert_problem(post_entry(treasurer, manual_body(chart)), 422, "never_heard_of")
    assert problem["detail"] == "An app the handler has never heard of."
    monkeypatch.setitem(DOMAIN_ERROR_STATUSES, "never_heard_of", 409)
    assert_problem(post_entry(treasurer, manual_body(chart)), 409, "never_heard_of")


def test_domain_errors_carry_a_code_and_no_http_status():
    modules = (ledger_exceptions, vault_exceptions)
    errors = [getattr(module, name) for module in modules for name in dir(module)]
    errors = [e for e in errors if isinstance(e, type) and issubclass(e, DomainError)]
    assert {ledger_exceptions.LedgerError, vault_exceptions.VaultError} <= set(errors)
    for error in errors:
        assert not hasattr(error, "status"), error
        assert error.code


def test_the_shared_error_module_depends_on_no_app():
    source = (Path(core.__file__).parent / "errors.py").read_text()
    assert "import" not in source


def test_validation_problems_list_every_invalid_field(treasurer, chart):
    body = {"memo": 5, "postings": [{"account": 0, "fund": 1, "amount": "ten"}, {}]}
    problem = assert_problem(post_entry(treasurer, body), 400, "validation_error")
    assert problem["title"] == "Invalid request"
    pointers = {error["pointer"]: error["code"] for error in problem["errors"]}
    assert pointers == {
        "#/date": "required",
        "#/postings/0/account": "min_value",
        "#/postings/0/amount": "invalid",
        "#/postings/1/account": "required",
        "#/postings/1/fund": "required",
        "#/postings/1/amount": "required",
    }


def test_malformed_json_is_a_parse_error(treasurer, chart):
    response = treasurer.post(
        ENTRIES,
        b"{not json",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="4d8c7bb0-8a6a-4b57-8c1f-3a8a4e0f6c11",
    )
    assert_problem(response, 400, "parse_error")


def test_a_body_that_is_not_an_object_is_a_validation_error(treasurer, chart):
    problem = assert_problem(post_entry(treasurer, [1, 2]), 400, "validation_error")
    assert problem["errors"][0]["pointer"] == "#"


def test_form_bodies_are_unsupported(treasurer, chart):
    response = treasurer.post(
        ENTRIES, {"date": "2026-11-20"}, HTTP_IDEMPOTENCY_KEY="4d8c7bb0-8a6a-4b57-8c1f-3a8a4e0f6c11"
    )
    assert_problem(response, 415, "unsupported_media_type")


def test_an_unsupported_method_is_a_problem(treasurer, chart):
    response = treasurer.delete(f"{ENTRIES}1/")
    assert_problem(response, 405, "method_not_allowed")


def test_an_unacceptable_media_type_is_a_problem(auditor, chart):
    response = auditor.get(ENTRIES, HTTP_ACCEPT="application/xml")
    assert_problem(response, 406, "not_acceptable")


def test_problems_are_json_even_for_the_browsable_api(chart, client_for):
    response = client_for("donor").get(ENTRIES, HTTP_ACCEPT="text/html")
    assert_problem(response, 403, "permission_denied")


def test_an_unknown_api_address_is_a_problem(auditor):
    assert_problem(auditor.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_a_path_id_that_is_not_a_number_is_not_found(auditor):
    assert_problem(auditor.get(f"{ENTRIES}abc/"), 404, "not_found")


def test_django_errors_under_api_are_problems_and_elsewhere_pages():
    api = server_error(RequestFactory().get("/api/v1/ledger/entries/"))
    assert api.status_code == 500
    assert api["Content-Type"] == "application/problem+json"
    page = server_error(RequestFactory().get("/admin/"))
    assert page["Content-Type"].startswith("text/html")


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(auditor, chart, monkeypatch, caplog):
    def broken():
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr("api.v1.ledger.views.chain_head", broken)
    with caplog.at_level(logging.ERROR, logger="api.exceptions"):
        response = auditor.get("/api/v1/ledger/chain/head/")
    problem = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.content.decode()
    assert problem["detail"].startswith("An unexpected error occurred")
    assert "RuntimeError" in caplog.text


def _ledger_rows() -> tuple[int, int, int]:
    return Entry.objects.count(), Posting.objects.count(), Balance.objects.count()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"postings": "unbalanced"}, 422),
        ({"postings": "overdraw"}, 409),
        ({"postings": "unknown fund"}, 422),
    ],
)
def test_a_refused_request_writes_nothing(treasurer, chart, posted, change, status):
    posted(chart.account("stripe_clearing"), chart.account("donations_income"), 100)
    before = _ledger_rows()
    body = manual_body(chart)
    bank, income = chart.account("bank"), chart.account("donations_income")
    if change["postings"] == "unbalanced":
        body["postings"][1]["amount"] = "-1.00"
    elif change["postings"] == "overdraw":
        body["postings"] = [
            {"account": income.pk, "fund": chart.general.pk, "amount": "5.00"},
            {"account": bank.pk, "fund": chart.general.pk, "amount": "-5.00"},
        ]
    else:
        for posting in body["postings"]:
            posting["fund"] = 999_999
    assert post_entry(treasurer, body).status_code == status
    assert _ledger_rows() == before


@pytest.mark.django_db(transaction=True)
def test_a_refused_request_commits_nothing(treasurer, chart):
    """Without the test's wrapping transaction: what the database refused is rolled back for real."""
    bank, income = chart.account("bank"), chart.account("donations_income")
    body = manual_body(chart)
    body["postings"] = [
        {"account": income.pk, "fund": chart.general.pk, "amount": "5.00"},
        {"account": bank.pk, "fund": chart.general.pk, "amount": "-5.00"},
    ]
    assert post_entry(treasurer, body).status_code == 409
    assert _ledger_rows() == (0, 0, 0)
    assert post_entry(treasurer, manual_body(chart)).status_code == 201
