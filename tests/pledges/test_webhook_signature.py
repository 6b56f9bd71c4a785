"""The webhook believes only what Stripe signed with our endpoint secret, within 300 seconds either way."""

import json
import time

import pytest
from rest_framework.test import APIClient

from ledger.models import Entry
from pledges.models import Contribution, EventStatus, Pledge, StripeEvent
from tests.fakes.stripe_server import sign
from tests.pledges.helpers import WEBHOOK, deliver


@pytest.fixture
def paid_event(fake_stripe, pledge_card) -> dict:
    pledge = Pledge.objects.get(public_id=pledge_card()["id"])
    return fake_stripe.checkout_complete(
        pledge.stripe_checkout_session_id, settled=("USD", 5000, 175), rate="0.05"
    )


def _nothing_written() -> bool:
    return (
        not StripeEvent.objects.exists() and not Entry.objects.exists() and not Contribution.objects.exists()
    )


@pytest.mark.parametrize(
    ("timestamp_offset", "secret"),
    [(0, "whsec_someone_else"), (-301, None), (301, None), (-3600, None)],
    ids=["wrong secret", "stale", "from the future", "an hour old"],
)
def test_a_bad_signature_is_a_400_and_writes_nothing(paid_event, timestamp_offset, secret):
    response = deliver(paid_event, timestamp=int(time.time()) + timestamp_offset, secret=secret)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_signature"
    assert _nothing_written()


def test_a_signature_within_the_tolerance_either_way_is_accepted(paid_event):
    assert deliver(paid_event, timestamp=int(time.time()) + 250).status_code == 200


@pytest.mark.parametrize("header", [None, "", "garbage", "t=notanumber,v1=abc", "v1=abc"])
def test_a_missing_or_malformed_signature_header_is_a_400(paid_event, header):
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}
    response = APIClient().post(
        WEBHOOK, data=json.dumps(paid_event), content_type="application/json", **extra
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert _nothing_written()


def test_a_body_changed_after_signing_is_refused(paid_event, settings):
    body = json.dumps(paid_event).encode()
    header = sign(body, settings.STRIPE_WEBHOOK_SECRET)
    tampered = body.replace(b"checkout.session.completed", b"checkout.session.completeD")
    response = APIClient().post(
        WEBHOOK, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 400
    assert _nothing_written()


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"object": "event"}', b'{"id": "evt_1", "type": "x"}']
)
def test_a_signed_body_that_is_not_an_event_is_a_400(db, settings, body):
    header = sign(body, settings.STRIPE_WEBHOOK_SECRET)
    response = APIClient().post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payload"
    assert _nothing_written()


def test_an_unknown_event_type_is_acknowledged_stored_and_ignored(fake_stripe, db):
    event = fake_stripe.event(
        "customer.created", {"id": "cus_123", "object": "customer", "email": "x@example.org"}
    )
    response = deliver(event)
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    stored = StripeEvent.objects.get()
    assert stored.status == EventStatus.IGNORED
    assert stored.payload["data"]["object"]["email"] is None


def test_the_same_event_delivered_again_is_handled_once(paid_event):
    first, again = deliver(paid_event), deliver(paid_event)
    assert first.json() == again.json() == {"event": paid_event["id"], "status": "processed"}
    assert Contribution.objects.count() == 1
    assert Entry.objects.count() == 1
    assert StripeEvent.objects.get().attempts == 1


def test_a_body_larger_than_any_event_is_a_400(db, settings):
    body = b'{"padding": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = APIClient().post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body, "whsec_x")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payload"
    assert _nothing_written()
