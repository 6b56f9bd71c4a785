"""The pack as documents: a PDF in each language (Arabic right to left), CSV that parses and matches."""

import csv
import datetime
import io
import subprocess
import zipfile

import pytest

from reports.auditor.csv_export import SECTIONS, pack_csv_section, pack_csv_sections, pack_csv_zip
from reports.auditor.labels import LABELS, PACK_LANGUAGES
from reports.auditor.rendering import pack_html, pack_pdf
from reports.auditor.selectors import auditor_pack_read

GENERATED_AT = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.fixture
def pack(books):
    return auditor_pack_read(date_from=books.period_from, date_to=books.period_to)


def test_every_language_has_every_label():
    for language in PACK_LANGUAGES:
        assert LABELS[language].keys() == LABELS["en"].keys(), language
        assert all(text.strip() for text in LABELS[language].values()), language


def test_the_english_pdf_prints_each_section_and_the_ledgers_amounts(pack, tmp_path):
    pdf = pack_pdf(pack, "en", GENERATED_AT)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for heading in (
        "Trial balance",
        "Statement of activities by fund",
        "Statement of financial position",
        "Journal",
        "General ledger",
        "Opening balance",
        "Closing balance",
    ):
        assert heading in text
    assert "3,000.00" in text  # the relief fund's money
    assert "1,000.00" not in text and "1,000" in text  # the yen gift: yen have no decimals
    assert pack.chain_hash in text.replace("\n", "").replace(" ", "")


def test_the_arabic_pack_runs_right_to_left_with_arabic_labels(pack, tmp_path):
    html = pack_html(pack, "ar", GENERATED_AT)
    assert '<html lang="ar" dir="rtl">' in html
    text = pdf_text(pack_pdf(pack, "ar", GENERATED_AT), tmp_path)
    # pdftotext spells out the lam-alef ligature of "الأستاذ" oddly: the general ledger is
    # found by its closing balance's words.
    for label in ("ميزان المراجعة", "بيان المركز المالي", "دفتر اليومية", "الرصيد الختامي"):
        assert label in text
    assert 'dir="ltr"' in pack_html(pack, "en", GENERATED_AT)


def test_spanish_and_french_packs_print_their_own_words_and_separators(pack):
    spanish, french = pack_html(pack, "es", GENERATED_AT), pack_html(pack, "fr", GENERATED_AT)
    assert "Balance de comprobación" in spanish and "3.000,00" in spanish
    assert "Balance générale" in french and "3\u202f000,00" in french


def test_no_requesters_marker_is_in_any_document(books, pack, tmp_path):
    sections = pack_csv_sections(pack, GENERATED_AT)
    documents = [pack_html(pack, language, GENERATED_AT) for language in PACK_LANGUAGES]
    documents += [pdf_text(pack_pdf(pack, "en", GENERATED_AT), tmp_path), *sections.values()]
    for document in documents:
        assert "MARK" not in document
    assert books.grant_reference in sections["journal"]


def test_the_csv_sections_parse_and_match_the_pack(pack):
    archive = pack_csv_zip(pack_csv_sections(pack, GENERATED_AT))
    assert zipfile.ZipFile(io.BytesIO(archive)).namelist() == [f"{name}.csv" for name in SECTIONS]
    trial = list(csv.DictReader(io.StringIO(pack_csv_section(archive, "trial_balance"))))
    assert [(row["account_code"], row["debit"], row["credit"]) for row in trial] == [
        (
            line.account.code,
            _decimal(line.debit, line.account.currency),
            _decimal(line.credit, line.account.currency),
        )
        for line in pack.trial_balance
    ]
    journal = list(csv.DictReader(io.StringIO(pack_csv_section(archive, "journal"))))
    assert len(journal) == sum(len(entry.postings) for entry in pack.journal)
    yen = next(row for row in journal if row["currency"] == "JPY")
    assert yen["amount"] in ("1000", "-1000")
    about = dict(csv.reader(io.StringIO(pack_csv_section(archive, "pack"))))
    assert about["chain_hash"] == pack.chain_hash
    ledger = list(csv.DictReader(io.StringIO(pack_csv_section(archive, "general_ledger"))))
    assert sum(row["line"] == "posting" for row in ledger) == len(journal)
    closing = {
        (row["account_code"], row["currency"]): row["balance"] for row in ledger if row["line"] == "closing"
    }
    assert closing == {
        (page.account.code, page.account.currency): _decimal(page.closing, page.account.currency)
        for page in pack.general_ledger
    }


def _decimal(minor: int, currency: str) -> str:
    from ledger.api import to_decimal_string

    return to_decimal_string(minor, currency)


def test_a_cell_a_spreadsheet_would_run_is_quoted_as_text(chart, pack):
    from reports.auditor.csv_export import _text

    assert _text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _text("Bank (EUR)") == "Bank (EUR)"
