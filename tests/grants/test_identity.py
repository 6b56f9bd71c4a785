"""Identifying data: sealed at rest, opened only by its requester and assigned reviewers (logged), erased."""

import datetime
import io
import logging

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from grants.models import GrantRequest
from grants.services import (
    grant_request_approve,
    grant_request_close,
    grant_request_mark_paid,
    reviewer_assign,
)
from ledger.selectors import fund_balances
from ledger.services import ledger_seal
from ledger.verification import ledger_verify
from tests.factories import TOTPDeviceFactory, token_for
from tests.grants.documents import pdf_with_metadata
from tests.grants.fixtures import marker
from tests.ledger.rawsql import as_superuser
from users.roles import SECOND_FACTOR_ROLES
from users.selectors import user_has_role
from vault.api import access_log_list, subject_get

API = "/api/v1/grants/"
IDENTIFYING = ("name", "contact_handle", "narrative", "payout_details")


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def client_as(user) -> APIClient:
    device = TOTPDeviceFactory(user=user) if user_has_role(user, *SECOND_FACTOR_ROLES) else None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, device).key}")
    return client


def markers() -> dict[str, str]:
    """A unique marker per identifying field (the whole run's logs are checked for each)."""
    return {
        field: marker(field)
        for field in (*IDENTIFYING, "question", "answer", "note", "document", "document_meta", "filename")
    }


def application(relief, marks: dict[str, str]) -> dict:
    return {
        "fund": relief.pk,
        "category": "safety_relocation",
        "country": "UG",
        "amount": "400.00",
        "currency": "EUR",
        "contact_channel": "signal",
        "payout_rail": "mobile_money",
        **{field: marks[field] for field in IDENTIFYING},
    }


@pytest.fixture
def reviewed(relief, person):
    """An anonymous application with every identifying field, a question answered and a note, over the API."""
    marks = markers()
    anonymous = APIClient()
    applied = anonymous.post(f"{API}requests/anonymous/", application(relief, marks), format="json")
    assert applied.status_code == 201, applied.content
    reference, code = applied.json()["request"]["reference"], applied.json()["claim_code"]
    reviewer, admin = person("reviewer"), person("admin")
    reviewer_assign(reference=reference, reviewer=reviewer, assigned_by=admin)
    as_reviewer = client_as(reviewer)
    path = f"{API}requests/{reference}/"
    asked = as_reviewer.post(f"{path}questions/", {"question": marks["question"]}, format="json")
    assert asked.status_code == 201, asked.content
    # A document with the answer: a marker in its text (kept), its metadata (stripped) and its name.
    document = SimpleUploadedFile(
        f"{marks['filename']}.pdf", pdf_with_metadata(marks["document_meta"], text=marks["document"])
    )
    attached = anonymous.post(
        f"{API}claim/attachments/upload/",
        {"claim_code": code, "question": asked.json()["id"], "file": document},
        format="multipart",
    )
    assert attached.status_code == 201, attached.content
    answered = anonymous.post(
        f"{API}claim/answer/",
        {"claim_code": code, "question": asked.json()["id"], "answer": marks["answer"]},
        format="json",
    )
    assert answered.status_code == 204, answered.content
    assert as_reviewer.post(f"{path}notes/", {"note": marks["note"]}, format="json").status_code == 201
    return {"reference": reference, "code": code, "reviewer": reviewer, "admin": admin, "marks": marks}


def every_row_as_text() -> str:
    """Every row of every table in the database, as PostgreSQL prints it (bytea as hex)."""
    parts = []
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) "
            "FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t")
            parts.append(cursor.fetchone()[0])
    return "\n".join(parts)


def test_no_table_holds_the_plaintext_of_any_identifying_field(reviewed):
    everything = every_row_as_text()
    assert reviewed["reference"] in everything  # the scan reads the rows the markers went into
    # The document's text marker is in what is stored, once opened: the scan below could find it.
    listed = APIClient().post(f"{API}claim/attachments/", {"claim_code": reviewed["code"]}, format="json")
    (document,) = listed.json()
    assert document["filename"] == f"{reviewed['marks']['filename']}.pdf"
    opened = APIClient().post(
        f"{API}claim/attachments/download/",
        {"claim_code": reviewed["code"], "attachment": document["id"]},
        format="json",
    )
    assert reviewed["marks"]["document"].encode() in b"".join(opened.streaming_content)
    for field, mark in reviewed["marks"].items():
        assert mark not in everything, field
        assert mark.encode().hex() not in everything, field
        assert mark.encode("utf-16-le").hex() not in everything, field


def test_the_assigned_reviewer_opens_the_identity_and_each_opening_is_logged(reviewed):
    response = client_as(reviewed["reviewer"]).get(f"{API}requests/{reviewed['reference']}/identity/")
    assert response.status_code == 200
    document = response.json()
    assert document["erased"] is False
    for field in IDENTIFYING:
        assert document[field] == reviewed["marks"][field]
    assert (document["contact_channel"], document["payout_rail"]) == ("signal", "mobile_money")
    request = GrantRequest.objects.get(reference=reviewed["reference"])
    log = access_log_list(subject=subject_get(reference=request.subject_reference))
    opened = {(r.field, r.reader_id, r.purpose) for r in log if r.action == "open"}
    assert {(field, reviewed["reviewer"].pk, "review") for field in IDENTIFYING} <= opened


def test_questions_and_answers_open_for_the_claim_code_holder(reviewed):
    response = APIClient().post(f"{API}claim/questions/", {"claim_code": reviewed["code"]}, format="json")
    assert response.status_code == 200
    (question,) = response.json()
    assert (question["question"], question["answer"]) == (
        reviewed["marks"]["question"],
        reviewed["marks"]["answer"],
    )


@pytest.mark.parametrize("role", ["auditor", "treasurer", "admin", "donor"])
def test_overseers_and_others_never_open_a_requests_identity(reviewed, person, role):
    client = client_as(person(role))
    for path in ("identity/", "questions/", "notes/"):
        response = client.get(f"{API}requests/{reviewed['reference']}/{path}")
        assert response.status_code == 403, (path, response.content)
        assert not any(mark in response.content.decode() for mark in reviewed["marks"].values())


def test_an_unassigned_reviewer_or_another_requester_cannot_open_it(reviewed, person):
    for role in ("reviewer", "requester"):
        response = client_as(person(role)).get(f"{API}requests/{reviewed['reference']}/identity/")
        assert response.status_code == 404, role


def test_the_requester_never_sees_the_reviewers_notes(relief, person):
    requester = person("requester")
    client = client_as(requester)
    created = client.post(
        f"{API}requests/", {**application(relief, markers()), "submit": True}, format="json"
    )
    reference = created.json()["reference"]
    assert client.get(f"{API}requests/{reference}/notes/").status_code == 403
    assert client.get(f"{API}requests/{reference}/identity/").json()["erased"] is False


def test_a_narrative_over_the_size_limit_is_refused_and_nothing_is_written(relief):
    from vault.models import Subject

    body = application(relief, markers())
    body["narrative"] = "x" * 10_001
    response = APIClient().post(f"{API}requests/anonymous/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/narrative"
    assert GrantRequest.objects.count() == 0
    assert Subject.objects.count() == 0


def test_an_admin_shreds_one_request_and_its_fields_then_read_erased(reviewed):
    path = f"{API}requests/{reviewed['reference']}/"
    shredded = client_as(reviewed["admin"]).post(f"{path}shred/")
    assert shredded.status_code == 200
    document = client_as(reviewed["reviewer"]).get(f"{path}identity/").json()
    assert document["erased"] is True
    assert all(document[field] == "erased" for field in IDENTIFYING)
    questions = client_as(reviewed["reviewer"]).get(f"{path}questions/").json()
    assert [(q["question"], q["answer"]) for q in questions] == [("erased", "erased")]


def test_shred_requests_erases_what_was_closed_before_the_retention_period_and_the_books_still_verify(
    reviewed, settings
):
    reference = reviewed["reference"]
    grant_request_approve(reference=reference, reviewer=reviewed["reviewer"], amount=40_000)
    grant_request_mark_paid(reference=reference)
    grant_request_close(reference=reference)
    totals_before = fund_balances()
    out = io.StringIO()
    call_command("shred_requests", stdout=out)
    assert "shredded 0 request(s)" in out.getvalue()
    GrantRequest.objects.filter(reference=reference).update(
        closed_at=timezone.now() - datetime.timedelta(days=settings.GRANTS_RETENTION_DAYS + 1)
    )
    call_command("shred_requests", stdout=out)
    assert "shredded 1 request(s)" in out.getvalue()
    request = GrantRequest.objects.get(reference=reference)
    assert request.shredded_at is not None
    document = client_as(reviewed["reviewer"]).get(f"{API}requests/{reference}/identity/").json()
    assert document["erased"] is True
    assert {document[field] for field in IDENTIFYING} == {"erased"}
    assert fund_balances() == totals_before
    ledger_seal()
    assert ledger_verify().ok


def test_no_log_line_carries_a_marker(relief, person, caplog):
    caplog.set_level(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        marks = markers()
        anonymous = APIClient()
        body = application(relief, marks)
        anonymous.post(f"{API}requests/anonymous/", body, format="json")
        anonymous.post(f"{API}requests/anonymous/", {**body, "currency": "USD"}, format="json")
        anonymous.post(
            f"{API}requests/anonymous/", {**body, "narrative": marks["narrative"] * 1000}, format="json"
        )
        anonymous.post(f"{API}requests/anonymous/", {**body, "contact_channel": marks["name"]}, format="json")
    finally:
        connection.force_debug_cursor = False
    said = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    for field, mark in marks.items():
        assert mark not in said, field


def test_the_access_log_is_read_by_assigned_reviewers_and_admins_only(reviewed, person):
    path = f"{API}requests/{reviewed['reference']}/"
    client_as(reviewed["reviewer"]).get(f"{path}identity/")
    log = client_as(reviewed["admin"]).get(f"{path}access-log/")
    assert log.status_code == 200
    opened = {(row["field"], row["reader"], row["purpose"]) for row in log.json() if row["action"] == "open"}
    assert ("narrative", reviewed["reviewer"].pk, "review") in opened
    assert client_as(reviewed["reviewer"]).get(f"{path}access-log/").status_code == 200
    assert client_as(person("reviewer")).get(f"{path}access-log/").status_code == 404
    assert client_as(person("auditor")).get(f"{path}access-log/").status_code == 403
