"""Background work of pledges: handle again the Stripe events whose handler failed."""

from celery import shared_task

from pledges.models import EventStatus
from pledges.selectors import stripe_event_failed_list
from pledges.services import stripe_event_replay


@shared_task
def stripe_events_replay_task(limit: int = 100) -> int:
    """Replay up to `limit` failed events, oldest first; returns how many are handled now."""
    handled = 0
    for event_id in stripe_event_failed_list().values_list("event_id", flat=True)[:limit]:
        handled += stripe_event_replay(event_id=event_id).status != EventStatus.FAILED
    return handled
