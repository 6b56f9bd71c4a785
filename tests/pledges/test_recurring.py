"""A monthly pledge: a Stripe subscription whose paid invoices are contributions; donors can cancel it."""

from ledger.selectors import account_balance
from pledges.models import Contribution, Pledge, PledgeStatus
from tests.pledges.helpers import PLEDGES, books_verify, deliver


def test_three_paid_months_one_failed_then_cancelled_by_the_donor(
    fake_stripe, chart, campaign, pledge_card, client_for
):
    donor = client_for("donor")
    answer = pledge_card(amount="20.00", currency="USD", frequency="monthly", client=donor)
    session = fake_stripe.posts("/v1/checkout/sessions")[0].form
    assert session["mode"] == "subscription"
    assert session["line_items"]["0"]["price_data"]["recurring"] == {"interval": "month"}
    assert session["subscription_data"]["metadata"] == {"pledge": answer["id"]}
    pledge = Pledge.objects.get(public_id=answer["id"])
    assert pledge.donor is not None

    assert deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id)).status_code == 200
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE
    subscription = pledge.stripe_subscription_id
    for _month in range(3):
        assert deliver(fake_stripe.invoice_pay(subscription, settled=("USD", 2000, 88))).status_code == 200
    assert deliver(fake_stripe.invoice_pay(subscription, fail=True)).status_code == 200
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAST_DUE
    assert Contribution.objects.filter(pledge=pledge).count() == 3
    assert all(c.stripe_invoice_id for c in Contribution.objects.all())

    cancelled = donor.post(f"{PLEDGES}{answer['id']}/cancel/")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    deletes = [r for r in fake_stripe.requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/v1/subscriptions/{subscription}"]
    assert deletes[0].idempotency_key
    # Stripe then tells us the subscription is gone: nothing changes.
    assert (
        deliver(
            fake_stripe.event("customer.subscription.deleted", fake_stripe.objects[subscription])
        ).status_code
        == 200
    )
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CANCELLED
    assert donor.post(f"{PLEDGES}{answer['id']}/cancel/").json()["code"] == "pledge_not_cancellable"

    income = chart.account("donations_income", "USD")
    assert account_balance(account_id=income.pk, fund_id=campaign.fund_id) == -6000
    assert books_verify() == []


def test_another_donor_cannot_cancel_my_pledge(fake_stripe, campaign, pledge_card, client_for):
    mine = pledge_card(amount="20.00", currency="USD", frequency="monthly", client=client_for("donor"))
    response = client_for("donor").post(f"{PLEDGES}{mine['id']}/cancel/")
    assert response.status_code == 404
    assert Pledge.objects.get().status == PledgeStatus.PENDING


def test_a_one_time_pledge_cannot_be_cancelled(fake_stripe, campaign, pledge_card, client_for):
    donor = client_for("donor")
    once = pledge_card(amount="20.00", currency="USD", client=donor)
    assert donor.post(f"{PLEDGES}{once['id']}/cancel/").status_code == 409


def test_a_donor_sees_what_they_gave_against_a_pledge_and_what_came_back(
    fake_stripe, campaign, pledge_card, client_for
):
    donor = client_for("donor")
    answer = pledge_card(amount="1000.00", currency="MXN", client=donor)
    pledge = Pledge.objects.get(public_id=answer["id"])
    deliver(
        fake_stripe.checkout_complete(
            pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
        )
    )
    charge = Contribution.objects.get().stripe_charge_id
    deliver(fake_stripe.refund(charge, amount=20000))
    detail = donor.get(f"{PLEDGES}{answer['id']}/").json()
    assert detail["contributions"] == [
        {
            "id": str(Contribution.objects.get().public_id),
            "amount": "1000.00",
            "currency": "MXN",
            "received_on": detail["contributions"][0]["received_on"],
            "returned": "10.00",
            "settled_currency": "USD",
        }
    ]
