"""Transparency fixtures: grants paid through the real services, then dated back into ended periods."""

import datetime
import uuid
from collections.abc import Callable

import pytest
from django.core.cache import cache

from grants import services as grant_services
from payouts.api import Disbursement, disbursement_propose, disbursement_send

GRANTS = "/api/v1/transparency/grants/"
FEED = "/api/v1/transparency/feed/"
# "Today" for these tests: the fourth quarter of 2026 is open, the third has ended.
TODAY = datetime.date(2026, 11, 30)
# Small enough that a handful of real payouts makes a group large enough; the rule is the same.
THRESHOLD = 3


@pytest.fixture(autouse=True)
def _small_threshold_fixed_today_and_fresh_throttle(settings, monkeypatch):
    settings.TRANSPARENCY_MIN_RECIPIENTS = THRESHOLD
    monkeypatch.setattr("reports.selectors._today", lambda: TODAY)
    cache.clear()
    yield
    cache.clear()


def at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=datetime.UTC)


@pytest.fixture
def paid(in_review, person) -> Callable[..., Disbursement]:
    """paid(country, category, amount, on="2026-08-12") -> a grant approved, proposed and sent, dated `on`.

    The services date a payout now; the public figures show only ended periods, so the test
    moves `sent_at` back (the only column changed, as a late bank confirmation would be dated).
    """
    treasurer = person("treasurer")

    def make(
        country: str = "KE", category: str = "housing", amount: int = 1_000, on: str = "2026-08-12"
    ) -> Disbursement:
        request, reviewer, _admin = in_review(country=country, category=category, amount=amount)
        grant_services.grant_request_approve(reference=request.reference, reviewer=reviewer, amount=amount)
        proposed, _ = disbursement_propose(
            grant_reference=request.reference,
            rail="bank_transfer",
            proposed_by=treasurer,
            idempotency_key=uuid.uuid4(),
        )
        sent, _ = disbursement_send(
            reference=proposed.reference,
            sent_by=treasurer,
            rail_reference=f"TX-{uuid.uuid4().hex[:8]}",
            idempotency_key=uuid.uuid4(),
        )
        Disbursement.objects.filter(pk=sent.pk).update(sent_at=at(on))
        sent.refresh_from_db()
        return sent

    return make
