"""Helpers of the pledge tests: webhooks signed as Stripe signs them, and the books checked."""

import json

from django.conf import settings
from rest_framework.test import APIClient

from ledger.services import ledger_seal
from ledger.verification import ledger_verify
from tests.fakes.stripe_server import sign

WEBHOOK = "/api/v1/stripe/webhook/"
PLEDGES = "/api/v1/pledges/"
CAMPAIGNS = "/api/v1/campaigns/"


def deliver(
    event: dict, *, timestamp: int | None = None, secret: str | None = None, client: APIClient | None = None
):
    """POST an event to the webhook, signed with the endpoint secret (or the one given)."""
    body = json.dumps(event).encode()
    header = sign(body, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp)
    return (client or APIClient()).post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def books_verify() -> list[str]:
    """Seal what was posted, then run verify_ledger's checks; the problems found (none, we hope)."""
    ledger_seal()
    return ledger_verify().problems
