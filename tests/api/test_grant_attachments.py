"""Documents over HTTP: multipart uploads, clear problems for bad files, downloads only for those allowed."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from grants import services
from grants.models import Attachment, GrantRequest
from tests.api.test_grants import client_as
from tests.grants.documents import encrypted_pdf, jpeg_with_gps, pdf_with_metadata, png_with_text
from tests.grants.fixtures import marker
from tests.users.admin_login import otp_force_login
from vault.api import access_log_list, subject_get
from vault.models import AccessLog, Subject

API = "/api/v1/grants/"
REQUESTS = f"{API}requests/"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def upload(client: APIClient, url: str, content: bytes, name: str = "scan.png", **fields):
    # The client's Content-Type is a lie on purpose: only the bytes decide.
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(url, {"file": file, **fields}, format="multipart")


def attachments_url(request: GrantRequest) -> str:
    return f"{REQUESTS}{request.reference}/attachments/"


def opened_by(request: GrantRequest) -> set[tuple[str, int | None, str]]:
    request.refresh_from_db()
    log = access_log_list(subject=subject_get(reference=request.subject_reference))
    return {(r.field, r.reader_id, r.purpose) for r in log if r.action == "open"}


@pytest.fixture
def draft(apply) -> GrantRequest:
    return apply(submit=False)


# --- upload, list, download ---------------------------------------------------------------------


def test_a_requester_attaches_a_document_to_a_draft_lists_it_and_downloads_it_clean(draft):
    client = client_as(draft.requester)
    mark = marker("upload")
    created = upload(client, attachments_url(draft), jpeg_with_gps(mark), name=f"{mark}.jpg")
    assert created.status_code == 201, created.content
    document = created.json()
    assert document.keys() == {"id", "content_type", "size", "question", "filename", "created_at"}
    assert (document["content_type"], document["question"]) == ("image/jpeg", None)
    assert document["filename"] == f"{mark}.jpg"

    listed = client.get(attachments_url(draft))
    assert listed.status_code == 200
    assert listed.json() == [document]

    response = client.get(f"{attachments_url(draft)}{document['id']}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'attachment; filename="{document["id"]}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content)
    assert len(body) == document["size"]
    assert mark.encode() not in body
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (20, 40) and not image.getexif()
    attachment = Attachment.objects.get()
    assert (f"attachment_{attachment.public_id.hex}", draft.requester.pk, "requester_own") in opened_by(draft)
    assert (f"attachment_name_{attachment.public_id.hex}", draft.requester.pk, "requester_own") in opened_by(
        draft
    )


def test_a_json_body_is_not_an_upload(draft):
    response = client_as(draft.requester).post(attachments_url(draft), {"file": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        pytest.param(b"GIF89a" + b"\x00" * 40, 415, "attachment_type_unsupported", id="gif"),
        pytest.param(b"<html><script>alert(1)</script>", 415, "attachment_type_unsupported", id="html"),
        pytest.param(b"%PDF-1.7\ngarbage", 422, "attachment_unreadable", id="corrupt-pdf"),
        pytest.param(png_with_text("x")[:50], 422, "attachment_unreadable", id="truncated-png"),
        pytest.param(encrypted_pdf(), 422, "attachment_unreadable", id="pdf-with-password"),
    ],
)
def test_a_file_of_another_type_or_that_does_not_parse_gets_a_problem_and_nothing_is_stored(
    draft, content, status, code
):
    subjects, logged = Subject.objects.count(), AccessLog.objects.count()
    response = upload(client_as(draft.requester), attachments_url(draft), content, name="notice.pdf")
    assert (response.status_code, response.json()["code"]) == (status, code), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "notice" not in response.content.decode()
    assert Attachment.objects.count() == 0
    assert (Subject.objects.count(), AccessLog.objects.count()) == (subjects, logged)


def test_a_document_over_the_limit_is_a_413_and_reading_stops_there(draft, settings):
    settings.GRANTS_ATTACHMENT_MAX_BYTES = 1_000
    response = upload(client_as(draft.requester), attachments_url(draft), b"%PDF-" + b"x" * 5_000)
    assert (response.status_code, response.json()["code"]) == (413, "attachment_too_large")
    assert "1,000 bytes" in response.json()["detail"]
    huge = upload(client_as(draft.requester), attachments_url(draft), b"%PDF-" + b"x" * 200_000)
    assert (huge.status_code, huge.json()["code"]) == (413, "attachment_too_large")
    assert Attachment.objects.count() == 0


def test_an_upload_is_never_written_to_a_temporary_file(draft, settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # Django's own handlers would spool anything larger to disk
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    response = upload(client_as(draft.requester), attachments_url(draft), png_with_text("x"))
    assert response.status_code == 201
    assert list(tmp_path.iterdir()) == []


def test_an_empty_missing_or_second_file_is_a_validation_problem(draft):
    client = client_as(draft.requester)
    empty = upload(client, attachments_url(draft), b"")
    assert (empty.status_code, empty.json()["errors"][0]["pointer"]) == (400, "#/file")
    missing = client.post(attachments_url(draft), {"question": "1"}, format="multipart")
    assert (missing.status_code, missing.json()["errors"][0]["pointer"]) == (400, "#/file")
    two = client.post(
        attachments_url(draft),
        {
            "file": SimpleUploadedFile("a.png", png_with_text("a")),
            "other": SimpleUploadedFile("b.png", png_with_text("b")),
        },
        format="multipart",
    )
    assert two.status_code == 400
    assert Attachment.objects.count() == 0


def test_the_documents_per_request_are_limited(draft, settings):
    settings.GRANTS_ATTACHMENT_MAX_PER_REQUEST = 1
    client = client_as(draft.requester)
    assert upload(client, attachments_url(draft), png_with_text("a")).status_code == 201
    second = upload(client, attachments_url(draft), png_with_text("b"))
    assert (second.status_code, second.json()["code"]) == (409, "attachment_limit_reached")


def test_a_submitted_request_takes_a_document_only_with_an_open_question(in_review):
    request, reviewer, _admin = in_review()
    client = client_as(request.requester)
    refused = upload(client, attachments_url(request), png_with_text("x"))
    assert (refused.status_code, refused.json()["code"]) == (409, "attachment_not_allowed")
    question = services.question_ask(reference=request.reference, reviewer=reviewer, body="The bill?")
    taken = upload(client, attachments_url(request), pdf_with_metadata("x"), question=question.pk)
    assert taken.status_code == 201, taken.content
    assert (taken.json()["question"], taken.json()["content_type"]) == (question.pk, "application/pdf")


# --- who may see documents ----------------------------------------------------------------------


@pytest.fixture
def attached(in_review):
    """A request in review with a document (answering a question, under a marked name), reviewer, admin."""
    request, reviewer, admin = in_review()
    filename = f"{marker('filename')}.png"
    question = services.question_ask(reference=request.reference, reviewer=reviewer, body="Proof?")
    attachment = services.attachment_add(
        reference=request.reference,
        requester=request.requester,
        content=png_with_text("x"),
        filename=filename,
        question_id=question.pk,
    )
    attachment.filename = filename
    return request, attachment, reviewer, admin


def test_the_assigned_reviewer_and_an_admin_download_it_and_each_download_is_logged(attached):
    request, attachment, reviewer, admin = attached
    url = f"{attachments_url(request)}{attachment.public_id}/"
    for reader, purpose in ((reviewer, "review"), (admin, "admin_access")):
        client = client_as(reader)
        assert client.get(url).status_code == 200
        assert [row["filename"] for row in client.get(attachments_url(request)).json()] == [
            attachment.filename
        ]
        assert (f"attachment_{attachment.public_id.hex}", reader.pk, purpose) in opened_by(request)


def test_a_reviewer_who_declared_a_conflict_can_no_longer_download_it(attached):
    request, attachment, reviewer, _admin = attached
    client = client_as(reviewer)
    assert client.post(f"{REQUESTS}{request.reference}/conflict/").status_code in (200, 201, 204)
    assert client.get(f"{attachments_url(request)}{attachment.public_id}/").status_code == 404
    assert client.get(attachments_url(request)).status_code == 404


@pytest.mark.parametrize("role", ["auditor", "treasurer", "donor"])
def test_auditors_treasurers_and_donors_never_see_documents(attached, person, role):
    request, attachment, _reviewer, _admin = attached
    client = client_as(person(role))
    assert client.get(attachments_url(request)).status_code == 403
    assert client.get(f"{attachments_url(request)}{attachment.public_id}/").status_code == 403
    assert opened_by(request) == set()


@pytest.mark.parametrize("role", ["requester", "reviewer"])
def test_another_requester_or_an_unassigned_reviewer_gets_a_404_and_writes_nothing(attached, person, role):
    request, attachment, _reviewer, _admin = attached
    client = client_as(person(role))
    assert client.get(attachments_url(request)).status_code == 404
    assert client.get(f"{attachments_url(request)}{attachment.public_id}/").status_code == 404
    if role == "requester":
        assert upload(client, attachments_url(request), png_with_text("x")).status_code == 404
    assert Attachment.objects.count() == 1
    assert opened_by(request) == set()


def test_a_document_of_another_request_is_not_found_through_this_one(attached, apply):
    request, attachment, _reviewer, _admin = attached
    own = apply(requester=request.requester, submit=False)
    response = client_as(request.requester).get(f"{attachments_url(own)}{attachment.public_id}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_after_shredding_documents_read_erased_and_do_not_download(attached):
    request, attachment, reviewer, admin = attached
    assert client_as(admin).post(f"{REQUESTS}{request.reference}/shred/").status_code == 200
    client = client_as(reviewer)
    listed = client.get(attachments_url(request))
    assert listed.status_code == 200
    assert [(row["filename"], row["size"]) for row in listed.json()] == [("erased", attachment.size)]
    response = client.get(f"{attachments_url(request)}{attachment.public_id}/")
    assert (response.status_code, response.json()["code"]) == (410, "erased")
    again = upload(client_as(request.requester), attachments_url(request), png_with_text("x"))
    assert again.status_code in (409, 410)


# --- anonymous requests, with the claim code ----------------------------------------------------------


def test_an_anonymous_requester_attaches_lists_and_downloads_with_the_claim_code(relief, person):
    anonymous = APIClient()
    applied = anonymous.post(
        f"{REQUESTS}anonymous/",
        {"fund": relief.pk, "category": "legal", "country": "UG", "amount": "100.00", "currency": "EUR"},
        format="json",
    )
    code, reference = applied.json()["claim_code"], applied.json()["request"]["reference"]
    reviewer, admin = person("reviewer"), person("admin")
    services.reviewer_assign(reference=reference, reviewer=reviewer, assigned_by=admin)
    question = services.question_ask(reference=reference, reviewer=reviewer, body="The court letter?")

    without_question = upload(
        anonymous, f"{API}claim/attachments/upload/", png_with_text("x"), claim_code=code
    )
    assert without_question.status_code == 400
    created = upload(
        anonymous,
        f"{API}claim/attachments/upload/",
        pdf_with_metadata("x"),
        claim_code=code,
        question=question.pk,
    )
    assert created.status_code == 201, created.content
    listed = anonymous.post(f"{API}claim/attachments/", {"claim_code": code}, format="json")
    assert [row["id"] for row in listed.json()] == [created.json()["id"]]
    response = anonymous.post(
        f"{API}claim/attachments/download/",
        {"claim_code": code, "attachment": created.json()["id"]},
        format="json",
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    request = GrantRequest.objects.get(reference=reference)
    assert (f"attachment_{Attachment.objects.get().public_id.hex}", None, "requester_own") in opened_by(
        request
    )

    wrong = upload(
        anonymous,
        f"{API}claim/attachments/upload/",
        png_with_text("x"),
        claim_code="AAAA-BBBB",
        question=question.pk,
    )
    assert (wrong.status_code, wrong.json()["code"]) == (404, "claim_code_invalid")
    assert Attachment.objects.count() == 1


# --- the admin site ------------------------------------------------------------------------------------


def test_the_admin_site_lists_documents_without_opening_any(attached, admin_user, client):
    request, attachment, _reviewer, _admin = attached
    otp_force_login(client, admin_user)
    logged = AccessLog.objects.count()
    listed = client.get("/admin/grants/attachment/")
    assert listed.status_code == 200
    assert str(attachment.public_id) in listed.content.decode()
    shown = client.get(f"/admin/grants/attachment/{attachment.pk}/change/")
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "PNG" in page
    assert attachment.filename not in page
    assert AccessLog.objects.count() == logged
    assert client.get(f"/admin/grants/grantrequest/{request.pk}/change/").status_code == 200
