"""The home page: served at /, plain HTML, linking to the API docs, the schema and the admin."""

import re

import pytest
from django.test import Client


@pytest.fixture
def home(db) -> str:
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("<section", 1)[0]


def test_the_home_page_says_what_tadamun_is_and_what_works_today(home):
    assert "mutual-aid" in home
    today, coming = _section(home, "today").split("Coming", 1)
    built = (
        "double-entry ledger",
        "Giving",
        "bank transfer",
        "Grant requests",
        "receipts",
        "Payouts",
        "transparency",
        "auditor pack",
    )
    for thing in built:
        assert thing in today
    for not_yet in ("Stripe Connect", "Stripe reconciliation", "yearly statements"):
        assert not_yet in coming and not_yet not in today


def test_the_home_page_links_to_the_api_docs_the_schema_and_the_admin(home):
    links = set(re.findall(r'href="([^"]+)"', home))
    assert {"/api/v1/docs/", "/api/v1/schema/", "/admin/"} <= links


def test_the_home_page_runs_no_script_and_loads_nothing_from_elsewhere(home):
    assert "<script" not in home
    assert not re.search(r'(src|href)="(https?:)?//', home)


def test_the_home_page_needs_no_sign_in_and_reads_left_to_right_in_english(home):
    assert '<html lang="en" dir="ltr">' in home


def test_the_home_page_turns_right_to_left_in_arabic(db):
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "ما تقدّمه هذه النسخة اليوم" in page  # "What this instance offers today"
    assert "What this instance offers today" not in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("es", "Lo que ofrece hoy esta instancia"), ("fr", "Ce que cette instance offre aujourd'hui")],
)
def test_the_home_page_speaks_spanish_and_french_too(db, language, heading):
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}" dir="ltr">' in page
    assert heading.replace("'", "&#x27;") in page or heading in page


def test_the_home_page_only_answers_reads(db):
    assert Client().post("/").status_code == 405
