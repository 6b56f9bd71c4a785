"""Background work of pledges: handle failed Stripe events again, e-mail receipts."""

from celery import shared_task
from django.conf import settings

from pledges.models import EventStatus, ReceiptEmail
from pledges.selectors import receipt_email_pending_ids, stripe_event_failed_list
from pledges.services import stripe_event_replay
from pledges.services.receipts import receipt_send


@shared_task
def stripe_events_replay_task(limit: int = 100) -> int:
    """Replay up to `limit` failed events, oldest first; returns how many are handled now."""
    handled = 0
    for event_id in stripe_event_failed_list().values_list("event_id", flat=True)[:limit]:
        handled += stripe_event_replay(event_id=event_id).status != EventStatus.FAILED
    return handled


@shared_task
def receipt_send_task(receipt_id: int) -> str:
    """E-mail one receipt (queued when its booking commits); returns its e-mail status."""
    return receipt_send(receipt_id=receipt_id).email_status


@shared_task
def receipts_send_pending_task(limit: int = 200) -> int:
    """Try again the receipts whose e-mail failed or was never sent; returns how many went out."""
    sent = 0
    for receipt_id in receipt_email_pending_ids(
        max_attempts=settings.RECEIPT_EMAIL_MAX_ATTEMPTS, limit=limit
    ):
        sent += receipt_send(receipt_id=receipt_id).email_status == ReceiptEmail.SENT
    return sent
