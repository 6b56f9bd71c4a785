"""Donors with an account: sign up without an e-mail, keep a small profile, see only their own giving."""

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from pledges.models import DonorProfile
from tests.pledges.conftest import DONORS, PASSWORD
from tests.pledges.helpers import PLEDGES, deliver
from vault.api import SubjectKind, SubjectRef, access_log_list

PROFILE = "/api/v1/me/profile/"
NAME, EMAIL = "Rania K.", "rania.k@example.org"


def _rows_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")
        return " ".join(row[0] for row in cursor.fetchall())


def test_a_donor_signs_up_with_a_username_and_password_only(db):
    response = APIClient().post(DONORS, {"username": "quiet-giver", "password": PASSWORD}, format="json")
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"username", "token", "expiry"}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    profile = client.get(PROFILE).json()
    assert profile == {
        "country": "",
        "language": "en",
        "currency": "",
        "show_name": False,
        "display_name": None,
        "email": None,
        "erased_at": None,
    }


def test_a_taken_username_or_a_weak_password_is_a_problem_and_makes_no_account(sign_up):
    sign_up("quiet-giver")
    taken = APIClient().post(DONORS, {"username": "Quiet-Giver", "password": PASSWORD}, format="json")
    assert (taken.status_code, taken.json()["code"]) == (409, "username_taken")
    weak = APIClient().post(DONORS, {"username": "another", "password": "123"}, format="json")
    assert (weak.status_code, weak.json()["code"]) == (400, "invalid_donor_profile")
    assert DonorProfile.objects.count() == 1


def test_the_profile_keeps_country_language_currency_and_seals_name_and_email(sign_up):
    donor = sign_up("quiet-giver", country="DE", language="ar", currency="EUR")
    changed = donor.patch(PROFILE, {"display_name": NAME, "email": EMAIL, "show_name": True}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json() | {"erased_at": None} == {
        "country": "DE",
        "language": "ar",
        "currency": "EUR",
        "show_name": True,
        "display_name": NAME,
        "email": EMAIL,
        "erased_at": None,
    }
    text = _rows_text("pledges_donorprofile")
    assert NAME not in text and EMAIL not in text
    profile = DonorProfile.objects.get()
    subject = SubjectRef(reference=profile.subject, kind=SubjectKind.DONOR)
    # Reading your own profile is logged as such: the donor read it, for themselves.
    assert {(r.action, r.field, r.purpose) for r in access_log_list(subject=subject)} == {
        ("open", "display_name", "donor_own"),
        ("open", "email", "donor_own"),
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"country": "XX"}, "invalid_donor_profile"),
        ({"country": "de"}, "validation_error"),
        ({"currency": "ABC"}, "invalid_currency"),
        ({"language": "tlh"}, "validation_error"),
        ({"show_name": True}, "invalid_donor_profile"),
        ({"email": "not an address"}, "validation_error"),
        ({"is_staff": True}, "validation_error"),
    ],
)
def test_a_bad_profile_change_is_a_problem_and_changes_nothing(sign_up, body, code):
    donor = sign_up("quiet-giver", country="FR")
    response = donor.patch(PROFILE, body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, code), response.content
    assert DonorProfile.objects.get().country == "FR"
    assert DonorProfile.objects.get().show_name is False


def test_the_database_refuses_a_shown_name_that_does_not_exist_and_codes_that_are_not_iso(sign_up):
    sign_up("quiet-giver")
    for column, value in (("show_name", "true"), ("country", "'de'"), ("currency", "'eur'")):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE pledges_donorprofile SET {column} = {value}")


def test_a_donor_sees_only_their_own_pledges_contributions_and_receipts(
    fake_stripe, campaign, pledge_card, sign_up, django_capture_on_commit_callbacks
):
    me, other = sign_up("myself", email=EMAIL), sign_up("other")
    mine = pledge_card(client=me)
    theirs = pledge_card(client=other)
    from pledges.models import Pledge

    with django_capture_on_commit_callbacks(execute=True):
        for answer in (mine, theirs):
            pledge = Pledge.objects.get(public_id=answer["id"])
            deliver(
                fake_stripe.checkout_complete(
                    pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
                )
            )
    assert [p["id"] for p in me.get("/api/v1/me/pledges/").json()["results"]] == [mine["id"]]
    contributions = me.get("/api/v1/me/contributions/").json()["results"]
    assert [(c["campaign"], c["pledge"], c["amount"], c["currency"]) for c in contributions] == [
        (campaign.slug, mine["reference"], "1000.00", "MXN")
    ]
    receipts = me.get("/api/v1/me/receipts/").json()["results"]
    assert [r["pledge"] for r in receipts] == [mine["reference"]]
    theirs_receipt = other.get("/api/v1/me/receipts/").json()["results"][0]["number"]
    for path in (f"/api/v1/me/receipts/{theirs_receipt}/", f"/api/v1/me/receipts/{theirs_receipt}/pdf/"):
        response = me.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert APIClient().get("/api/v1/me/receipts/").status_code == 401


def test_staff_are_not_donors_and_see_no_donor_endpoints(client_for):
    assert client_for("treasurer").get(PROFILE).status_code == 403
    assert client_for("requester").get("/api/v1/me/receipts/").status_code == 403


def test_a_pledge_made_while_signed_in_has_no_manage_code(sign_up, campaign):
    body = {"campaign": campaign.slug, "amount": "5.00", "currency": "EUR", "frequency": "once"}
    answer = sign_up().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json").json()
    assert answer["manage_code"] is None


def test_a_donor_account_without_a_profile_reads_the_defaults_and_writes_nothing(client_for):
    donor = client_for("donor")
    assert donor.get(PROFILE).json()["show_name"] is False
    assert DonorProfile.objects.count() == 0
    assert donor.patch(PROFILE, {"country": "BR"}, format="json").json()["country"] == "BR"
    assert DonorProfile.objects.count() == 1
