"""Seal committed entries into the hash chain now."""

from typing import Any

from django.core.management.base import BaseCommand

from ledger.services import ledger_seal


class Command(BaseCommand):
    help = "Assign sequence numbers and chain hashes to committed, unsealed entries."

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_seal(wait=True)
        self.stdout.write(f"sealed {result.sealed}; head {result.head_seq} {result.head_hash.hex()}")
