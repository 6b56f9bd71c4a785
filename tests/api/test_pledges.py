"""Giving end to end through the API and the fake Stripe: pledge, checkout, webhook, books, progress."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from ledger.models import Entry
from ledger.selectors import account_balance
from pledges.models import Campaign, Contribution, Pledge, PledgeStatus, StripeEvent
from tests.api.conftest import post_entry
from tests.pledges.helpers import CAMPAIGNS, PLEDGES, books_verify, deliver


def test_a_card_pledge_in_pesos_settled_in_dollars_books_gross_fee_and_net_with_the_rate(
    fake_stripe, chart, campaign, pledge_card
):
    answer = pledge_card(amount="1000.00", currency="MXN")
    assert answer["checkout_url"].startswith("https://checkout.stripe.com/")
    assert answer["bank_transfer"] is None
    pledge = Pledge.objects.get(public_id=answer["id"])
    created = fake_stripe.posts("/v1/checkout/sessions")
    assert len(created) == 1
    form = created[0].form
    assert form["mode"] == "payment"
    assert form["line_items"]["0"]["price_data"] == {
        "currency": "mxn",
        "unit_amount": "100000",
        "product_data": {"name": "Rent relief"},
    }
    assert form["metadata"] == {"pledge": answer["id"]}
    assert created[0].idempotency_key  # derived from the pledge, so a retry sends the same one

    # 1000.00 MXN at 0.05 is 50.00 USD; Stripe keeps 1.75 USD.
    event = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    response = deliver(event)
    assert response.status_code == 200, response.content
    assert response.json() == {"event": event["id"], "status": "processed"}

    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.fee, contribution.currency) == (5000, 175, "USD")
    assert (contribution.presentment_amount, contribution.presentment_currency) == (100000, "MXN")
    assert contribution.exchange_rate == Decimal("0.05")
    entry = Entry.objects.get(pk=contribution.entry_id)
    assert entry.kind == "contribution"
    assert (entry.source_type, entry.source_id) == ("contribution", str(contribution.public_id))
    assert entry.fx_rate == Decimal("0.05")
    assert entry.fx_rate_source.startswith("stripe:txn_")
    fund = campaign.fund_id
    assert account_balance(account_id=chart.account("stripe_clearing", "USD").pk, fund_id=fund) == 4825
    assert account_balance(account_id=chart.account("processing_fees", "USD").pk, fund_id=fund) == 175
    assert account_balance(account_id=chart.account("donations_income", "USD").pk, fund_id=fund) == -5000
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FULFILLED

    progress = APIClient().get(f"{CAMPAIGNS}{campaign.slug}/").json()["progress"]
    assert progress["raised"] == [{"currency": "USD", "amount": "50.00"}]
    assert (progress["donors"], progress["committed"], progress["disbursed"]) == (1, [], [])
    assert books_verify() == []


def test_the_event_log_keeps_nothing_stripe_knows_about_the_donor(fake_stripe, campaign, pledge_card):
    answer = pledge_card()
    pledge = Pledge.objects.get(public_id=answer["id"])
    event = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    assert deliver(event).status_code == 200
    stored = str(list(StripeEvent.objects.values_list("payload", flat=True)))
    assert "donor@example.org" not in stored
    assert "Donor Name" not in stored


def test_a_bank_transfer_pledge_answers_with_instructions_and_a_unique_reference(campaign):
    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    first = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json").json()
    second = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json").json()
    assert first["checkout_url"] is None
    assert first["bank_transfer"]["reference"] == first["reference"]
    assert first["bank_transfer"]["amount"] == "25.00"
    assert first["reference"] != second["reference"]


def test_card_pledges_without_stripe_keys_are_refused_clearly_and_bank_pledges_still_work(campaign, settings):
    settings.STRIPE_SECRET_KEY = ""
    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    card = APIClient().post(PLEDGES, {**body, "method": "card"}, format="json")
    assert card.status_code == 422
    assert card["Content-Type"] == "application/problem+json"
    assert card.json()["code"] == "card_payments_not_configured"
    assert Pledge.objects.count() == 0
    bank = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json")
    assert bank.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"currency": "XYZ"}, 400, "invalid_currency"),
        ({"amount": "0"}, 400, "invalid_pledge"),
        ({"amount": "-5"}, 400, "validation_error"),
        ({"amount": "1.005"}, 400, "invalid_amount"),
        ({"amount": "1000000000"}, 400, "amount_above_maximum"),
        ({"campaign": "no-such-campaign"}, 404, "not_found"),
    ],
)
def test_bad_pledges_get_a_clear_problem_and_write_nothing(campaign, overrides, status, code):
    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    response = APIClient().post(PLEDGES, {**body, "method": "bank_transfer", **overrides}, format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Pledge.objects.count() == 0


def test_a_closed_campaign_takes_no_pledges(campaign):
    campaign.ends_on = campaign.starts_on
    campaign.save()
    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    response = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "campaign_closed"


def test_stripe_unreachable_is_a_503_problem_and_charges_nothing(campaign, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    body = {
        "campaign": campaign.slug,
        "amount": "25.00",
        "currency": "EUR",
        "frequency": "once",
        "method": "card",
    }
    response = APIClient().post(PLEDGES, body, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "payment_provider_unavailable"


def test_campaigns_are_public_and_show_no_donor_data(fake_stripe, campaign, pledge_card):
    answer = pledge_card()
    session = Pledge.objects.get(public_id=answer["id"]).stripe_checkout_session_id
    assert deliver(fake_stripe.checkout_complete(session, settled=("USD", 5000, 175))).status_code == 200
    listing = APIClient().get(CAMPAIGNS)
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "donor@example.org" not in text
    assert answer["id"] not in text
    assert answer["reference"] not in text
    assert listing.json()["results"][0]["slug"] == campaign.slug
    assert listing.json()["results"][0]["progress"]["donors"] == 1


def _recorded(treasurer, key=None, **body):
    document = {"method": "bank_transfer", "amount": "25.00", "currency": "EUR", "received_on": "2026-11-20"}
    return post_entry(treasurer, {**document, **body}, key=key, url="/api/v1/contributions/")


def test_a_bank_transfer_is_matched_to_its_pledge_by_reference_and_booked_to_the_bank(
    treasurer, chart, campaign
):
    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    pledge = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json").json()
    response = _recorded(treasurer, reference=pledge["reference"].lower())
    assert response.status_code == 201, response.content
    assert response.json()["pledge"] == pledge["reference"]
    assert response.json()["campaign"] == campaign.slug
    assert Pledge.objects.get(public_id=pledge["id"]).status == PledgeStatus.FULFILLED
    bank = chart.account("bank", "EUR")
    assert account_balance(account_id=bank.pk, fund_id=campaign.fund_id) == 2500
    entry = Entry.objects.get(pk=response.json()["entry"])
    assert entry.created_by_id is not None
    assert books_verify() == []


def test_recording_the_same_transfer_twice_with_one_key_books_it_once(treasurer, campaign):
    key = uuid.uuid4()
    first = _recorded(treasurer, key=key, campaign=campaign.slug)
    again = _recorded(treasurer, key=key, campaign=campaign.slug)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Contribution.objects.count() == 1


def test_money_with_an_unknown_reference_needs_the_campaign_named(treasurer, campaign):
    response = _recorded(treasurer, reference="TDM-NOPE-NOPE")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_pledge"
    cash = _recorded(treasurer, method="cash", reference="collection tin", campaign=campaign.slug)
    assert cash.status_code == 201
    assert cash.json()["pledge"] is None


def test_donors_see_only_their_own_pledges_and_anonymous_pledges_belong_to_nobody(client_for, campaign):
    body = {
        "campaign": campaign.slug,
        "amount": "25.00",
        "currency": "EUR",
        "frequency": "once",
        "method": "bank_transfer",
    }
    alice, bob = client_for("donor"), client_for("donor")
    mine = alice.post(PLEDGES, body, format="json").json()
    APIClient().post(PLEDGES, body, format="json")  # anonymous
    assert [p["id"] for p in alice.get(PLEDGES).json()["results"]] == [mine["id"]]
    assert bob.get(PLEDGES).json()["results"] == []
    assert bob.get(f"{PLEDGES}{mine['id']}/").status_code == 404
    assert alice.get(f"{PLEDGES}{mine['id']}/").status_code == 200
    assert APIClient().get(PLEDGES).status_code == 401
    anonymous = Pledge.objects.get(donor__isnull=True)
    assert anonymous.reference != mine["reference"]


def test_a_retried_checkout_sends_stripe_the_same_idempotency_key_and_gets_the_same_session(
    fake_stripe, campaign, pledge_card
):
    from pledges.services import pledge_checkout_start
    from pledges.stripe_gateway import stripe_key

    answer = pledge_card()
    pledge = Pledge.objects.get(public_id=answer["id"])
    # As if the process died after Stripe answered and before the session was saved.
    Pledge.objects.filter(pk=pledge.pk).update(checkout_url="", stripe_checkout_session_id=None)
    pledge_checkout_start(pledge=Pledge.objects.get(pk=pledge.pk))
    keys = [r.idempotency_key for r in fake_stripe.posts("/v1/checkout/sessions")]
    assert keys == [str(stripe_key("pledge", answer["id"], "checkout"))] * 2
    assert Pledge.objects.get(pk=pledge.pk).checkout_url == answer["checkout_url"]


CAMPAIGN_BODY = {
    "slug": "legal-aid",
    "title": {"en": "Legal aid", "fr": "Aide juridique"},
    "description": {"en": "Lawyers for people charged for who they are."},
    "goal": "20000.00",
    "goal_currency": "EUR",
    "starts_on": "2026-11-01",
}


def test_admins_create_campaigns_each_with_its_own_restricted_fund(client_for, chart):
    response = client_for("admin").post(CAMPAIGNS, CAMPAIGN_BODY, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["goal"] == "20000.00"
    assert response.json()["progress"] == {
        "raised": [],
        "raised_in_base": {"currency": "EUR", "amount": "0.00", "rates": [], "unconverted": []},
        "committed": [],
        "disbursed": [],
        "donors": 0,
    }
    fund = Campaign.objects.get(slug="legal-aid").fund
    assert (fund.code, fund.restricted) == ("campaign-legal-aid", True)
    again = client_for("admin").post(CAMPAIGNS, CAMPAIGN_BODY, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "campaign_exists"


def test_a_campaign_needs_no_description(client_for, chart):
    body = {key: value for key, value in CAMPAIGN_BODY.items() if key != "description"}
    response = client_for("admin").post(CAMPAIGNS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["description"] == {}


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": {"fr": "Aide juridique"}},
        {"title": {"en": "Legal aid", "xx": "?"}},
        {"goal": "0"},
        {"goal_currency": "XYZ"},
        {"ends_on": "2026-10-01"},
    ],
)
def test_a_campaign_without_an_english_title_a_goal_or_ordered_dates_is_refused(client_for, chart, overrides):
    response = client_for("admin").post(CAMPAIGNS, {**CAMPAIGN_BODY, **overrides}, format="json")
    assert response.status_code == 400, response.content
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("role", ["treasurer", "auditor", "donor", None])
def test_only_admins_create_campaigns(client_for, chart, role):
    response = client_for(role).post(CAMPAIGNS, CAMPAIGN_BODY, format="json")
    assert response.status_code == (401 if role is None else 403)
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("ending", ["expired", "async payment failed"])
def test_a_checkout_that_ends_unpaid_fails_the_pledge_and_books_nothing(
    fake_stripe, campaign, pledge_card, ending
):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    session = pledge.stripe_checkout_session_id
    if ending == "expired":
        event = fake_stripe.checkout_expire(session)
    else:
        assert deliver(fake_stripe.checkout_complete(session, paid=False)).status_code == 200
        event = fake_stripe.checkout_async_fail(session)
    assert deliver(event).status_code == 200
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FAILED
    assert not Contribution.objects.exists()
    assert not Entry.objects.exists()


def test_pledging_is_throttled_per_address_with_a_problem_response(campaign, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "pledges-create", "3/minute")
    cache.clear()
    body = {"campaign": campaign.slug, "amount": "5.00", "currency": "EUR", "frequency": "once"}
    answers = [
        APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json") for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[3]["Content-Type"] == "application/problem+json"
    assert answers[3].json()["code"] == "throttled"
    assert int(answers[3]["Retry-After"]) > 0
    assert Pledge.objects.count() == 3
    cache.clear()
