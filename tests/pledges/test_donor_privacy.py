"""A donor's e-mail is sealed by the vault: never in clear in a row, at Stripe or in a log; erasable."""

import logging

from django.db import connection
from rest_framework.test import APIClient

from ledger.models import Entry
from pledges.models import Contribution, Pledge
from pledges.services import pledge_email_open
from tests.pledges.helpers import CAMPAIGNS, PLEDGES, books_verify, deliver
from vault.api import SubjectKind, SubjectRef, access_log_list

EMAIL = "sami.donor@example.org"


def _give(client, campaign, method: str = "card") -> dict:
    body = {
        "campaign": campaign.slug,
        "amount": "1000.00",
        "currency": "MXN",
        "frequency": "once",
        "method": method,
        "email": EMAIL,
    }
    response = client.post(PLEDGES, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _rows_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT p::text FROM pledges_pledge p")
        return " ".join(row[0] for row in cursor.fetchall())


def test_the_e_mail_is_kept_only_sealed_and_opened_with_a_logged_purpose(fake_stripe, campaign, caplog):
    caplog.set_level(logging.DEBUG)
    answer = _give(APIClient(), campaign)
    assert answer["email_on_file"] is True
    assert EMAIL not in str(answer)
    assert EMAIL not in _rows_text()
    assert EMAIL.encode() not in bytes(Pledge.objects.get().email_sealed)
    assert EMAIL not in str([r.form for r in fake_stripe.requests])
    assert EMAIL not in caplog.text
    pledge = Pledge.objects.get()
    assert pledge_email_open(pledge=pledge, reader_id=None, purpose="receipt") == EMAIL
    subject = SubjectRef(reference=pledge.donor_subject, kind=SubjectKind.DONOR)
    assert [(r.action, r.purpose) for r in access_log_list(subject=subject)] == [("open", "receipt")]
    assert EMAIL not in APIClient().get(CAMPAIGNS).content.decode()


def test_a_donor_erases_their_e_mail_and_the_money_stays_in_the_books(fake_stripe, campaign, client_for):
    donor = client_for("donor")
    answer = _give(donor, campaign)
    pledge = Pledge.objects.get()
    event = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    assert deliver(event).status_code == 200
    erased = donor.post(f"{PLEDGES}{answer['id']}/erase/")
    assert erased.status_code == 200, erased.content
    assert erased.json()["email_on_file"] is False
    pledge.refresh_from_db()
    assert pledge_email_open(pledge=pledge, reader_id=None, purpose="receipt") is None
    assert Contribution.objects.count() == 1
    assert Entry.objects.count() == 1
    assert books_verify() == []


def test_nobody_else_erases_a_donors_pledge(fake_stripe, campaign, client_for):
    answer = _give(client_for("donor"), campaign, method="bank_transfer")
    assert client_for("donor").post(f"{PLEDGES}{answer['id']}/erase/").status_code == 404
    assert APIClient().post(f"{PLEDGES}{answer['id']}/erase/").status_code == 401
    assert Pledge.objects.get().email_sealed is not None


def test_a_pledge_without_an_e_mail_keeps_no_subject(campaign):
    body = {"campaign": campaign.slug, "amount": "5.00", "currency": "EUR", "frequency": "once"}
    answer = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json").json()
    assert answer["email_on_file"] is False
    assert Pledge.objects.get().donor_subject is None


def test_the_event_log_keeps_nothing_of_the_card_or_of_dispute_evidence(fake_stripe, campaign):
    """Last four digits, expiry and fingerprint tie a gift to the card in a donor's wallet: never kept."""
    from pledges.models import StripeEvent

    pledge = Pledge.objects.get(public_id=_give(APIClient(), campaign)["id"])
    paid = fake_stripe.checkout_complete(pledge.stripe_checkout_session_id, settled=("USD", 5000, 175))
    assert deliver(paid).status_code == 200
    charge = fake_stripe.objects[Contribution.objects.get().stripe_charge_id]
    card = charge["payment_method_details"]["card"]
    assert deliver(fake_stripe.event("charge.refunded", charge)).status_code == 200
    dispute = {
        "id": "dp_evidence",
        "object": "dispute",
        "charge": charge["id"],
        "evidence": {"customer_email_address": EMAIL, "customer_purchase_ip": "203.0.113.77"},
    }
    deliver(fake_stripe.event("charge.dispute.updated", dispute))

    with connection.cursor() as cursor:
        cursor.execute("SELECT payload::text FROM pledges_stripeevent")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert StripeEvent.objects.filter(type="charge.refunded").exists()
    for needle in (card["fingerprint"], f'"{card["last4"]}"', EMAIL, "203.0.113.77"):
        assert needle not in stored, needle
