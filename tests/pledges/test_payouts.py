"""Stripe payouts move each fund's money from Stripe clearing to the bank; a failed one moves it back."""

from ledger.selectors import account_balance
from pledges.models import Contribution, Pledge, StripePayoutBooking
from tests.pledges.helpers import books_verify, deliver


def test_a_paid_payout_moves_the_net_from_clearing_to_the_bank_and_a_failed_one_back(
    fake_stripe, chart, campaign, pledge_card
):
    for _ in range(2):
        pledge = Pledge.objects.get(public_id=pledge_card(amount="50.00", currency="USD")["id"])
        deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id, settled=("USD", 5000, 175)))
    bts = list(Contribution.objects.values_list("stripe_balance_transaction_id", flat=True))
    paid = fake_stripe.payout(currency="USD", balance_transactions=bts)
    assert deliver(paid).status_code == 200
    assert deliver(paid).status_code == 200
    clearing, bank = chart.account("stripe_clearing", "USD"), chart.account("bank", "USD")
    assert account_balance(account_id=bank.pk, fund_id=campaign.fund_id) == 2 * 4825
    assert account_balance(account_id=clearing.pk, fund_id=campaign.fund_id) == 0

    deliver(fake_stripe.payout_fail(paid["data"]["object"]["id"]))
    assert account_balance(account_id=bank.pk, fund_id=campaign.fund_id) == 0
    assert account_balance(account_id=clearing.pk, fund_id=campaign.fund_id) == 2 * 4825
    assert sorted(StripePayoutBooking.objects.values_list("kind", flat=True)) == ["failed", "paid"]
    assert books_verify() == []
