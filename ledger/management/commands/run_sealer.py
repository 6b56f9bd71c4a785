"""Run the sealer and the balance checkpoint in a loop, when no Celery beat is running."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from ledger.services import ledger_upkeep


class Command(BaseCommand):
    help = "Seal committed entries and checkpoint balances every few seconds until stopped (Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=3.0, help="seconds between runs")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        try:
            while True:
                result = ledger_upkeep()
                if result.sealed:
                    self.stdout.write(f"sealed {result.sealed}; head {result.head_seq}")
                connection.close()
                time.sleep(interval)
        except KeyboardInterrupt:
            return
