"""A pledge given without an account comes with a one-time manage code: cancel it, erase its e-mail."""

import hashlib

from django.db import connection
from rest_framework.test import APIClient

from pledges.models import Pledge, PledgeStatus
from tests.pledges.helpers import PLEDGES, deliver

MANAGE = "/api/v1/pledges/manage/"
EMAIL = "no.name@example.org"


def _monthly(campaign, **extra) -> dict:
    body = {
        "campaign": campaign.slug,
        "amount": "20.00",
        "currency": "USD",
        "frequency": "monthly",
        "method": "card",
    }
    response = APIClient().post(PLEDGES, body | extra, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_code_is_shown_once_and_only_its_hash_is_kept(fake_stripe, campaign):
    answer = _monthly(campaign)
    code = answer["manage_code"]
    assert len(code.replace("-", "")) == 32
    pledge = Pledge.objects.get(public_id=answer["id"])
    normalised = code.replace("-", "").upper()
    assert pledge.manage_code_hash == hashlib.sha256(normalised.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT p::text FROM pledges_pledge p")
        assert normalised not in cursor.fetchone()[0]
    shown = APIClient().post(MANAGE, {"manage_code": code.lower()}, format="json")
    assert (shown.status_code, shown.json()["id"]) == (200, answer["id"])
    assert "manage_code" not in shown.json()


def test_a_monthly_pledge_is_cancelled_with_its_code_and_so_is_its_subscription(fake_stripe, campaign):
    answer = _monthly(campaign)
    pledge = Pledge.objects.get(public_id=answer["id"])
    assert deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id)).status_code == 200
    pledge.refresh_from_db()
    subscription = pledge.stripe_subscription_id
    first = APIClient().post(f"{MANAGE}cancel/", {"manage_code": answer["manage_code"]}, format="json")
    assert (first.status_code, first.json()["status"]) == (200, "cancelled"), first.content
    deletes = [r for r in fake_stripe.requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/v1/subscriptions/{subscription}"]
    assert fake_stripe.objects[subscription]["status"] == "canceled"
    again = APIClient().post(f"{MANAGE}cancel/", {"manage_code": answer["manage_code"]}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "pledge_not_cancellable")


def test_a_cancel_retried_after_a_crash_sends_stripe_the_same_key(fake_stripe, campaign):
    from pledges.services.pledges import _pledge_cancel

    answer = _monthly(campaign)
    pledge = Pledge.objects.get(public_id=answer["id"])
    deliver(fake_stripe.checkout_complete(pledge.stripe_checkout_session_id))
    pledge.refresh_from_db()
    _pledge_cancel(pledge)  # as if the process died after Stripe answered: the pledge row says active
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.ACTIVE, cancelled_at=None)
    APIClient().post(f"{MANAGE}cancel/", {"manage_code": answer["manage_code"]}, format="json")
    keys = [r.idempotency_key for r in fake_stripe.requests if r.method == "DELETE"]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_a_wrong_code_is_a_404_problem_and_changes_nothing(fake_stripe, campaign):
    answer = _monthly(campaign, email=EMAIL)
    for path in ("", "cancel/", "erase/"):
        response = APIClient().post(f"{MANAGE}{path}", {"manage_code": "AAAA-BBBB-CCCC"}, format="json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "manage_code_invalid"
    pledge = Pledge.objects.get(public_id=answer["id"])
    assert pledge.status == PledgeStatus.PENDING
    assert pledge.email_sealed is not None
    assert not [r for r in fake_stripe.requests if r.method == "DELETE"]


def test_the_code_erases_the_pledges_email(fake_stripe, campaign):
    from pledges.services import pledge_email_open

    answer = _monthly(campaign, email=EMAIL)
    erased = APIClient().post(f"{MANAGE}erase/", {"manage_code": answer["manage_code"]}, format="json")
    assert (erased.status_code, erased.json()["email_on_file"]) == (200, False)
    pledge = Pledge.objects.get(public_id=answer["id"])
    assert pledge_email_open(pledge=pledge, reader_id=None, purpose="receipt") is None


def test_manage_codes_are_throttled_per_address(campaign, settings):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    assert ScopedRateThrottle.THROTTLE_RATES["pledges-manage"] == "30/hour"
    cache.clear()
    answers = [APIClient().post(MANAGE, {"manage_code": f"GUESS{i}"}, format="json") for i in range(31)]
    assert [a.status_code for a in answers[:30]] == [404] * 30
    assert answers[30].status_code == 429
    assert answers[30]["Content-Type"] == "application/problem+json"
    assert answers[30].json()["code"] == "throttled"
