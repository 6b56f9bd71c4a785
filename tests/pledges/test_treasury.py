"""Treasurers match money received without a reference to its pledge later, and record bank refunds."""

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from ledger.models import Entry
from ledger.selectors import account_balance
from pledges.exceptions import RefundNotPossible
from pledges.models import Contribution, ContributionAdjustment, ContributionMatch, Pledge, PledgeStatus
from pledges.services import campaign_create, contribution_refund_record
from tests.api.conftest import post_entry
from tests.pledges.helpers import PLEDGES, books_verify, deliver

CONTRIBUTIONS = "/api/v1/contributions/"
UNMATCHED = "/api/v1/contributions/unmatched/"


@pytest.fixture
def other_campaign(chart):
    return campaign_create(
        slug="legal-aid",
        title={"en": "Legal aid"},
        goal_amount=500_000,
        goal_currency="EUR",
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )


def _bank_pledge(campaign, amount="25.00", currency="EUR", frequency="once") -> dict:
    body = {"campaign": campaign.slug, "amount": amount, "currency": currency, "frequency": frequency}
    response = APIClient().post(PLEDGES, {**body, "method": "bank_transfer"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _received(treasurer, campaign, amount="25.00", currency="EUR", reference="transfer 4471") -> dict:
    response = _record(treasurer, campaign, None, amount=amount, currency=currency, reference=reference)
    assert response.status_code == 201, response.content
    return response.json()


def _match(treasurer, contribution_id: str, reference: str):
    return treasurer.post(f"{CONTRIBUTIONS}{contribution_id}/match/", {"reference": reference}, format="json")


def _refund(treasurer, contribution_id: str, key=None, **body):
    return post_entry(treasurer, body, key=key, url=f"{CONTRIBUTIONS}{contribution_id}/bank-refund/")


def _balances(chart, fund_id: int, currency: str = "EUR") -> tuple[int, int]:
    return (
        account_balance(account_id=chart.account("bank", currency).pk, fund_id=fund_id),
        account_balance(account_id=chart.account("donations_income", currency).pk, fund_id=fund_id),
    )


def test_money_without_a_reference_is_booked_at_once_and_waits_in_the_unmatched_list(
    treasurer, auditor, chart, campaign
):
    received = _received(treasurer, campaign)
    assert received["pledge"] is None
    assert _balances(chart, campaign.fund_id) == (2500, -2500)
    listed = auditor.get(UNMATCHED).json()["results"]
    assert [c["id"] for c in listed] == [received["id"]]
    assert listed[0]["matched_at"] is None


def test_matching_to_a_pledge_of_another_campaign_moves_the_money_to_its_fund_in_a_new_entry(
    treasurer, chart, campaign, other_campaign
):
    received = _received(treasurer, campaign)
    first_entry = Entry.objects.get(pk=received["entry"])
    pledge = _bank_pledge(other_campaign)

    response = _match(treasurer, received["id"], pledge["reference"].lower())

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["pledge"], body["campaign"]) == (pledge["reference"], other_campaign.slug)
    assert body["entry"] == first_entry.pk and body["matched_at"] is not None
    assert Pledge.objects.get(public_id=pledge["id"]).status == PledgeStatus.FULFILLED
    assert _balances(chart, campaign.fund_id) == (0, 0)
    assert _balances(chart, other_campaign.fund_id) == (2500, -2500)
    moved = Entry.objects.get(pk=body["reclassification_entry"])
    assert moved.kind == "fund_transfer" and moved.source_type == "contribution_match"
    assert sorted(p.amount for p in moved.postings.all()) == [-2500, -2500, 2500, 2500]
    # The first booking is untouched: corrections are new entries.
    assert Entry.objects.get(pk=first_entry.pk).memo == first_entry.memo
    assert treasurer.get(UNMATCHED).json()["results"] == []
    assert books_verify() == []


def test_matching_within_the_same_campaign_posts_nothing_and_makes_a_monthly_pledge_active(
    treasurer, chart, campaign
):
    received = _received(treasurer, campaign)
    pledge = _bank_pledge(campaign, frequency="monthly")
    entries = Entry.objects.count()
    response = _match(treasurer, received["id"], pledge["reference"])
    assert response.status_code == 200, response.content
    assert response.json()["reclassification_entry"] is None
    assert Entry.objects.count() == entries
    assert Pledge.objects.get(public_id=pledge["id"]).status == PledgeStatus.ACTIVE


def test_the_donor_sees_money_matched_to_their_pledge(client_for, treasurer, campaign):
    donor = client_for("donor")
    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    pledge = donor.post(PLEDGES, {**body, "method": "bank_transfer"}, format="json").json()
    received = _received(treasurer, campaign)
    assert _match(treasurer, received["id"], pledge["reference"]).status_code == 200
    detail = donor.get(f"{PLEDGES}{pledge['id']}/").json()
    assert [(c["id"], c["amount"], c["returned"]) for c in detail["contributions"]] == [
        (received["id"], "25.00", "0.00")
    ]


def test_matching_twice_is_refused_and_changes_nothing(treasurer, campaign, other_campaign):
    received = _received(treasurer, campaign)
    first, second = _bank_pledge(other_campaign), _bank_pledge(campaign)
    assert _match(treasurer, received["id"], first["reference"]).status_code == 200
    entries = Entry.objects.count()
    again = _match(treasurer, received["id"], second["reference"])
    assert again.status_code == 409
    assert again.json()["code"] == "contribution_already_matched"
    assert Entry.objects.count() == entries
    assert ContributionMatch.objects.get().pledge.reference == first["reference"]
    assert Pledge.objects.get(public_id=second["id"]).status == PledgeStatus.PENDING


def test_money_recorded_with_its_pledge_reference_is_matched_already(treasurer, campaign):
    pledge = _bank_pledge(campaign)
    received = _received(treasurer, campaign, reference=pledge["reference"])
    response = _match(treasurer, received["id"], _bank_pledge(campaign)["reference"])
    assert (response.status_code, response.json()["code"]) == (409, "contribution_already_matched")


def test_a_stripe_contribution_is_never_matched_by_hand(treasurer, fake_stripe, pledge_card, campaign):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id, settled=("USD", 5000, 175)))
    card = Contribution.objects.get()
    response = _match(treasurer, str(card.public_id), _bank_pledge(campaign)["reference"])
    assert (response.status_code, response.json()["code"]) == (409, "contribution_not_matchable")
    assert not ContributionMatch.objects.exists()


@pytest.mark.parametrize(
    ("reference", "status", "code"),
    [
        ("usd", 422, "pledge_currency_differs"),
        ("TDM-NOPE-NOPE", 422, "unknown_pledge_reference"),
        ("no spaces!", 400, "validation_error"),
    ],
)
def test_a_reference_of_another_currency_or_of_no_pledge_is_refused(
    treasurer, campaign, reference, status, code
):
    received = _received(treasurer, campaign)
    if reference == "usd":
        reference = _bank_pledge(campaign, currency="USD")["reference"]
    entries = Entry.objects.count()
    response = _match(treasurer, received["id"], reference)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Entry.objects.count() == entries
    assert not ContributionMatch.objects.exists()


def test_money_quoting_a_pledge_in_another_currency_is_not_matched_to_it(treasurer, campaign):
    pledge = _bank_pledge(campaign, currency="USD")
    body = {"method": "bank_transfer", "amount": "25.00", "currency": "EUR", "received_on": "2026-11-20"}
    response = post_entry(treasurer, {**body, "reference": pledge["reference"]}, url=CONTRIBUTIONS)
    assert (response.status_code, response.json()["code"]) == (422, "pledge_currency_differs")
    assert not Contribution.objects.exists()


def test_auditors_read_the_unmatched_list_but_only_treasurers_match(auditor, treasurer, campaign):
    received = _received(treasurer, campaign)
    assert auditor.get(UNMATCHED).status_code == 200
    response = _match(auditor, received["id"], _bank_pledge(campaign)["reference"])
    assert response.status_code == 403


def test_a_bank_refund_books_income_against_the_bank_and_never_more_than_is_left(treasurer, chart, campaign):
    received = _received(treasurer, campaign)
    part = _refund(treasurer, received["id"], amount="10.00", refunded_on="2026-11-21")
    assert part.status_code == 201, part.content
    assert (part.json()["amount"], part.json()["refunded_on"]) == ("10.00", "2026-11-21")
    entry = Entry.objects.get(pk=part.json()["entry"])
    assert entry.kind == "refund" and entry.created_by_id is not None
    assert _balances(chart, campaign.fund_id) == (1500, -1500)

    too_much = _refund(treasurer, received["id"], amount="15.01")
    assert (too_much.status_code, too_much.json()["code"]) == (409, "refund_not_possible")
    rest = _refund(treasurer, received["id"])
    assert rest.status_code == 201 and rest.json()["amount"] == "15.00"
    assert _balances(chart, campaign.fund_id) == (0, 0)
    nothing_left = _refund(treasurer, received["id"], amount="0.01")
    assert nothing_left.status_code == 409
    assert ContributionAdjustment.objects.count() == 2
    assert books_verify() == []


def test_a_bank_refund_with_one_key_twice_is_recorded_once_and_another_amount_is_refused(treasurer, campaign):
    received = _received(treasurer, campaign)
    key = uuid.uuid4()
    first = _refund(treasurer, received["id"], key=key, amount="5.00")
    again = _refund(treasurer, received["id"], key=key, amount="5.00")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = _refund(treasurer, received["id"], key=key, amount="6.00")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    assert ContributionAdjustment.objects.count() == 1


def test_another_treasurers_bank_refund_key_is_refused_not_answered_with_their_refund(
    treasurer, client_for, campaign
):
    received = _received(treasurer, campaign)
    key = uuid.uuid4()
    assert _refund(treasurer, received["id"], key=key, amount="5.00").status_code == 201

    response = _refund(client_for("treasurer"), received["id"], key=key, amount="5.00")

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_foreign")
    assert ContributionAdjustment.objects.count() == 1


def test_card_contributions_are_not_refunded_as_bank_money(treasurer, fake_stripe, pledge_card):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id, settled=("USD", 5000, 175)))
    response = _refund(treasurer, str(Contribution.objects.get().public_id), amount="1.00")
    assert (response.status_code, response.json()["code"]) == (409, "refund_not_possible")
    assert not ContributionAdjustment.objects.exists()


def test_a_refund_in_the_future_or_of_nothing_is_a_bad_request(treasurer, campaign):
    received = _received(treasurer, campaign)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert _refund(treasurer, received["id"], refunded_on=tomorrow).status_code == 400
    assert _refund(treasurer, received["id"], amount="0").status_code == 409
    assert _refund(treasurer, str(uuid.uuid4()), amount="1.00").status_code == 404


def test_matching_after_a_partial_refund_moves_only_what_is_left(treasurer, chart, campaign, other_campaign):
    received = _received(treasurer, campaign)
    assert _refund(treasurer, received["id"], amount="10.00").status_code == 201
    response = _match(treasurer, received["id"], _bank_pledge(other_campaign)["reference"])
    assert response.status_code == 200, response.content
    assert _balances(chart, campaign.fund_id) == (0, 0)
    assert _balances(chart, other_campaign.fund_id) == (1500, -1500)
    # Later refunds come out of the fund that holds the money now.
    assert _refund(treasurer, received["id"], amount="15.00").status_code == 201
    assert _balances(chart, other_campaign.fund_id) == (0, 0)
    assert books_verify() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_over_parallel_connections_never_give_back_more_than_was_received(
    campaign, make_user
):
    from pledges.services import contribution_record

    user, _token = make_user("treasurer")

    def cash(amount: int) -> Contribution:
        return contribution_record(
            idempotency_key=uuid.uuid4(),
            method="cash",
            amount=amount,
            currency="USD",
            received_on=timezone.localdate(),
            reference="",
            campaign_slug=campaign.slug,
            recorded_by=user,
        )[0]

    contribution = cash(10_000)
    cash(1_000_000)  # other money in the same bank and fund: the bank's floor alone would not stop them
    senders = 6
    start = threading.Barrier(senders)
    outcomes: list[str] = []

    def refund() -> None:
        try:
            start.wait(timeout=30)
            contribution_refund_record(
                contribution_id=contribution.public_id,
                amount=4_000,
                refunded_on=timezone.localdate(),
                idempotency_key=uuid.uuid4(),
                recorded_by=user,
            )
            outcomes.append("refunded")
        except RefundNotPossible:
            outcomes.append("refused")
        except Exception as error:  # anything else is a failure of the test
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refunded"] * 2 + ["refused"] * (senders - 2)
    assert sum(a.amount for a in ContributionAdjustment.objects.all()) == -8_000
    assert books_verify() == []


def test_money_matched_later_to_a_pledge_with_an_email_is_receipted_then_once(
    treasurer, campaign, django_capture_on_commit_callbacks
):
    from django.core import mail

    from pledges.models import Receipt

    body = {"campaign": campaign.slug, "amount": "25.00", "currency": "EUR", "frequency": "once"}
    answer = (
        APIClient()
        .post(PLEDGES, {**body, "method": "bank_transfer", "email": "late.giver@example.org"}, format="json")
        .json()
    )
    received = _received(treasurer, campaign, reference="no reference given")
    assert not Receipt.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert _match(treasurer, received["id"], answer["reference"]).status_code == 200
        assert _match(treasurer, received["id"], answer["reference"]).status_code == 409
    receipt = Receipt.objects.get()
    assert (receipt.contribution.public_id.hex, receipt.amount, receipt.currency) == (
        uuid.UUID(received["id"]).hex,
        2500,
        "EUR",
    )
    assert [message.to for message in mail.outbox] == [["late.giver@example.org"]]


def _record(client, campaign, key, **changes):
    """POST money received (a fresh Idempotency-Key when `key` is None)."""
    body = {
        "method": "bank_transfer",
        "amount": "25.00",
        "currency": "EUR",
        "received_on": "2026-11-20",
        "reference": "transfer 4471",
        "campaign": campaign.slug,
        **changes,
    }
    return post_entry(client, body, key=key, url=CONTRIBUTIONS)


def test_recording_money_again_with_its_key_returns_the_first_record(treasurer, campaign):
    key = uuid.uuid4()
    first, again = _record(treasurer, campaign, key), _record(treasurer, campaign, key)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Contribution.objects.count() == 1 and Entry.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "250.00"},
        {"currency": "USD"},
        {"received_on": "2026-11-21"},
        {"reference": "transfer 4472"},
        {"method": "cash"},
    ],
)
def test_a_retry_with_corrected_terms_under_the_same_key_is_refused_not_answered_with_the_first(
    treasurer, campaign, changes
):
    """A treasurer who fixes a typo and resends must learn that the first record stands, not be shown it."""
    key = uuid.uuid4()
    assert _record(treasurer, campaign, key).status_code == 201

    response = _record(treasurer, campaign, key, **changes)

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_conflict")
    assert Contribution.objects.get().amount == 2500
    assert Entry.objects.count() == 1


def test_the_same_key_for_another_campaign_is_refused(treasurer, campaign, other_campaign):
    key = uuid.uuid4()
    assert _record(treasurer, campaign, key).status_code == 201

    response = _record(treasurer, other_campaign, key)

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_conflict")
    assert Contribution.objects.get().campaign == campaign


def test_another_treasurers_key_is_refused(treasurer, client_for, campaign):
    key = uuid.uuid4()
    assert _record(treasurer, campaign, key).status_code == 201

    response = _record(client_for("treasurer"), campaign, key)

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_foreign")
    assert Contribution.objects.count() == 1
