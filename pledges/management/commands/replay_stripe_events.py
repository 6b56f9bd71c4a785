"""Handle again every stored Stripe event whose handler failed (or the ones named)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pledges.models import EventStatus
from pledges.selectors import stripe_event_failed_list
from pledges.services import stripe_event_replay


class Command(BaseCommand):
    help = "Replay failed Stripe events from the event log; exits non-zero if any still fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("event_ids", nargs="*", help="Event ids (evt_...); default: every failed event.")

    def handle(self, *args: Any, **options: Any) -> None:
        event_ids = options["event_ids"] or list(
            stripe_event_failed_list().values_list("event_id", flat=True)
        )
        failed = 0
        for event_id in event_ids:
            row = stripe_event_replay(event_id=event_id)
            failed += row.status == EventStatus.FAILED
            self.stdout.write(f"{row.event_id} {row.type}: {row.status}")
        self.stdout.write(f"{len(event_ids) - failed} handled, {failed} still failing")
        if failed:
            raise SystemExit(1)
