"""Recompute the hash chain and every balance; exit non-zero on any break."""

from django.core.management.base import BaseCommand, CommandError

from ledger.services import ledger_seal
from ledger.verification import ledger_verify


class Command(BaseCommand):
    help = "Seal pending entries, then recompute the hash chain and all balances."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--no-seal", action="store_true", help="Verify only; do not seal pending entries first."
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        if not options["no_seal"]:
            ledger_seal(wait=True)
        report = ledger_verify()
        self.stdout.write(
            f"checkpoint: sequence {report.head_seq} head {report.head_hash.hex()} "
            f"({report.entries_checked} entries verified)"
        )
        if not report.ok:
            raise CommandError("ledger verification FAILED: " + "; ".join(report.problems))
        self.stdout.write(self.style.SUCCESS("ledger verified: chain intact, balances exact"))
