"""The OpenAPI schema: generated without warnings, documenting roles and problem responses."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def schema() -> dict:
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


LEDGER = "/api/v1/ledger/"
# The one ledger path anyone may read: the key that verifies signed checkpoints.
PUBLIC_KEY = "/api/v1/ledger/public-key/"


def operations(schema: dict, prefix: str = LEDGER):
    for path, item in schema["paths"].items():
        if path.startswith(prefix):
            for method, operation in item.items():
                yield path, method, operation


def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_schema_describes_every_ledger_operation(schema):
    assert {(path, method) for path, method, _ in operations(schema)} == {
        ("/api/v1/ledger/accounts/", "get"),
        ("/api/v1/ledger/accounts/{id}/", "get"),
        ("/api/v1/ledger/accounts/{id}/statement/", "get"),
        ("/api/v1/ledger/funds/", "get"),
        ("/api/v1/ledger/funds/", "post"),
        ("/api/v1/ledger/funds/{id}/", "get"),
        ("/api/v1/ledger/fund-balances/", "get"),
        ("/api/v1/ledger/entries/", "get"),
        ("/api/v1/ledger/entries/", "post"),
        ("/api/v1/ledger/entries/{id}/", "get"),
        ("/api/v1/ledger/entries/{id}/reverse/", "post"),
        ("/api/v1/ledger/periods/", "get"),
        ("/api/v1/ledger/periods/", "post"),
        ("/api/v1/ledger/balances/", "get"),
        ("/api/v1/ledger/trial-balance/", "get"),
        ("/api/v1/ledger/chain/head/", "get"),
        ("/api/v1/ledger/checkpoints/", "get"),
        ("/api/v1/ledger/public-key/", "get"),
    }


def test_the_schema_describes_the_token_operations_and_who_may_call_them(schema):
    token = schema["paths"]["/api/v1/auth/token/"]
    assert token.keys() == {"post", "delete"}
    assert token["post"]["description"].endswith(
        "**Permissions:** anyone; the username and password in the body are the credentials."
    )
    assert "security" not in token["post"]
    assert {"400", "429"} <= token["post"]["responses"].keys()
    assert token["delete"]["description"].endswith(
        "**Permissions:** any signed-in user, for their own token."
    )
    assert {"tokenAuth": []} in token["delete"]["security"]
    assert {"204", "401"} <= token["delete"]["responses"].keys()
    assert {path for path in schema["paths"] if not path.startswith((LEDGER, GRANTS))} == {
        "/api/v1/auth/token/",
        "/api/v1/auth/otp/device/",
        "/api/v1/auth/otp/device/confirm/",
    } | {path for path, _method in PLEDGE_OPERATIONS} | {path for path, _method in PAYOUT_OPERATIONS} | {
        path for path, _method in TRANSPARENCY_OPERATIONS
    } | {path for path, _method in REPORT_OPERATIONS}


ANYONE_THROTTLED = "anyone, without signing in; throttled per client address."
# Campaigns, pledges, contributions, donors' own endpoints and Stripe's webhook, with who may call each.
PLEDGE_OPERATIONS = {
    ("/api/v1/campaigns/", "get"): "anyone, without signing in.",
    ("/api/v1/campaigns/", "post"): "roles `admin`.",
    ("/api/v1/campaigns/{slug}/", "get"): "anyone, without signing in.",
    ("/api/v1/pledges/", "get"): "roles `donor`. Each donor sees their own pledges only.",
    ("/api/v1/pledges/", "post"): "anyone, without signing in; a signed-in donor owns the pledge.",
    ("/api/v1/pledges/{id}/", "get"): "roles `donor`.",
    ("/api/v1/pledges/{id}/cancel/", "post"): "roles `donor`.",
    ("/api/v1/pledges/{id}/erase/", "post"): "roles `donor`.",
    ("/api/v1/contributions/", "get"): "roles `auditor`, `treasurer`, `admin`.",
    ("/api/v1/contributions/", "post"): "roles `treasurer`.",
    ("/api/v1/contributions/{id}/refund/", "post"): "roles `treasurer`.",
    ("/api/v1/contributions/unmatched/", "get"): "roles `auditor`, `treasurer`, `admin`.",
    ("/api/v1/contributions/{id}/match/", "post"): "roles `treasurer`.",
    ("/api/v1/contributions/{id}/bank-refund/", "post"): "roles `treasurer`.",
    ("/api/v1/receipts/undelivered/", "get"): "roles `auditor`, `treasurer`, `admin`.",
    ("/api/v1/receipts/{number}/resend/", "post"): "roles `treasurer`.",
    ("/api/v1/stripe/webhook/", "post"): "anyone, without signing in.",
    ("/api/v1/campaigns/{slug}/supporters/", "get"): "anyone, without signing in.",
    ("/api/v1/pledges/manage/", "post"): ANYONE_THROTTLED,
    ("/api/v1/pledges/manage/cancel/", "post"): ANYONE_THROTTLED,
    ("/api/v1/pledges/manage/erase/", "post"): ANYONE_THROTTLED,
    ("/api/v1/donors/", "post"): ANYONE_THROTTLED,
    ("/api/v1/me/profile/", "get"): "roles `donor`.",
    ("/api/v1/me/profile/", "patch"): "roles `donor`.",
    ("/api/v1/me/pledges/", "get"): "roles `donor`.",
    ("/api/v1/me/contributions/", "get"): "roles `donor`.",
    ("/api/v1/me/receipts/", "get"): "roles `donor`.",
    ("/api/v1/me/receipts/{number}/", "get"): "roles `donor`.",
    ("/api/v1/me/receipts/{number}/pdf/", "get"): "roles `donor`.",
    ("/api/v1/me/erase/", "post"): "roles `donor`.",
    ("/api/v1/me/close/", "post"): "roles `donor`.",
}


PAYOUTS = "/api/v1/payouts/"
PAYOUT_READERS, PAYOUT_WRITERS = "roles `treasurer`, `auditor`.", "roles `treasurer`."
PAYOUT_OPERATIONS = {
    (PAYOUTS, "get"): PAYOUT_READERS,
    (PAYOUTS, "post"): PAYOUT_WRITERS,
    (f"{PAYOUTS}{{reference}}/", "get"): PAYOUT_READERS,
    **{
        (f"{PAYOUTS}{{reference}}/{act}/", "post"): PAYOUT_WRITERS
        for act in ("approve", "send", "fail", "cancel")
    },
}


def test_the_schema_describes_every_payouts_operation_its_errors_and_who_may_call_it(schema):
    found = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path.startswith(PAYOUTS)
    }
    assert found.keys() == PAYOUT_OPERATIONS.keys()
    for key, operation in found.items():
        assert operation["description"].endswith(f"**Permissions:** {PAYOUT_OPERATIONS[key]}"), key
        problems = {status for status in operation["responses"] if status >= "400"}
        assert {"400", "401", "403"} <= problems, key
        for status in problems:
            assert operation["responses"][status]["content"] == {
                "application/problem+json": {"schema": {"$ref": PROBLEM_REF}}
            }
    send = found[(f"{PAYOUTS}{{reference}}/send/", "post")]
    assert "fund_overdrawn" in send["responses"]["409"]["description"]
    assert "second_approval_required" in send["responses"]["409"]["description"]
    assert any(parameter["name"] == "Idempotency-Key" for parameter in send["parameters"])


REPORTS = "/api/v1/reports/"
REPORT_OPERATIONS = {
    (f"{REPORTS}auditor-pack/", "post"),
    (f"{REPORTS}runs/{{id}}/", "get"),
    (f"{REPORTS}runs/{{id}}/pdf/", "get"),
    (f"{REPORTS}runs/{{id}}/csv/", "get"),
}


def test_the_schema_describes_every_reports_operation_its_errors_and_who_may_call_it(schema):
    found = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path.startswith(REPORTS)
    }
    assert found.keys() == REPORT_OPERATIONS
    for key, operation in found.items():
        assert operation["description"].endswith("**Permissions:** roles `auditor`, `treasurer`, `admin`."), (
            key
        )
        assert {"400", "401", "403"} <= operation["responses"].keys(), key
    assert "202" in found[(f"{REPORTS}auditor-pack/", "post")]["responses"]
    for download in ("pdf", "csv"):
        responses = found[(f"{REPORTS}runs/{{id}}/{download}/", "get")]["responses"]
        assert "report_not_ready" in responses["409"]["description"]
        assert "404" in responses
    assert "application/pdf" in found[(f"{REPORTS}runs/{{id}}/pdf/", "get")]["responses"]["200"]["content"]
    assert {"application/zip", "text/csv"} <= (
        found[(f"{REPORTS}runs/{{id}}/csv/", "get")]["responses"]["200"]["content"].keys()
    )


def test_the_schema_describes_every_pledges_operation_and_who_may_call_it(schema):
    found = {
        (path, method): operation["description"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if (path, method) in PLEDGE_OPERATIONS
        or path.split("/")[3] in {"campaigns", "pledges", "stripe", "donors", "me"}
    }
    assert found.keys() == PLEDGE_OPERATIONS.keys()
    for key, description in found.items():
        assert description.endswith(f"**Permissions:** {PLEDGE_OPERATIONS[key]}"), key


def test_every_pledges_operation_documents_its_problem_responses(schema):
    for path, method in PLEDGE_OPERATIONS:
        responses = schema["paths"][path][method]["responses"]
        problem_statuses = {status for status in responses if status >= "400"}
        assert "400" in problem_statuses or path.startswith("/api/v1/campaigns/{slug}/"), (path, method)
        for status in problem_statuses:
            content = responses[status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}, (path, status)
    assert {"409", "422", "429", "503"} <= schema["paths"]["/api/v1/pledges/"]["post"]["responses"].keys()
    for path in ("/api/v1/donors/", "/api/v1/pledges/manage/", "/api/v1/pledges/manage/cancel/"):
        assert "429" in schema["paths"][path]["post"]["responses"], path
    assert {"404", "429"} <= schema["paths"]["/api/v1/pledges/manage/erase/"]["post"]["responses"].keys()
    pdf = schema["paths"]["/api/v1/me/receipts/{number}/pdf/"]["get"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]
    for path, method in (("/api/v1/campaigns/", "get"), ("/api/v1/pledges/", "post")):
        assert {} in schema["paths"][path][method]["security"], "credentials are optional"
    assert {} not in schema["paths"]["/api/v1/pledges/"]["get"]["security"]
    webhook = schema["paths"]["/api/v1/stripe/webhook/"]["post"]
    assert "security" not in webhook
    header = next(p for p in webhook["parameters"] if p["in"] == "header")
    assert (header["name"], header["required"]) == ("Stripe-Signature", True)


GRANTS = "/api/v1/grants/"
REQUEST = "/api/v1/grants/requests/{reference}/"
# Each grants operation and who may call it.
GRANT_OPERATIONS = {
    ("/api/v1/grants/requesters/", "post"): "anyone",
    ("/api/v1/grants/requesters/me/", "get"): "roles `requester`.",
    ("/api/v1/grants/requesters/me/", "patch"): "roles `requester`.",
    ("/api/v1/grants/funds/", "get"): "anyone",
    ("/api/v1/grants/requests/", "get"): "roles `requester`, `reviewer`, `auditor`, `treasurer`, `admin`.",
    ("/api/v1/grants/requests/", "post"): "roles `requester`.",
    ("/api/v1/grants/requests/anonymous/", "post"): "anyone",
    (REQUEST, "get"): "roles `requester`, `reviewer`, `auditor`, `treasurer`, `admin`.",
    (REQUEST, "patch"): "roles `requester`.",
    (f"{REQUEST}submit/", "post"): "roles `requester`.",
    (f"{REQUEST}withdraw/", "post"): "roles `requester`.",
    (f"{REQUEST}appeal/", "post"): "roles `requester`.",
    (f"{REQUEST}assignments/", "post"): "roles `admin`.",
    (f"{REQUEST}conflict/", "post"): "roles `reviewer`.",
    (f"{REQUEST}review/", "put"): "roles `reviewer`.",
    (f"{REQUEST}approve/", "post"): "roles `reviewer`.",
    (f"{REQUEST}decline/", "post"): "roles `reviewer`.",
    (f"{REQUEST}close/", "post"): "roles `treasurer`, `admin`.",
    ("/api/v1/grants/claim/", "post"): "anyone",
    ("/api/v1/grants/claim/withdraw/", "post"): "anyone",
    ("/api/v1/grants/claim/appeal/", "post"): "anyone",
    ("/api/v1/grants/claim/attach/", "post"): "roles `requester`.",
    (f"{REQUEST}identity/", "get"): "roles `requester`, `reviewer`.",
    (f"{REQUEST}questions/", "get"): "roles `requester`, `reviewer`.",
    (f"{REQUEST}questions/", "post"): "roles `reviewer`.",
    (f"{REQUEST}questions/{{question}}/answer/", "post"): "roles `requester`.",
    (f"{REQUEST}notes/", "get"): "roles `reviewer`.",
    (f"{REQUEST}notes/", "post"): "roles `reviewer`.",
    (f"{REQUEST}shred/", "post"): "roles `admin`.",
    (f"{REQUEST}access-log/", "get"): "roles `reviewer`, `treasurer`, `admin`.",
    ("/api/v1/grants/claim/questions/", "post"): "anyone",
    ("/api/v1/grants/claim/answer/", "post"): "anyone",
    (f"{REQUEST}attachments/", "get"): "roles `requester`, `reviewer`, `admin`.",
    (f"{REQUEST}attachments/", "post"): "roles `requester`.",
    (f"{REQUEST}attachments/{{attachment}}/", "get"): "roles `requester`, `reviewer`, `admin`.",
    ("/api/v1/grants/claim/attachments/", "post"): "anyone",
    ("/api/v1/grants/claim/attachments/upload/", "post"): "anyone",
    ("/api/v1/grants/claim/attachments/download/", "post"): "anyone",
}
# Operations that answer with a document, whatever the client accepts: never a 406.
DOWNLOADS = {f"{REQUEST}attachments/{{attachment}}/", "/api/v1/grants/claim/attachments/download/"}
UPLOADS = {f"{REQUEST}attachments/", "/api/v1/grants/claim/attachments/upload/"}


def test_the_schema_describes_every_grants_operation_and_who_may_call_it(schema):
    found = {(path, method): operation for path, method, operation in operations(schema, GRANTS)}
    assert found.keys() == GRANT_OPERATIONS.keys()
    for key, who in GRANT_OPERATIONS.items():
        description = found[key]["description"]
        if who == "anyone":
            assert description.endswith(
                "**Permissions:** anyone, without signing in; throttled per client address."
            )
            assert "429" in found[key]["responses"] or key[1] == "get", key
        else:
            assert description.endswith(f"**Permissions:** {who}"), key


def test_every_grants_operation_documents_its_problem_responses(schema):
    for path, method, operation in operations(schema, GRANTS):
        statuses = {"400"} | ({"404"} if "{reference}" in path or "claim" in path else set())
        if path not in DOWNLOADS:
            statuses |= {"406"}
        if method != "get":
            statuses |= {"415"}
        if "{reference}" in path and method != "get":
            statuses |= {"401", "403"}
        for status in statuses:
            content = operation["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}, (path, status)


def test_the_schema_describes_enrolling_an_authenticator(schema):
    enrol = schema["paths"]["/api/v1/auth/otp/device/"]["post"]
    confirm = schema["paths"]["/api/v1/auth/otp/device/confirm/"]["post"]
    for operation in (enrol, confirm):
        assert "a staff token issued before enrolment may call this." in operation["description"]
        assert {"tokenAuth": []} in operation["security"]
        assert {"401", "409"} <= operation["responses"].keys()
    assert "201" in enrol["responses"]
    assert {"200", "400"} <= confirm["responses"].keys()


# Writes that are not postings: admins set the ledger up, and may refuse with these.
SETUP_WRITES = {"/api/v1/ledger/funds/": set(), "/api/v1/ledger/periods/": {"409"}}


def test_every_operation_says_which_roles_may_call_it(schema):
    for path, method, operation in operations(schema):
        if path == PUBLIC_KEY:
            continue
        if method == "get":
            expected = "roles `auditor`, `treasurer`, `admin`."
        else:
            expected = "roles `admin`." if path in SETUP_WRITES else "roles `treasurer`."
        assert operation["description"].endswith(f"**Permissions:** {expected}"), (path, method)
        assert {"tokenAuth": []} in operation["security"]


def test_every_operation_documents_its_problem_responses(schema):
    for path, method, operation in operations(schema):
        if path == PUBLIC_KEY:
            continue
        statuses = {"400", "401", "403"}
        if method == "post":
            statuses |= {"415"} | SETUP_WRITES.get(path, {"409", "422"})
        for status in statuses:
            content = operation["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}, (path, status)


def test_the_public_key_is_documented_as_readable_by_anyone_without_credentials(schema):
    operation = schema["paths"][PUBLIC_KEY]["get"]
    assert operation["description"].endswith("**Permissions:** anyone, without signing in.")
    assert "security" not in operation
    assert {"200", "404", "406"} == operation["responses"].keys()


def test_detail_and_paginated_operations_document_not_found(schema):
    for path, method, operation in operations(schema):
        if "{id}" in path or operation["operationId"].endswith("_list"):
            assert "404" in operation["responses"], (path, method)


def test_posting_operations_require_an_idempotency_key_and_document_the_replay(schema):
    for path in ("/api/v1/ledger/entries/", "/api/v1/ledger/entries/{id}/reverse/"):
        operation = schema["paths"][path]["post"]
        header = next(p for p in operation["parameters"] if p["in"] == "header")
        assert header["name"] == "Idempotency-Key"
        assert header["required"] is True
        assert header["schema"] == {"type": "string", "format": "uuid"}
        assert {"200", "201"} <= operation["responses"].keys()


def test_the_problem_schema_follows_rfc_9457(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert "errors" in problem["properties"]


def test_money_is_a_decimal_string(schema):
    amount = schema["components"]["schemas"]["PostingOutput"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert amount["format"] == "decimal"


def test_the_swagger_ui_is_served_without_a_cdn(db):
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/api/v1/schema/" in page
    assert "cdn.jsdelivr.net" not in page


def test_every_operation_documents_a_lost_database_and_every_write_an_oversized_body(schema):
    for path, method, operation in operations(schema, prefix="/api/v1/"):
        if path == PUBLIC_KEY:
            continue  # read from settings: no database to lose
        expected = {"503", "413"} if method == "post" else {"503"}
        for status in expected:
            content = operation["responses"][status]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}, (path, status)


def test_documents_are_uploaded_as_multipart_and_downloaded_as_their_own_type(schema):
    for path in UPLOADS:
        operation = schema["paths"][path]["post"]
        assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
        body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert schema["components"]["schemas"][body]["properties"]["file"]["format"] == "binary"
        assert {"201", "409", "413", "415", "422"} <= operation["responses"].keys()
    for path in DOWNLOADS:
        operation = next(iter(schema["paths"][path].values()))
        assert set(operation["responses"]["200"]["content"]) == {"application/pdf", "image/jpeg", "image/png"}
        assert {"404", "410"} <= operation["responses"].keys()


TRANSPARENCY_OPERATIONS = {
    ("/api/v1/transparency/grants/", "get"): ANYONE_THROTTLED,
    ("/api/v1/transparency/feed/", "get"): ANYONE_THROTTLED,
}


def test_the_schema_describes_the_public_transparency_operations_and_their_errors(schema):
    found = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/v1/transparency/")
    }
    assert found.keys() == TRANSPARENCY_OPERATIONS.keys()
    for key, operation in found.items():
        assert operation["description"].endswith(f"**Permissions:** {TRANSPARENCY_OPERATIONS[key]}"), key
        assert "security" not in operation, key
        assert {"400", "406", "429", "503"} <= operation["responses"].keys(), key
        for status in (status for status in operation["responses"] if status >= "400"):
            assert operation["responses"][status]["content"] == {
                "application/problem+json": {"schema": {"$ref": PROBLEM_REF}}
            }
    grants = found[("/api/v1/transparency/grants/", "get")]
    assert [p["name"] for p in grants["parameters"]] == ["period"]
    assert {p["name"] for p in found[("/api/v1/transparency/feed/", "get")]["parameters"]} == {
        "page",
        "page_size",
    }
