"""The one door to Stripe: the configured client, idempotency keys from our rows, units, errors."""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import stripe
from django.conf import settings

from ledger.api import currency_exponent
from pledges import stripe_http
from pledges.exceptions import CardPaymentsNotConfigured, PaymentProviderUnavailable

logger = logging.getLogger(__name__)

# Fixed forever: every idempotency key we send Stripe or the ledger derives from it.
NAMESPACE = uuid.UUID("6c0f4f1e-3a52-4f0e-9d7b-2f6a1c8e5b90")

# Stripe counts a few currencies in other units than ISO 4217 does: ISK in hundredths.
STRIPE_EXPONENT_OVERRIDES = {"ISK": 2}

Obj = dict[str, Any]


def stripe_key(*parts: str) -> uuid.UUID:
    """A key derived from our row or from Stripe's object ids: a retry sends the same key."""
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def cards_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _exponent_shift(currency: str) -> int:
    code = currency.upper()
    return STRIPE_EXPONENT_OVERRIDES.get(code, currency_exponent(code)) - currency_exponent(code)


def to_stripe_amount(minor: int, currency: str) -> int:
    """Our minor units to the integer Stripe expects for the currency."""
    return minor * 10 ** _exponent_shift(currency)


def from_stripe_amount(amount: int, currency: str) -> int:
    """Stripe's integer for a currency to our minor units (exact: Stripe only sends whole units there)."""
    shift = _exponent_shift(currency)
    return amount // 10**shift if amount >= 0 else -((-amount) // 10**shift)


def rate_from_stripe(rate: Any) -> Decimal | None:
    """Stripe's exchange_rate arrives as a JSON number: take its shortest decimal text, never a float."""
    if rate is None:
        return None
    return Decimal(str(rate))


def client() -> stripe.StripeClient:
    if not cards_configured():
        raise CardPaymentsNotConfigured()
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES)


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str, retries: int) -> stripe.StripeClient:
    """One client per configuration and process: it keeps its HTTP connections open between calls."""
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base},
        max_network_retries=retries,
        http_client=stripe_http.http_client(),
    )


@contextmanager
def stripe_errors() -> Iterator[None]:
    """Stripe's failures as our domain error; the log names the error class, never the request."""
    try:
        yield
    except stripe.StripeError as error:
        logger.warning("Stripe call failed: %s (%s)", type(error).__name__, getattr(error, "code", None))
        raise PaymentProviderUnavailable() from error


def _plain(obj: Any) -> Obj:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def checkout_session_create(*, params: Obj, idempotency_key: uuid.UUID) -> Obj:
    with stripe_errors():
        session = client().v1.checkout.sessions.create(
            params,  # type: ignore[arg-type]
            options={"idempotency_key": str(idempotency_key)},
        )
    return _plain(session)


def refund_create(*, charge_id: str, amount: int, metadata: Obj, idempotency_key: uuid.UUID) -> Obj:
    with stripe_errors():
        refund = client().v1.refunds.create(
            {"charge": charge_id, "amount": amount, "metadata": metadata},
            options={"idempotency_key": str(idempotency_key)},
        )
    return _plain(refund)


def subscription_cancel(subscription_id: str, *, idempotency_key: uuid.UUID) -> Obj:
    with stripe_errors():
        return _plain(
            client().v1.subscriptions.cancel(
                subscription_id, options={"idempotency_key": str(idempotency_key)}
            )
        )


# Where each kind of object is read, in Stripe's API.
PATHS = {
    "checkout_session": "/v1/checkout/sessions",
    "payment_intent": "/v1/payment_intents",
    "charge": "/v1/charges",
    "balance_transaction": "/v1/balance_transactions",
    "dispute": "/v1/disputes",
    "invoice": "/v1/invoices",
    "subscription": "/v1/subscriptions",
    "payout": "/v1/payouts",
    "refund": "/v1/refunds",
}


def retrieve(kind: str, object_id: str, expand: list[str] | None = None) -> Obj:
    """Re-read one object from Stripe: events tell us what changed, Stripe tells us how things are.

    Read as plain JSON through the client's `raw_request` (same connection,
    retries and error classes): the handlers want dicts, and building the
    library's objects for an expanded session only to turn them back cost
    more CPU than the rest of the event's handling.
    """
    params: Obj = {"expand": expand} if expand else {}
    with stripe_errors():
        response = client().raw_request("get", f"{PATHS[kind]}/{quote(object_id, safe='')}", **params)
    data = response.data
    if not isinstance(data, dict):
        raise PaymentProviderUnavailable()
    return data


def refunds_for_charge(charge_id: str) -> list[Obj]:
    with stripe_errors():
        page = client().v1.refunds.list({"charge": charge_id, "limit": 100})
    return [_plain(refund) for refund in page.data]


def balance_transactions_for_payout(payout_id: str) -> list[Obj]:
    with stripe_errors():
        page = client().v1.balance_transactions.list({"payout": payout_id, "limit": 100})
        return [_plain(bt) for bt in page.auto_paging_iter()]


def disputes_for_charge(charge_id: str) -> list[Obj]:
    with stripe_errors():
        page = client().v1.disputes.list({"charge": charge_id, "limit": 100})
    return [_plain(dispute) for dispute in page.data]
