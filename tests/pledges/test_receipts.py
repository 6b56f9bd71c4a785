"""Receipts: one per contribution, e-mailed after the booking commits, to the right address, once."""

import logging
import shutil
import subprocess

import django
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from rest_framework.test import APIClient

from ledger.models import Entry
from pledges import documents
from pledges.models import Contribution, Pledge, Receipt, ReceiptEmail
from pledges.tasks import receipts_send_pending_task
from tests.api.conftest import post_entry
from tests.pledges.helpers import PLEDGES, deliver
from vault.api import SubjectKind, SubjectRef, access_log_list

EMAIL = "amal.giver@example.org"
OTHER_EMAIL = "someone.else@example.org"


def _give(client: APIClient, campaign, *, email: str | None = None, method: str = "card", **terms) -> dict:
    body = {"campaign": campaign.slug, "amount": "1000.00", "currency": "MXN", "frequency": "once"}
    body |= terms | {"method": method}
    if email:
        body["email"] = email
    response = client.post(PLEDGES, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _pay(fake_stripe, answer: dict) -> dict:
    """The donor pays: 1000.00 MXN, settled as 50.00 USD at 0.05, of which Stripe keeps 1.75."""
    pledge = Pledge.objects.get(public_id=answer["id"])
    return fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )


def _mailer(settings, backend: str) -> None:
    if django.VERSION >= (6, 1):
        settings.MAILERS = {"default": {"BACKEND": backend}}
    else:
        settings.EMAIL_BACKEND = backend


def test_a_card_gift_is_receipted_once_to_its_address_even_when_stripe_repeats_itself(
    fake_stripe, campaign, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    _give(APIClient(), campaign, email=OTHER_EMAIL)
    answer = _give(APIClient(), campaign, email=EMAIL)
    event = _pay(fake_stripe, answer)
    session = fake_stripe.objects[event["data"]["object"]["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(event).status_code == 200
        assert deliver(event).status_code == 200  # the same event again
        # Another event about the same payment, handled from scratch.
        assert (
            deliver(fake_stripe.event("checkout.session.async_payment_succeeded", session)).status_code == 200
        )
    receipt = Receipt.objects.get()
    assert receipt.contribution == Contribution.objects.get()
    assert (receipt.amount, receipt.currency, receipt.received_amount, receipt.received_currency) == (
        100000,
        "MXN",
        5000,
        "USD",
    )
    assert (receipt.email_status, receipt.email_attempts) == (ReceiptEmail.SENT, 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert receipt.number in message.subject
    assert "1,000.00 MXN" in message.body and "50.00 USD" in message.body
    assert OTHER_EMAIL not in message.body
    [(filename, pdf, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"receipt-{receipt.number}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")
    pledge = Pledge.objects.get(public_id=answer["id"])
    subject = SubjectRef(reference=pledge.donor_subject, kind=SubjectKind.DONOR)
    assert [(r.action, r.purpose) for r in access_log_list(subject=subject)] == [("open", "receipt")]
    assert f"Receipt {receipt.number} e-mailed" in caplog.text
    assert EMAIL not in caplog.text


def test_a_treasurer_recorded_transfer_is_receipted_to_the_donors_profile_address(
    treasurer, campaign, sign_up, django_capture_on_commit_callbacks
):
    donor = sign_up("amal", email=EMAIL, language="fr")
    answer = _give(donor, campaign, method="bank_transfer", amount="40.00", currency="EUR")
    body = {"method": "bank_transfer", "amount": "40.00", "currency": "EUR", "received_on": "2026-11-20"}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_entry(
            treasurer, {**body, "reference": answer["reference"]}, url="/api/v1/contributions/"
        )
    assert response.status_code == 201, response.content
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert "40,00 EUR" in mail.outbox[0].body  # the donor reads French
    receipt = donor.get("/api/v1/me/receipts/").json()["results"][0]
    assert receipt | {"number": "", "contribution": ""} == {
        "number": "",
        "issued_on": "2026-11-20",
        "campaign": campaign.slug,
        "pledge": answer["reference"],
        "contribution": "",
        "amount": "40.00",
        "currency": "EUR",
        "received_amount": "40.00",
        "received_currency": "EUR",
        "email_status": "sent",
    }


def test_no_receipt_is_issued_or_sent_for_a_gift_without_an_account_or_an_email(
    fake_stripe, campaign, django_capture_on_commit_callbacks
):
    answer = _give(APIClient(), campaign)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(_pay(fake_stripe, answer)).status_code == 200
    assert Contribution.objects.count() == 1
    assert Receipt.objects.count() == 0
    assert mail.outbox == []


def test_no_receipt_is_sent_after_the_email_is_erased(
    fake_stripe, campaign, sign_up, django_capture_on_commit_callbacks
):
    anonymous = _give(APIClient(), campaign, email=EMAIL)
    erased = APIClient().post(
        "/api/v1/pledges/manage/erase/", {"manage_code": anonymous["manage_code"]}, format="json"
    )
    assert erased.status_code == 200, erased.content
    donor = sign_up("amal", email=EMAIL)
    mine = _give(donor, campaign)
    assert donor.post("/api/v1/me/erase/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        for answer in (anonymous, mine):
            assert deliver(_pay(fake_stripe, answer)).status_code == 200
    assert mail.outbox == []
    # The account's donor can still download a receipt; nobody is e-mailed one.
    assert list(Receipt.objects.values_list("pledge__public_id", "email_status")) == [
        (Pledge.objects.get(public_id=mine["id"]).public_id, ReceiptEmail.NONE)
    ]


def test_an_email_erased_between_booking_and_sending_is_not_sent(
    fake_stripe, campaign, django_capture_on_commit_callbacks
):
    answer = _give(APIClient(), campaign, email=EMAIL)
    assert deliver(_pay(fake_stripe, answer)).status_code == 200  # committed; the e-mail not yet sent
    assert Receipt.objects.get().email_status == ReceiptEmail.PENDING
    APIClient().post("/api/v1/pledges/manage/erase/", {"manage_code": answer["manage_code"]}, format="json")
    assert receipts_send_pending_task() == 0
    assert Receipt.objects.get().email_status == ReceiptEmail.NONE
    assert mail.outbox == []


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_a_failed_send_keeps_the_booking_and_is_sent_by_the_retry(
    fake_stripe, campaign, settings, django_capture_on_commit_callbacks
):
    _mailer(settings, f"{__name__}.RefusingBackend")
    answer = _give(APIClient(), campaign, email=EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(_pay(fake_stripe, answer)).status_code == 200
    receipt = Receipt.objects.get()
    assert (receipt.email_status, receipt.email_attempts, receipt.email_error) == (
        ReceiptEmail.PENDING,
        1,
        "SMTPServerDisconnected",
    )
    assert Contribution.objects.count() == 1 and Entry.objects.count() == 1
    _mailer(settings, "django.core.mail.backends.locmem.EmailBackend")
    assert receipts_send_pending_task() == 1
    assert receipts_send_pending_task() == 0
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    receipt.refresh_from_db()
    assert (receipt.email_status, receipt.email_attempts) == (ReceiptEmail.SENT, 2)


def test_a_donor_downloads_their_receipt_as_a_pdf_that_shows_both_amounts(
    fake_stripe, campaign, sign_up, django_capture_on_commit_callbacks
):
    donor = sign_up("amal", display_name="Amal Marker", show_name=True)
    answer = _give(donor, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(_pay(fake_stripe, answer))
    number = Receipt.objects.get().number
    response = donor.get(f"/api/v1/me/receipts/{number}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) reads the PDF's text back")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    for expected in (number, "1,000.00 MXN", "50.00 USD", "Rent relief", answer["reference"]):
        assert expected in text, expected
    assert "Amal" not in text  # a receipt names no one


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ("Reçu", "Vous avez donné", "Nous avons reçu", "1 000,00 MXN", "Ce reçu ne nomme personne")),
        ("es", ("Recibo", "Usted donó", "Recibimos", "1.000,00 MXN", "Este recibo no nombra a nadie")),
        ("ar", ("إيصال", "مبلغ تبرعك", "مساعدة", "MXN")),
    ],
)
def test_the_receipt_speaks_the_donors_language_and_arabic_reads_right_to_left(
    fake_stripe, campaign, sign_up, django_capture_on_commit_callbacks, settings, language, words
):
    _mailer(settings, "django.core.mail.backends.locmem.EmailBackend")
    donor = sign_up("amal", email=EMAIL, language=language)
    answer = _give(donor, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(_pay(fake_stripe, answer))
    receipt = Receipt.objects.get()
    html = documents.receipt_html(receipt, language)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    [message] = mail.outbox
    assert message.subject == documents.receipt_subject(receipt, language)
    assert receipt.number in message.subject and message.subject != f"Your receipt {receipt.number}"
    assert words[0] in message.body and words[1] in message.body
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) reads the PDF's text back")
    text = subprocess.run(
        ["pdftotext", "-", "-"],
        input=donor.get(f"/api/v1/me/receipts/{receipt.number}/pdf/").content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for word in (*words, receipt.number, answer["reference"]):
        assert word in text, word
    assert "You gave" not in text


UNDELIVERED = "/api/v1/receipts/undelivered/"


def _resend(client: APIClient, number: str):
    return client.post(f"/api/v1/receipts/{number}/resend/")


def test_a_receipt_the_retries_gave_up_on_is_listed_for_treasurers_and_sent_again_by_one(
    fake_stripe, campaign, settings, treasurer, auditor, django_capture_on_commit_callbacks
):
    settings.RECEIPT_EMAIL_MAX_ATTEMPTS = 2
    _mailer(settings, f"{__name__}.RefusingBackend")
    answer = _give(APIClient(), campaign, email=EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(_pay(fake_stripe, answer)).status_code == 200
    assert receipts_send_pending_task() == 0  # second failure: the periodic retries give up
    assert receipts_send_pending_task() == 0
    receipt = Receipt.objects.get()
    assert receipt.email_attempts == 2

    listed = auditor.get(UNDELIVERED)
    assert listed.status_code == 200, listed.content
    [row] = listed.json()["results"]
    assert row == {
        "number": receipt.number,
        "issued_on": receipt.issued_on.isoformat(),
        "campaign": campaign.slug,
        "amount": "1000.00",
        "currency": "MXN",
        "email_status": "pending",
        "email_attempts": 2,
        "email_error": "SMTPServerDisconnected",
        "gave_up": True,
    }
    assert EMAIL not in listed.content.decode()  # never the address, nor a name

    assert _resend(auditor, receipt.number).status_code == 403  # auditors read only
    failed_again = _resend(treasurer, receipt.number)  # the mail server is still down
    assert failed_again.status_code == 200, failed_again.content
    assert (failed_again.json()["email_attempts"], failed_again.json()["gave_up"]) == (1, False)
    assert receipts_send_pending_task() == 0  # counted afresh: the periodic task tries it again
    receipt.refresh_from_db()
    assert receipt.email_attempts == 2

    _mailer(settings, "django.core.mail.backends.locmem.EmailBackend")
    sent = _resend(treasurer, receipt.number)
    assert sent.status_code == 200, sent.content
    assert sent.json()["email_status"] == "sent"
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert treasurer.get(UNDELIVERED).json()["results"] == []


def test_a_sent_or_addressless_receipt_is_not_sent_again_and_an_unknown_one_is_not_found(
    fake_stripe, campaign, treasurer, django_capture_on_commit_callbacks
):
    answer = _give(APIClient(), campaign, email=EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(_pay(fake_stripe, answer)).status_code == 200
    receipt = Receipt.objects.get()
    assert receipt.email_status == ReceiptEmail.SENT
    again = _resend(treasurer, receipt.number)
    assert again.status_code == 409
    assert again.json()["code"] == "receipt_not_undelivered"
    assert len(mail.outbox) == 1
    Receipt.objects.filter(pk=receipt.pk).update(email_status=ReceiptEmail.NONE, emailed_at=None)
    assert _resend(treasurer, receipt.number).json()["code"] == "receipt_not_undelivered"
    missing = _resend(treasurer, "NO-SUCH-RECEIPT")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert len(mail.outbox) == 1


def test_donors_and_strangers_cannot_see_undelivered_receipts(sign_up, db):
    assert APIClient().get(UNDELIVERED).status_code == 401
    assert sign_up().get(UNDELIVERED).status_code == 403
