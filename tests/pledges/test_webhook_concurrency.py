"""The same event delivered 20 times at once, over real parallel connections, books one contribution."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import Entry
from pledges.models import Contribution, Pledge, StripeEvent
from tests.pledges.helpers import books_verify, deliver

DELIVERIES = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_of_one_event_book_exactly_one_contribution(fake_stripe, pledge_card):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    event = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    start = threading.Barrier(DELIVERIES)
    statuses: list[int] = []

    def send() -> None:
        try:
            start.wait()
            statuses.append(deliver(event, client=APIClient()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * DELIVERIES
    assert Contribution.objects.count() == 1
    assert Entry.objects.count() == 1
    assert StripeEvent.objects.get().attempts == 1
    assert books_verify() == []
