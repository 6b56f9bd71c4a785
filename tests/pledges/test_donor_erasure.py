"""A donor erases their name and e-mail: gone from every table, while their money stays in the books."""

from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import Entry
from pledges.models import Contribution, DonorProfile, Pledge, Receipt
from pledges.selectors import campaign_progress
from tests.ledger.rawsql import as_superuser
from tests.pledges.helpers import CAMPAIGNS, books_verify, deliver
from vault.api import SubjectKind, SubjectRef, subject_is_erased

NAME_MARKER = "Marker-Name-7Q2Z"
EMAIL_MARKER = "marker-mail-7q2z@example.org"


def _tables_containing(needle: str) -> list[str]:
    """Every table whose rows, read as text, hold the needle (any case), or in a bytea column its bytes."""
    found = []
    hex_needle = needle.encode().hex()
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) "
            "FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {table} t "
                "WHERE strpos(lower(t::text), lower(%s)) > 0 OR strpos(t::text, %s) > 0",
                [needle, hex_needle],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_erasure_leaves_no_plaintext_anywhere_and_the_books_unchanged(
    fake_stripe, campaign, pledge_card, sign_up, django_capture_on_commit_callbacks
):
    donor = sign_up("erasable", display_name=NAME_MARKER, email=EMAIL_MARKER, show_name=True)
    answers = [pledge_card(client=donor), pledge_card(amount="500.00", client=donor)]
    donor.post(
        "/api/v1/pledges/",
        {
            "campaign": campaign.slug,
            "amount": "5.00",
            "currency": "EUR",
            "frequency": "once",
            "method": "bank_transfer",
            "email": EMAIL_MARKER,
        },
        format="json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        for answer in answers:
            pledge = Pledge.objects.get(public_id=answer["id"])
            deliver(
                fake_stripe.checkout_complete(
                    pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
                )
            )
    assert len(mail.outbox) == 2
    supporters = f"{CAMPAIGNS}{campaign.slug}/supporters/"
    assert APIClient().get(supporters).json()["named"] == [NAME_MARKER]
    progress_before = campaign_progress([campaign])[campaign.pk]
    # Sealed, the markers were never in a row in clear.
    assert _tables_containing(NAME_MARKER) == []
    assert _tables_containing(EMAIL_MARKER) == []

    erased = donor.post("/api/v1/me/erase/")
    assert erased.status_code == 200, erased.content
    assert erased.json() == {"erased": True, "pledges": 3}

    profile = DonorProfile.objects.get()
    assert (profile.subject, profile.name_sealed, profile.email_sealed, profile.show_name) == (
        None,
        None,
        None,
        False,
    )
    assert profile.erased_at is not None
    for pledge in Pledge.objects.all():
        assert pledge.email_sealed is None
        if pledge.donor_subject:
            assert subject_is_erased(
                subject=SubjectRef(reference=pledge.donor_subject, kind=SubjectKind.DONOR)
            )
    assert donor.get("/api/v1/me/profile/").json()["display_name"] is None
    assert APIClient().get(supporters).json() == {"named": [], "others": 1}
    # The money stays: contributions, receipts, entries, totals, and a verifying ledger.
    assert Contribution.objects.count() == 2 and Receipt.objects.count() == 2 and Entry.objects.count() == 2
    assert len(donor.get("/api/v1/me/receipts/").json()["results"]) == 2
    assert campaign_progress([campaign])[campaign.pk] == progress_before
    assert books_verify() == []
    assert _tables_containing(NAME_MARKER) == []
    assert _tables_containing(EMAIL_MARKER) == []


def test_a_profile_subject_shredded_stays_shredded_and_a_new_name_gets_a_new_subject(sign_up):
    donor = sign_up("erasable", display_name=NAME_MARKER)
    old = DonorProfile.objects.get().subject
    donor.post("/api/v1/me/erase/")
    assert subject_is_erased(subject=SubjectRef(reference=old, kind=SubjectKind.DONOR))
    changed = donor.patch("/api/v1/me/profile/", {"display_name": "New Name"}, format="json")
    assert changed.json()["display_name"] == "New Name"
    assert DonorProfile.objects.get().subject not in (None, old)


def test_erasing_twice_is_harmless(sign_up):
    donor = sign_up("erasable", email=EMAIL_MARKER)
    assert donor.post("/api/v1/me/erase/").status_code == 200
    assert donor.post("/api/v1/me/erase/").status_code == 200
    assert APIClient().post("/api/v1/me/erase/").status_code == 401


USERNAME_MARKER = "amal-haddad-7q2z"


def test_closing_an_account_leaves_no_username_name_or_e_mail_anywhere_and_nobody_can_sign_in(
    fake_stripe, campaign, pledge_card, sign_up
):
    """The username a donor chose may be their name: a closed account keeps a random one."""
    from tests.pledges.conftest import PASSWORD

    donor = sign_up(USERNAME_MARKER, display_name=NAME_MARKER, email=EMAIL_MARKER, show_name=True)
    pledge = Pledge.objects.get(public_id=pledge_card(client=donor)["id"])
    paid = fake_stripe.checkout_complete(pledge.stripe_checkout_session_id, settled=("USD", 5000, 175))
    assert deliver(paid).status_code == 200
    entries = Entry.objects.count()
    APIClient().post("/api/v1/auth/token/", {"username": USERNAME_MARKER, "password": "wrong"}, format="json")
    signed_in = APIClient().post(
        "/api/v1/auth/token/", {"username": USERNAME_MARKER, "password": PASSWORD}, format="json"
    )
    assert signed_in.status_code == 200, signed_in.content  # sign-ins are logged under the username

    response = donor.post("/api/v1/me/close/")

    assert response.status_code == 200, response.content
    assert response.json() == {"erased": True, "pledges": 1}
    for needle in (USERNAME_MARKER, NAME_MARKER, EMAIL_MARKER):
        assert _tables_containing(needle) == [], needle
    assert donor.get("/api/v1/me/pledges/").status_code == 401  # the token is gone
    signing_in = APIClient().post(
        "/api/v1/auth/token/", {"username": USERNAME_MARKER, "password": PASSWORD}, format="json"
    )
    assert signing_in.status_code in (400, 401)
    pledge.refresh_from_db()
    assert pledge.donor is not None and not pledge.donor.is_active
    assert pledge.donor.username.startswith("closed-")
    assert Entry.objects.count() == entries and Contribution.objects.filter(pledge=pledge).exists()
    books_verify()


def test_an_account_with_a_running_monthly_pledge_is_not_closed(fake_stripe, campaign, pledge_card, sign_up):
    donor = sign_up(USERNAME_MARKER, display_name=NAME_MARKER)
    pledge_card(frequency="monthly", client=donor)

    response = donor.post("/api/v1/me/close/")

    assert (response.status_code, response.json()["code"]) == (409, "monthly_pledge_running")
    assert donor.get("/api/v1/me/profile/").status_code == 200  # nothing changed
    assert not DonorProfile.objects.filter(erased_at__isnull=False).exists()
