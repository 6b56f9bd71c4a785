"""The reports API: who may ask for a pack, its run in the background, downloads only once it is done."""

import csv
import io
import zipfile

import pytest
from django.db import connection
from rest_framework.test import APIClient

from reports.auditor.models import ReportRun, ReportStatus

PACK = "/api/v1/reports/auditor-pack/"


def ask(client: APIClient, books, **body):
    terms = {"from": books.period_from.isoformat(), "to": books.period_to.isoformat(), **body}
    return client.post(PACK, terms, format="json")


@pytest.mark.parametrize("role", ["auditor", "treasurer", "admin"])
def test_staff_who_read_the_books_get_a_pack_rendered_in_the_background(
    client_for, books, role, django_capture_on_commit_callbacks
):
    client = client_for(role)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, books, language="en")
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued"
    assert response["Location"] == f"/api/v1/reports/runs/{run['id']}/"
    followed = client.get(response["Location"]).json()
    assert followed["status"] == "done"
    assert (followed["from"], followed["to"]) == (books.period_from.isoformat(), books.period_to.isoformat())
    pdf = client.get(followed["pdf"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    archive = client.get(followed["csv"])
    assert archive["Content-Type"] == "application/zip"
    assert "trial_balance.csv" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()


def test_a_run_is_visible_to_other_staff_who_read_the_books(
    client_for, books, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = ask(client_for("treasurer"), books).json()
    assert client_for("auditor").get(f"/api/v1/reports/runs/{run['id']}/").json()["status"] == "done"


def test_one_section_downloads_as_csv(client_for, books, django_capture_on_commit_callbacks):
    client = client_for("auditor")
    with django_capture_on_commit_callbacks(execute=True):
        run = ask(client, books).json()
    response = client.get(f"{run['csv']}?section=journal")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert {row["source_id"] for row in rows} >= {books.grant_reference}
    assert client.get(f"{run['csv']}?section=memos").status_code == 400


def test_the_language_follows_the_request_when_the_body_names_none(
    client_for, books, django_capture_on_commit_callbacks
):
    client = client_for("auditor")
    with django_capture_on_commit_callbacks(execute=True):
        run = client.post(
            PACK,
            {"from": books.period_from.isoformat(), "to": books.period_to.isoformat()},
            format="json",
            HTTP_ACCEPT_LANGUAGE="ar",
        ).json()
    assert run["language"] == "ar"


def test_downloads_answer_409_until_the_run_is_done(client_for, books):
    client = client_for("auditor")
    run = ask(client, books).json()  # its rendering waits for a commit that never comes in this test
    for url in (run["pdf"], run["csv"]):
        response = client.get(url)
        assert response.status_code == 409
        assert response.json()["code"] == "report_not_ready"


def test_a_failed_render_is_stored_as_failed_with_its_error_class(
    client_for, books, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("the printer caught fire")

    monkeypatch.setattr("reports.auditor.services.pack_pdf", broken)
    client = client_for("auditor")
    with django_capture_on_commit_callbacks(execute=True):
        run = ask(client, books).json()
    followed = client.get(f"/api/v1/reports/runs/{run['id']}/").json()
    assert (followed["status"], followed["error_class"]) == ("failed", "RuntimeError")
    stored = ReportRun.objects.get(pk=run["id"])
    assert stored.pdf is None and stored.finished_at is not None
    response = client.get(run["pdf"])
    assert (response.status_code, response.json()["code"]) == (409, "report_failed")


@pytest.mark.parametrize("role", ["donor", "requester", "reviewer", "norole"])
def test_nobody_else_may_ask_for_or_read_a_pack(client_for, books, role, make_user):
    outsider = client_for(role)
    assert ask(outsider, books).status_code == 403
    user, _token = make_user("auditor")
    run = ReportRun.objects.create(
        kind="auditor_pack",
        date_from=books.period_from,
        date_to=books.period_to,
        language="en",
        requested_by=user,
    )
    for suffix in ("", "pdf/", "csv/"):
        assert outsider.get(f"/api/v1/reports/runs/{run.pk}/{suffix}").status_code == 403


def test_anonymous_requests_are_told_to_authenticate(anonymous, books):
    response = ask(anonymous, books)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_period_backwards_an_unknown_fund_or_language_is_refused(client_for, books):
    client = client_for("auditor")
    backwards = ask(
        client, books, **{"from": books.period_to.isoformat(), "to": books.period_from.isoformat()}
    )
    assert backwards.status_code == 400
    assert ask(client, books, fund=999_999).json()["code"] == "unknown_fund"
    assert ask(client, books, language="de").status_code == 400
    assert ask(client, books, status="done").status_code == 400
    assert ReportRun.objects.count() == 0


def test_an_unknown_run_is_not_found(client_for, books):
    response = client_for("auditor").get("/api/v1/reports/runs/00000000-0000-0000-0000-000000000000/pdf/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_database_refuses_a_done_run_without_its_documents(books, make_user):
    from django.db import IntegrityError, transaction

    user, _token = make_user("auditor")
    run = ReportRun.objects.create(
        kind="auditor_pack",
        date_from=books.period_from,
        date_to=books.period_to,
        language="en",
        requested_by=user,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(status=ReportStatus.DONE)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE reports_reportrun SET language = 'de' WHERE id = %s", [run.pk])


@pytest.mark.django_db(transaction=True)
def test_a_pack_seals_what_is_committed_and_prints_the_chain_head_it_was_built_from(client_for, books):
    from ledger.api import chain_head

    client = client_for("auditor")
    run = ask(client, books).json()  # committed: rendered in process at once
    followed = client.get(f"/api/v1/reports/runs/{run['id']}/").json()
    seq, digest = chain_head()
    assert followed["status"] == "done"
    assert followed["chain_seq"] == seq > 0
    about = dict(csv.reader(io.StringIO(client.get(f"{run['csv']}?section=pack").content.decode())))
    assert about["chain_hash"] == digest.hex()
    journal = list(csv.DictReader(io.StringIO(client.get(f"{run['csv']}?section=journal").content.decode())))
    assert all(row["seal_seq"] and len(row["hash_prefix"]) == 16 for row in journal)


def test_a_pack_left_behind_by_a_lost_message_or_a_dead_worker_is_rendered_again(
    client_for, books, settings, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from reports.auditor.tasks import report_runs_recover_task

    client = client_for("auditor")
    lost, dead, fresh = (ask(client, books).json()["id"] for _ in range(3))  # no commit: never rendered
    long_ago = timezone.now() - datetime.timedelta(minutes=settings.REPORT_RUN_STALE_MINUTES + 1)
    ReportRun.objects.filter(pk=lost).update(created_at=long_ago)
    ReportRun.objects.filter(pk=dead).update(
        created_at=long_ago, status=ReportStatus.RUNNING, started_at=long_ago
    )

    assert report_runs_recover_task() == 2

    statuses = dict(ReportRun.objects.values_list("id", "status"))
    assert {str(k): v for k, v in statuses.items()} == {lost: "done", dead: "done", fresh: "queued"}
    assert client.get(f"/api/v1/reports/runs/{dead}/pdf/").content.startswith(b"%PDF")
    assert report_runs_recover_task() == 0
