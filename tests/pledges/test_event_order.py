"""Events that arrive out of order end in the same state as in order: handlers re-read from Stripe."""

import random

import pytest

from ledger.selectors import account_balance
from pledges.models import Contribution, ContributionAdjustment, Pledge, PledgeStatus
from tests.pledges.helpers import books_verify, deliver


def _story(fake_stripe, pledge: Pledge) -> list[dict]:
    """Paid, partly refunded, the refund bounced, then a dispute the organisation lost."""
    paid = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    charge = fake_stripe.objects[fake_stripe.objects[pledge.stripe_checkout_session_id]["payment_intent"]][
        "latest_charge"
    ]
    refunded = fake_stripe.refund(charge, amount=20000)
    bounced = fake_stripe.refund_fail(fake_stripe.refunds_of(charge)[0])
    disputed = fake_stripe.dispute(charge, fee=1500)
    lost = fake_stripe.dispute_close(disputed["data"]["object"]["id"], won=False)
    return [paid, refunded, bounced, disputed, lost]


def _state(chart, campaign) -> tuple:
    balances = tuple(
        account_balance(account_id=chart.account(role, "USD").pk, fund_id=campaign.fund_id)
        for role in ("stripe_clearing", "processing_fees", "donations_income")
    )
    adjustments = sorted(ContributionAdjustment.objects.values_list("kind", "amount", "fee"))
    return Contribution.objects.count(), adjustments, balances, Pledge.objects.get().status


EXPECTED = (
    1,
    [("dispute_withdrawn", -5000, 1500), ("refund", -1000, 0), ("refund_failed", 1000, 0)],
    (5000 - 175 - 5000 - 1500, 175 + 1500, 0),
    PledgeStatus.FULFILLED,
)


@pytest.mark.parametrize("order", ["in order", "reversed", "shuffled 1", "shuffled 2", "shuffled 3"])
def test_a_pledges_events_in_any_order_end_in_the_same_state(
    fake_stripe, chart, campaign, pledge_card, order
):
    events = _story(fake_stripe, Pledge.objects.get(public_id=pledge_card()["id"]))
    if order == "reversed":
        events.reverse()
    elif order.startswith("shuffled"):
        random.Random(int(order.split()[1])).shuffle(events)
    for event in events + events[:2]:  # and a couple delivered twice
        assert deliver(event).status_code == 200
    assert _state(chart, campaign) == EXPECTED
    assert books_verify() == []
