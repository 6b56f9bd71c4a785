"""Re-wrap every live data key under the current master key, so retired master keys can be removed."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vault.services import REWRAP_BATCH_SIZE, datakeys_rewrap


class Command(BaseCommand):
    help = (
        "Re-wrap every live data key under the first key of VAULT_MASTER_KEYS, in committed batches. "
        "Idempotent and safe to interrupt: run it again to finish. Exits non-zero while any data key "
        "is wrapped under a master key VAULT_MASTER_KEYS no longer holds."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=REWRAP_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        result = datakeys_rewrap(batch_size=options["batch_size"])
        self.stdout.write(
            f"re-wrapped {result.rewrapped} data keys under master key {result.current_key_id!r}"
        )
        if result.stranded:
            stranded = ", ".join(
                f"{count} under {key_id!r}" for key_id, count in sorted(result.stranded.items())
            )
            raise CommandError(
                f"data keys under master keys VAULT_MASTER_KEYS no longer holds: {stranded}; "
                "put those keys back at the end of VAULT_MASTER_KEYS and run vault_rotate again"
            )
        self.stdout.write("every live data key is wrapped under the current master key: the others can go")
