"""Stripe webhooks: verify the signature, store each event once, dispatch through one table.

Handlers re-read the object from Stripe and bring our rows to its current
state, so events that arrive twice, late or out of order end in the same state.
"""

import datetime
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import rows
from pledges import stripe_gateway as gateway
from pledges.exceptions import WebhookPayloadInvalid, WebhookSignatureInvalid
from pledges.models import Contribution, EventStatus, Frequency, Pledge, PledgeStatus, StripeEvent
from pledges.services import booking

logger = logging.getLogger(__name__)

Obj = gateway.Obj
TOLERANCE_SECONDS = 300

# What Stripe may tell us about a person; never stored, even in the event log.
PERSONAL_KEYS = frozenset(
    {
        "address",
        "billing_details",
        "customer_address",
        "customer_details",
        "customer_email",
        "customer_name",
        "customer_phone",
        "customer_shipping",
        "email",
        "name",
        "phone",
        "receipt_email",
        "shipping",
        "shipping_details",
        "collected_information",
        # The card or account paid with (last four digits, expiry, fingerprint): enough to tie a
        # gift to the card in a donor's wallet. No handler reads them; each re-reads from Stripe.
        "payment_method_details",
        "card",
        "source",
        "owner",
        "fingerprint",
        "last4",
        "exp_month",
        "exp_year",
        # A dispute's evidence is about the person who paid: e-mail, purchase IP, addresses.
        "evidence",
        "customer_acceptance",
        "ip_address",
        "user_agent",
    }
)


def scrub(value: Any) -> Any:
    """A copy without the personal details Stripe includes in its objects."""
    if isinstance(value, dict):
        return {k: (None if k in PERSONAL_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def webhook_event_verify(*, payload: bytes, signature: str | None) -> Obj:
    """The event, if the signature matches the endpoint secret and is at most 300 s old or ahead."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=TOLERANCE_SECONDS
        )
        timestamp, _signatures = stripe.WebhookSignature._get_timestamp_and_signatures(
            signature or "", stripe.WebhookSignature.EXPECTED_SCHEME
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, IndexError):
        raise WebhookSignatureInvalid() from None
    # Stripe's check refuses old timestamps only; a signature from the future is as suspect.
    if timestamp > time.time() + TOLERANCE_SECONDS:
        raise WebhookSignatureInvalid("The Stripe-Signature timestamp is in the future.")
    try:
        event = json.loads(payload)
    except ValueError:
        raise WebhookPayloadInvalid() from None
    if (
        not isinstance(event, dict)
        or event.get("object") != "event"
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance((event.get("data") or {}).get("object"), dict)
        or not isinstance(event.get("created"), int)
    ):
        raise WebhookPayloadInvalid()
    return event


def _event_lock(event: Obj) -> StripeEvent:
    """Insert the event unless known, then lock its row: a second delivery waits here for the first.

    A row this call inserted is locked by the insert, and what it holds is
    what we just wrote: only an event seen before is read back.
    """
    row = StripeEvent(
        event_id=event["id"][:255],
        type=event["type"][:128],
        object_id=str(event["data"]["object"].get("id", ""))[:255],
        livemode=bool(event.get("livemode")),
        payload=scrub(event),
        status=EventStatus.PROCESSING,
        attempts=0,
        error="",
        stripe_created_at=datetime.datetime.fromtimestamp(event["created"], tz=datetime.UTC),
        received_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO pledges_stripeevent
                   (event_id, type, object_id, livemode, payload, status, attempts, error,
                    stripe_created_at, received_at)
            VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING id
            """,
            [
                row.event_id,
                row.type,
                row.object_id,
                row.livemode,
                json.dumps(row.payload),
                row.status,
                row.attempts,
                row.error,
                row.stripe_created_at,
                row.received_at,
            ],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return StripeEvent.objects.select_for_update().get(event_id=row.event_id)
    row.pk = inserted[0]
    row._state.adding = False
    return row


def stripe_event_receive(*, event: Obj) -> StripeEvent:
    """Store an event once and handle it; a handled event delivered again is a no-op."""
    with transaction.atomic():
        row = _event_lock(event)
        if row.status in (EventStatus.PROCESSED, EventStatus.IGNORED):
            return row
        return _event_run(row)


def stripe_event_replay(*, event_id: str) -> StripeEvent:
    """Handle a stored event again (one whose handler failed), from its stored payload."""
    with transaction.atomic():
        row = StripeEvent.objects.select_for_update().get(event_id=event_id)
        if row.status in (EventStatus.PROCESSED, EventStatus.IGNORED):
            return row
        return _event_run(row)


def _event_run(row: StripeEvent) -> StripeEvent:
    """Run the event's handler in a savepoint. Call with the event row locked."""
    row.attempts += 1
    handler = HANDLERS.get(row.type)
    try:
        with transaction.atomic():
            handled = handler(row.payload["data"]["object"], row.type) if handler else False
        row.status = EventStatus.PROCESSED if handled else EventStatus.IGNORED
        row.error = ""
    except Exception as error:  # any failure is stored, answered with 503 and retried
        logger.warning("Stripe event %s (%s) failed: %s", row.event_id, row.type, type(error).__name__)
        row.status = EventStatus.FAILED
        row.error = f"{type(error).__name__}: {getattr(error, 'code', '')}"[:500]
    row.handled_at = timezone.now()
    rows.update(row, ["status", "attempts", "error", "handled_at"])
    return row


# --- handlers: each takes the event's object and type, returns False for "not ours" --------------


def _pledge_by_metadata(metadata: Obj | None) -> Pledge | None:
    public_id = (metadata or {}).get("pledge")
    if not public_id:
        return None
    try:
        return booking.pledge_lock_by_public_id(uuid.UUID(str(public_id)))
    except ValueError:  # not a UUID: not one of our pledges
        return None


def _subscription_status_sync(pledge: Pledge, subscription_id: str) -> None:
    """The pledge's status follows its subscription's as Stripe reports it now. Pledge locked."""
    subscription = gateway.retrieve("subscription", subscription_id)
    status = {
        "active": PledgeStatus.ACTIVE,
        "trialing": PledgeStatus.ACTIVE,
        "past_due": PledgeStatus.PAST_DUE,
        "unpaid": PledgeStatus.PAST_DUE,
        "incomplete": PledgeStatus.PENDING,
        "canceled": PledgeStatus.CANCELLED,
        "incomplete_expired": PledgeStatus.FAILED,
    }.get(subscription.get("status", ""), pledge.status)
    if pledge.status == PledgeStatus.CANCELLED:
        status = PledgeStatus.CANCELLED  # we cancelled it; Stripe's deletion event says the same
    pledge.stripe_subscription_id = subscription_id
    pledge.status = status
    if status == PledgeStatus.CANCELLED and pledge.cancelled_at is None:
        ended = subscription.get("canceled_at") or subscription.get("ended_at")
        pledge.cancelled_at = (
            datetime.datetime.fromtimestamp(ended, tz=datetime.UTC) if ended else timezone.now()
        )
    pledge.save(update_fields=["stripe_subscription_id", "status", "cancelled_at"])


def checkout_session_handle(obj: Obj, event_type: str) -> bool:
    # One read brings the session, its payment, the charge and the money Stripe kept of it.
    session = gateway.retrieve(
        "checkout_session", obj["id"], expand=["payment_intent.latest_charge.balance_transaction"]
    )
    pledge = _pledge_by_metadata(session.get("metadata"))
    if pledge is None:
        return False
    if session.get("mode") == "subscription":
        if session.get("subscription"):
            if pledge.status == PledgeStatus.CANCELLED:
                # Cancelled while the donor was still on the payment page: stop the subscription too.
                gateway.subscription_cancel(
                    session["subscription"],
                    idempotency_key=gateway.stripe_key("pledge", str(pledge.public_id), "cancel"),
                )
            _subscription_status_sync(pledge, session["subscription"])
        return True
    intent = session.get("payment_intent")
    if session.get("payment_status") == "paid" and intent:
        if isinstance(intent, str):
            intent = gateway.retrieve("payment_intent", intent)
        if intent.get("latest_charge"):
            booking.contribution_book_from_charge(pledge=pledge, charge=intent["latest_charge"])
    elif pledge.status == PledgeStatus.PENDING and (
        session.get("status") == "expired" or event_type == "checkout.session.async_payment_failed"
    ):
        pledge.status = PledgeStatus.FAILED
        pledge.save(update_fields=["status"])
    return True


def _invoice_subscription(invoice: Obj) -> tuple[str | None, Obj | None]:
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return details.get("subscription"), details.get("metadata")


def invoice_handle(obj: Obj, event_type: str) -> bool:
    invoice = gateway.retrieve("invoice", obj["id"], expand=["payments"])
    subscription_id, metadata = _invoice_subscription(invoice)
    if not subscription_id:
        return False
    pledge = _pledge_by_metadata(metadata)
    if pledge is None:
        row = Pledge.objects.filter(stripe_subscription_id=subscription_id).only("pk").first()
        if row is None:
            return False
        pledge = booking.pledge_lock(row.pk)
    if invoice.get("status") == "paid":
        for payment in (invoice.get("payments") or {}).get("data", []):
            detail = payment.get("payment") or {}
            if payment.get("status") == "paid" and detail.get("type") == "payment_intent":
                intent = gateway.retrieve("payment_intent", detail["payment_intent"])
                if intent.get("latest_charge"):
                    booking.contribution_book_from_charge(
                        pledge=pledge, charge=intent["latest_charge"], invoice_id=invoice["id"]
                    )
    _subscription_status_sync(pledge, subscription_id)
    return True


def subscription_handle(obj: Obj, event_type: str) -> bool:
    row = Pledge.objects.filter(stripe_subscription_id=obj["id"]).only("pk").first()
    pledge = booking.pledge_lock(row.pk) if row else _pledge_by_metadata(obj.get("metadata"))
    if pledge is None or pledge.frequency != Frequency.MONTHLY:
        return False
    _subscription_status_sync(pledge, obj["id"])
    return True


def _contribution_for_charge(charge_id: str) -> Contribution | None:
    """The charge's contribution, with its pledge locked; booked now if its own event has not come yet."""
    contribution = Contribution.objects.filter(stripe_charge_id=charge_id).only("pledge_id").first()
    if contribution is not None:
        booking.pledge_lock(contribution.pledge_id)  # type: ignore[arg-type]
        return Contribution.objects.select_related("campaign").get(stripe_charge_id=charge_id)
    # Not booked yet: its own event is late. A subscription's charge names no
    # pledge; its invoice event will book it with its refunds and disputes.
    charge = gateway.retrieve("charge", charge_id)
    pledge = _pledge_by_metadata(charge.get("metadata"))
    if pledge is None:
        return None
    return booking.contribution_book_from_charge(pledge=pledge, charge=charge)


def refund_handle(obj: Obj, event_type: str) -> bool:
    charge_id = obj["id"] if obj.get("object") == "charge" else obj.get("charge")
    if not charge_id:
        return False
    contribution = _contribution_for_charge(charge_id)
    if contribution is None:
        return False
    booking.refunds_sync(contribution=contribution, charge_id=charge_id)
    return True


def dispute_handle(obj: Obj, event_type: str) -> bool:
    dispute = gateway.retrieve("dispute", obj["id"])
    contribution = _contribution_for_charge(dispute["charge"])
    if contribution is None:
        return False
    booking.dispute_sync(contribution=contribution, dispute=dispute)
    return True


def payout_handle(obj: Obj, event_type: str) -> bool:
    booking.payout_sync(payout=gateway.retrieve("payout", obj["id"]))
    return True


HANDLERS: dict[str, Callable[[Obj, str], bool]] = {
    "checkout.session.completed": checkout_session_handle,
    "checkout.session.async_payment_succeeded": checkout_session_handle,
    "checkout.session.async_payment_failed": checkout_session_handle,
    "checkout.session.expired": checkout_session_handle,
    "invoice.paid": invoice_handle,
    "invoice.payment_failed": invoice_handle,
    "customer.subscription.updated": subscription_handle,
    "customer.subscription.deleted": subscription_handle,
    "charge.refunded": refund_handle,
    "charge.refund.updated": refund_handle,
    "refund.updated": refund_handle,
    "refund.failed": refund_handle,
    "charge.dispute.created": dispute_handle,
    "charge.dispute.updated": dispute_handle,
    "charge.dispute.funds_withdrawn": dispute_handle,
    "charge.dispute.funds_reinstated": dispute_handle,
    "charge.dispute.closed": dispute_handle,
    "payout.paid": payout_handle,
    "payout.failed": payout_handle,
}
