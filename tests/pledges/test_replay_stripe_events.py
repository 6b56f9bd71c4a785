"""An event whose handler failed is stored as failed, answered with 503, and replayed by a command."""

import pytest
from django.core.management import call_command

from pledges.models import Contribution, EventStatus, Pledge, StripeEvent
from tests.pledges.helpers import deliver


def test_a_failed_event_is_kept_and_the_command_replays_it(fake_stripe, pledge_card, settings):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    event = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe is down while the event arrives
    response = deliver(event)
    assert response.status_code == 503
    assert response.json()["code"] == "event_handling_failed"
    stored = StripeEvent.objects.get()
    assert (stored.status, stored.attempts) == (EventStatus.FAILED, 1)
    assert not Contribution.objects.exists()

    settings.STRIPE_API_BASE = fake_stripe.base_url
    call_command("replay_stripe_events")
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == (EventStatus.PROCESSED, 2)
    assert Contribution.objects.count() == 1
    call_command("replay_stripe_events")  # nothing left to do
    assert Contribution.objects.count() == 1


def test_the_command_fails_while_an_event_still_fails(fake_stripe, pledge_card, settings):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    deliver(
        fake_stripe.checkout_complete(
            pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
        )
    )
    with pytest.raises(SystemExit):
        call_command("replay_stripe_events")


def test_stripes_own_retry_of_a_failed_event_handles_it(fake_stripe, pledge_card, settings):
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    event = fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    assert deliver(event).status_code == 503
    settings.STRIPE_API_BASE = fake_stripe.base_url
    assert deliver(event).status_code == 200
    assert Contribution.objects.count() == 1


def test_the_periodic_task_replays_failed_events(fake_stripe, pledge_card, settings):
    from pledges.tasks import stripe_events_replay_task

    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id, settled=("USD", 5000, 175)))
    assert stripe_events_replay_task() == 0
    settings.STRIPE_API_BASE = fake_stripe.base_url
    assert stripe_events_replay_task() == 1
    assert Contribution.objects.count() == 1
