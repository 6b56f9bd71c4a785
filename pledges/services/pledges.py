"""Pledges: create one (a Stripe Checkout Session for cards, a reference for bank transfers), cancel one."""

import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.codes import secret_code_new
from ledger.api import currency_check
from pledges import stripe_gateway as gateway
from pledges.exceptions import (
    AmountAboveMaximum,
    CampaignClosed,
    CampaignNotFound,
    CardPaymentsNotConfigured,
    InvalidPledge,
    PledgeNotCancellable,
    PledgeNotFound,
)
from pledges.models import Campaign, Frequency, Method, Pledge, PledgeStatus
from pledges.selectors import manage_code_digest, pledge_get_by_manage_code
from users.models import User

# No 0/O or 1/I/L: references are read aloud and typed into banking apps.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def reference_new() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"TDM-{body[:4]}-{body[4:]}"


def _campaign_open(slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise CampaignNotFound(f"No campaign '{slug}'.")
    today = timezone.localdate()
    if campaign.starts_on > today or (campaign.ends_on is not None and campaign.ends_on < today):
        raise CampaignClosed()
    return campaign


@transaction.atomic
def pledge_create(
    *,
    campaign_slug: str,
    amount: int,
    currency: str,
    frequency: str,
    method: str,
    donor: User | None,
    email: str | None = None,
    manage_code_hash: str | None = None,
) -> Pledge:
    """A pending pledge; a card pledge is refused up front when card payments are not configured.

    An e-mail, if given, is sealed by the vault at once; it is never sent to Stripe.
    """
    currency_check(currency)
    if type(amount) is not int or amount <= 0:
        raise InvalidPledge("A pledge is a positive amount.")
    if amount > settings.PLEDGE_MAX_MINOR:
        raise AmountAboveMaximum()
    if frequency not in Frequency.values or method not in Method.values:
        raise InvalidPledge("Unknown frequency or method.")
    if method == Method.CARD and not gateway.cards_configured():
        raise CardPaymentsNotConfigured()
    campaign = _campaign_open(campaign_slug)
    subject, sealed = _email_seal(email) if email else (None, None)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Pledge.objects.create(
                    reference=reference_new(),
                    campaign=campaign,
                    donor=donor,
                    amount=amount,
                    currency=currency,
                    frequency=frequency,
                    method=method,
                    donor_subject=subject,
                    email_sealed=sealed,
                    manage_code_hash=manage_code_hash,
                )
        except IntegrityError:  # a reference drawn twice: draw again
            continue
    raise AssertionError("five reference collisions in a row")


@dataclass(frozen=True)
class NewPledge:
    """A pledge as handed back once: a pledge without an account comes with its manage code, never stored."""

    pledge: Pledge
    manage_code: str | None


@transaction.atomic
def pledge_give(
    *,
    campaign_slug: str,
    amount: int,
    currency: str,
    frequency: str,
    method: str,
    donor: User | None,
    email: str | None = None,
) -> NewPledge:
    """A pledge as the public API makes it: without an account, it comes with a one-time manage code."""
    code = secret_code_new() if donor is None else None
    pledge = pledge_create(
        campaign_slug=campaign_slug,
        amount=amount,
        currency=currency,
        frequency=frequency,
        method=method,
        donor=donor,
        email=email,
        manage_code_hash=manage_code_digest(code) if code else None,
    )
    return NewPledge(pledge=pledge, manage_code=code)


def _email_seal(email: str) -> tuple[uuid.UUID, bytes]:
    from pledges.services.donors import donor_email_seal  # donors reads pledges through this module

    return donor_email_seal(email=email)


def _checkout_params(pledge: Pledge) -> dict[str, object]:
    """What Stripe needs for the payment page: the amount and our random pledge id, nothing else."""
    public_id = str(pledge.public_id)
    price: dict[str, object] = {
        "currency": pledge.currency.lower(),
        "unit_amount": gateway.to_stripe_amount(pledge.amount, pledge.currency),
        "product_data": {"name": pledge.campaign.title["en"][:250]},
    }
    params: dict[str, object] = {
        "client_reference_id": public_id,
        "metadata": {"pledge": public_id},
        "success_url": settings.PLEDGE_CHECKOUT_SUCCESS_URL,
        "cancel_url": settings.PLEDGE_CHECKOUT_CANCEL_URL,
    }
    if pledge.frequency == Frequency.MONTHLY:
        price["recurring"] = {"interval": "month"}
        params["mode"] = "subscription"
        params["subscription_data"] = {"metadata": {"pledge": public_id}}
    else:
        params["mode"] = "payment"
        params["submit_type"] = "donate"
        params["payment_intent_data"] = {"metadata": {"pledge": public_id}}
    params["line_items"] = [{"price_data": price, "quantity": 1}]
    return params


def pledge_checkout_start(*, pledge: Pledge) -> Pledge:
    """Open a Stripe Checkout Session for a card pledge (outside any transaction: it calls Stripe).

    The idempotency key is the pledge's, so a retry gets the same session back.
    """
    if pledge.method != Method.CARD or pledge.checkout_url:
        return pledge
    session = gateway.checkout_session_create(
        params=_checkout_params(pledge),
        idempotency_key=gateway.stripe_key("pledge", str(pledge.public_id), "checkout"),
    )
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if not locked.checkout_url:
            locked.stripe_checkout_session_id = session["id"]
            locked.checkout_url = session["url"]
            locked.save(update_fields=["stripe_checkout_session_id", "checkout_url"])
    return locked


def pledge_get_for_donor(*, public_id: uuid.UUID, donor: User) -> Pledge:
    pledge = (
        Pledge.objects.select_related("campaign")
        .prefetch_related("contributions__adjustments", "matches__contribution__adjustments")
        .filter(public_id=public_id, donor=donor)
        .first()
    )
    if pledge is None:
        raise PledgeNotFound()
    return pledge


CANCELLABLE = (PledgeStatus.PENDING, PledgeStatus.ACTIVE, PledgeStatus.PAST_DUE)


def pledge_cancel(*, public_id: uuid.UUID, donor: User) -> Pledge:
    """Cancel a donor's monthly pledge; its Stripe subscription is cancelled first, then the pledge."""
    return _pledge_cancel(pledge_get_for_donor(public_id=public_id, donor=donor))


def pledge_cancel_by_manage_code(*, code: str) -> Pledge:
    """Cancel a monthly pledge given without an account, with its manage code; Stripe's subscription too."""
    return _pledge_cancel(pledge_get_by_manage_code(code=code))


def _pledge_cancel(pledge: Pledge) -> Pledge:
    """Outside any transaction: Stripe is called first, with a key derived from the pledge, so a retry
    after a failure between the two steps sends the same key and cancels once."""
    if pledge.frequency != Frequency.MONTHLY or pledge.status not in CANCELLABLE:
        raise PledgeNotCancellable()
    if pledge.stripe_subscription_id:
        gateway.subscription_cancel(
            pledge.stripe_subscription_id,
            idempotency_key=gateway.stripe_key("pledge", str(pledge.public_id), "cancel"),
        )
    return pledge_mark_cancelled(pledge_id=pledge.pk)


@transaction.atomic
def pledge_mark_cancelled(*, pledge_id: int) -> Pledge:
    pledge = Pledge.objects.select_for_update().get(pk=pledge_id)
    if pledge.status != PledgeStatus.CANCELLED:
        pledge.status = PledgeStatus.CANCELLED
        pledge.cancelled_at = timezone.now()
        pledge.save(update_fields=["status", "cancelled_at"])
    return pledge
