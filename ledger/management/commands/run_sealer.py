"""Run the sealer and the balance checkpoint in a loop, when no Celery beat is running."""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from ledger.services import balances_checkpoint, ledger_seal


class Command(BaseCommand):
    help = "Seal committed entries and checkpoint balances every few seconds until stopped (Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=3.0, help="seconds between runs")

    def handle(self, *args: object, **options: object) -> None:
        interval = options["interval"]
        try:
            while True:
                result = ledger_seal(wait=False)
                if result.sealed:
                    self.stdout.write(f"sealed {result.sealed}; head {result.head_seq}")
                balances_checkpoint()
                connection.close()
                time.sleep(interval)
        except KeyboardInterrupt:
            return
