"""Demo data for local runs: a card gift as Stripe reports one, disputed by the card holder and lost.

A local run has no Stripe account, so nothing here asks Stripe: the charge and
the dispute, already expanded as the webhook's re-read returns them, go through
the same booking functions the webhook uses. Their ids say they are demo data.
"""

import datetime

from django.db import transaction

from pledges.models import Campaign, Contribution, Frequency, Method, Pledge
from pledges.services.booking import contribution_book_from_charge, dispute_sync, pledge_lock
from pledges.services.pledges import reference_new

DAY = 86_400


@transaction.atomic
def card_gift_disputed_seed(*, campaign_slug: str, paid_on: datetime.date) -> Contribution:
    """1,000.00 MXN by card, settled as 50.00 USD less Stripe's 1.75; disputed six days later and lost."""
    campaign = Campaign.objects.get(slug=campaign_slug)
    pledge = Pledge.objects.create(
        reference=reference_new(),
        campaign=campaign,
        amount=100_000,
        currency="MXN",
        frequency=Frequency.ONCE,
        method=Method.CARD,
    )
    paid = int(datetime.datetime.combine(paid_on, datetime.time(12), tzinfo=datetime.UTC).timestamp())
    charge = {
        "id": "ch_demo_disputed",
        "status": "succeeded",
        "amount": 100_000,
        "currency": "mxn",
        "amount_refunded": 0,
        "disputed": False,
        "balance_transaction": {
            "id": "txn_demo_charge",
            "amount": 5_000,
            "fee": 175,
            "net": 4_825,
            "currency": "usd",
            "exchange_rate": 0.05,
            "created": paid,
        },
    }
    contribution = contribution_book_from_charge(pledge=pledge_lock(pledge.pk), charge=charge)
    assert contribution is not None
    # Lost: the amount goes back to the card holder and Stripe keeps its dispute fee.
    dispute = {
        "id": "dp_demo_lost",
        "status": "lost",
        "balance_transactions": [
            {
                "id": "txn_demo_dispute",
                "amount": -5_000,
                "fee": 1_500,
                "net": -6_500,
                "currency": "usd",
                "created": paid + 6 * DAY,
            },
        ],
    }
    dispute_sync(contribution=contribution, dispute=dispute)
    return contribution
