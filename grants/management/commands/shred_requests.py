"""Crypto-shred the identifying data of requests closed longer than GRANTS_RETENTION_DAYS ago."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from grants.services import grant_requests_shred_expired


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        count = grant_requests_shred_expired()
        days = settings.GRANTS_RETENTION_DAYS
        self.stdout.write(f"shredded {count} request(s) closed more than {days} days ago")
