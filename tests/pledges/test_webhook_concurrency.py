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


@pytest.mark.django_db(transaction=True)
def test_one_bank_receipt_sent_twice_at_once_with_one_key_is_recorded_once(campaign, make_user):
    import uuid

    from tests.api.conftest import post_entry

    _user, token = make_user("treasurer")
    key = uuid.uuid4()
    body = {
        "method": "cash",
        "amount": "10.00",
        "currency": "USD",
        "received_on": "2026-11-20",
        "campaign": campaign.slug,
    }
    start = threading.Barrier(4)
    statuses: list[int] = []

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        try:
            start.wait()
            statuses.append(post_entry(client, body, key=key, url="/api/v1/contributions/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Contribution.objects.count() == 1
    assert Entry.objects.count() == 1
