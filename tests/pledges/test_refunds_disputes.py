"""Refunds, failed refunds and disputes are new entries; the fund always holds what the books say."""

import pytest

from ledger.models import Entry
from ledger.selectors import account_balance
from pledges.models import AdjustmentKind, Contribution, ContributionAdjustment, Pledge
from tests.pledges.helpers import books_verify, deliver

GROSS, FEE = 5000, 175  # 50.00 USD settled from 1000.00 MXN, Stripe keeps 1.75


@pytest.fixture
def charge_id(fake_stripe, pledge_card) -> str:
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    assert (
        deliver(
            fake_stripe.checkout_complete(
                pledge.stripe_checkout_session_id, settled=("USD", GROSS, FEE), rate="0.05"
            )
        ).status_code
        == 200
    )
    return Contribution.objects.get().stripe_charge_id


def balances(chart, campaign) -> dict[str, int]:
    return {
        role: account_balance(account_id=chart.account(role, "USD").pk, fund_id=campaign.fund_id)
        for role in ("stripe_clearing", "processing_fees", "donations_income")
    }


def assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign) -> None:
    """What the fund holds in Stripe = contributions - refunds - dispute losses - fees, from our own rows."""
    contributions = sum(c.amount - c.fee for c in Contribution.objects.all())
    adjustments = sum(a.amount - a.fee for a in ContributionAdjustment.objects.all())
    assert balances(chart, campaign)["stripe_clearing"] == contributions + adjustments
    assert books_verify() == []


def test_a_full_refund_takes_the_gross_back_out_of_income_and_clearing(
    fake_stripe, chart, campaign, charge_id
):
    assert deliver(fake_stripe.refund(charge_id)).status_code == 200
    refund = ContributionAdjustment.objects.get()
    assert (refund.kind, refund.amount, refund.fee) == (AdjustmentKind.REFUND, -GROSS, 0)
    assert Entry.objects.get(pk=refund.entry_id).kind == "refund"
    assert balances(chart, campaign) == {
        "stripe_clearing": -FEE,
        "processing_fees": FEE,
        "donations_income": 0,
    }
    assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign)


def test_partial_refunds_are_booked_one_entry_each(fake_stripe, chart, campaign, charge_id):
    deliver(fake_stripe.refund(charge_id, amount=20000))  # 200.00 of 1000.00 MXN: 10.00 USD
    deliver(fake_stripe.refund(charge_id, amount=30000))  # another 15.00 USD
    assert sorted(a.amount for a in ContributionAdjustment.objects.all()) == [-1500, -1000]
    assert balances(chart, campaign)["donations_income"] == -(GROSS - 2500)
    assert Entry.objects.count() == 3
    assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign)


def test_a_failed_refund_puts_the_money_back(fake_stripe, chart, campaign, charge_id):
    deliver(fake_stripe.refund(charge_id))
    refund_id = fake_stripe.refunds_of(charge_id)[0]
    assert deliver(fake_stripe.refund_fail(refund_id)).status_code == 200
    kinds = sorted(ContributionAdjustment.objects.values_list("kind", "amount"))
    assert kinds == [(AdjustmentKind.REFUND, -GROSS), (AdjustmentKind.REFUND_FAILED, GROSS)]
    assert balances(chart, campaign) == {
        "stripe_clearing": GROSS - FEE,
        "processing_fees": FEE,
        "donations_income": -GROSS,
    }
    assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign)


def test_a_lost_dispute_withdraws_the_gross_and_the_dispute_fee(fake_stripe, chart, campaign, charge_id):
    created = fake_stripe.dispute(charge_id, fee=1500)
    deliver(created)
    deliver(fake_stripe.dispute_close(created["data"]["object"]["id"], won=False))
    withdrawn = ContributionAdjustment.objects.get()
    assert (withdrawn.kind, withdrawn.amount, withdrawn.fee) == (
        AdjustmentKind.DISPUTE_WITHDRAWN,
        -GROSS,
        1500,
    )
    assert balances(chart, campaign) == {
        "stripe_clearing": GROSS - FEE - GROSS - 1500,
        "processing_fees": FEE + 1500,
        "donations_income": 0,
    }
    assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign)


def test_a_won_dispute_reinstates_the_gross_and_the_fee(fake_stripe, chart, campaign, charge_id):
    created = fake_stripe.dispute(charge_id, fee=1500)
    deliver(created)
    deliver(fake_stripe.dispute_close(created["data"]["object"]["id"], won=True))
    assert sorted(ContributionAdjustment.objects.values_list("kind", flat=True)) == [
        AdjustmentKind.DISPUTE_REINSTATED,
        AdjustmentKind.DISPUTE_WITHDRAWN,
    ]
    assert balances(chart, campaign) == {
        "stripe_clearing": GROSS - FEE,
        "processing_fees": FEE,
        "donations_income": -GROSS,
    }
    assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign)


def test_contribution_rows_cannot_be_edited_or_deleted(charge_id):
    from django.db import ProgrammingError, transaction

    contribution = Contribution.objects.get()
    for change in (
        lambda: Contribution.objects.filter(pk=contribution.pk).update(fee=0),
        contribution.delete,
    ):
        with pytest.raises(ProgrammingError), transaction.atomic():
            change()


def _refund(client, contribution, key=None, **body):
    from tests.api.conftest import post_entry

    return post_entry(client, body, key=key, url=f"/api/v1/contributions/{contribution.public_id}/refund/")


def test_a_treasurer_refunds_part_of_a_card_contribution_through_stripe(
    fake_stripe, chart, campaign, charge_id, client_for
):
    import uuid

    treasurer, key = client_for("treasurer"), uuid.uuid4()
    contribution = Contribution.objects.get()
    response = _refund(treasurer, contribution, key=key, amount="200.00")  # MXN, as the donor paid
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "200.00"
    sent = fake_stripe.posts("/v1/refunds")
    assert [(r.form["charge"], r.form["amount"]) for r in sent] == [(charge_id, "20000")]
    assert sent[0].idempotency_key
    assert "metadata" in sent[0].form and "name" not in str(sent[0].form)
    assert ContributionAdjustment.objects.get().amount == -1000  # booked at once, in USD
    # The same request again asks Stripe nothing; the webhook that follows books nothing new.
    assert _refund(treasurer, contribution, key=key, amount="200.00").status_code == 200
    assert len(fake_stripe.posts("/v1/refunds")) == 1
    assert deliver(fake_stripe.event("charge.refunded", fake_stripe.objects[charge_id])).status_code == 200
    assert ContributionAdjustment.objects.count() == 1
    too_much = _refund(treasurer, contribution, amount="900.00")
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "refund_not_possible"
    assert _refund(treasurer, contribution).json()["amount"] == "800.00"  # the rest
    assert_fund_holds_contributions_less_refunds_losses_and_fees(chart, campaign)


def test_only_treasurers_refund(fake_stripe, charge_id, client_for):
    contribution = Contribution.objects.get()
    for role in ("auditor", "admin", "donor"):
        assert _refund(client_for(role), contribution).status_code == 403
    assert not fake_stripe.posts("/v1/refunds")


def test_a_card_refund_resent_under_its_key_with_another_amount_is_refused_not_answered_with_the_first(
    fake_stripe, charge_id, client_for
):
    """A treasurer who typed 20.00 for 200.00 and resent the corrected body must learn the first stands."""
    import uuid

    treasurer, key = client_for("treasurer"), uuid.uuid4()
    contribution = Contribution.objects.get()
    assert _refund(treasurer, contribution, key=key, amount="20.00").status_code == 201

    response = _refund(treasurer, contribution, key=key, amount="200.00")

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_conflict")
    assert [r.form["amount"] for r in fake_stripe.posts("/v1/refunds")] == ["2000"]


def test_another_treasurers_card_refund_key_is_refused(fake_stripe, charge_id, client_for):
    import uuid

    key = uuid.uuid4()
    contribution = Contribution.objects.get()
    assert _refund(client_for("treasurer"), contribution, key=key, amount="20.00").status_code == 201

    response = _refund(client_for("treasurer"), contribution, key=key, amount="20.00")

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_foreign")
    assert len(fake_stripe.posts("/v1/refunds")) == 1
