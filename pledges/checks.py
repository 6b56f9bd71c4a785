"""System checks: card payments configured by halves would charge donors and never book their money."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from core.errors import DomainError
from ledger.api import currency_check


@register()
def stripe_settings_check(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """A secret key without a webhook secret takes payments whose events are all refused."""
    problems: list[CheckMessage] = []
    if settings.STRIPE_SECRET_KEY and not settings.STRIPE_WEBHOOK_SECRET:
        problems.append(
            Error(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: donors could pay, and "
                "every webhook that books their money would be refused.",
                hint="Set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_...).",
                id="pledges.E001",
            )
        )
    base = str(settings.STRIPE_API_BASE)
    local = base.startswith(("http://127.0.0.1", "http://localhost"))  # a fake Stripe in tests
    if settings.STRIPE_SECRET_KEY and not base.startswith("https://") and not local:
        problems.append(
            Error(
                "STRIPE_API_BASE is not HTTPS: the secret key would cross the network in clear.",
                id="pledges.E002",
            )
        )
    try:
        currency_check(settings.BASE_CURRENCY)
    except DomainError:
        problems.append(
            Error(
                "BASE_CURRENCY is not an ISO 4217 currency code.", hint="For example EUR.", id="pledges.E003"
            )
        )
    return problems
