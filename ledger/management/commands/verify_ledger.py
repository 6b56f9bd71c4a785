"""Recompute the hash chain and every balance; exit non-zero on any break."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.anchoring import AnchorInvalid, ExpectedHead, expected_head_from_checkpoint, expected_head_parse
from ledger.services import ledger_seal
from ledger.signing import KeyUnreadable, PublicKey, public_key_load, trusted_public_keys
from ledger.verification import ledger_verify


class Command(BaseCommand):
    help = (
        "Seal pending entries, then recompute the hash chain and all balances, and hold the chain "
        "to every stored signed checkpoint and to the heads given with --expect and --expect-file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-seal", action="store_true", help="Verify only; do not seal pending entries first."
        )
        parser.add_argument(
            "--expect",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="A head known from outside the database: the chain must reach sequence SEQ "
            "with this hash (64 hex digits). May be given more than once.",
        )
        parser.add_argument(
            "--expect-file",
            action="append",
            default=[],
            metavar="FILE",
            help="A signed checkpoint as JSON, as GET /api/v1/ledger/checkpoints/ lists it; its "
            "signature must verify, then the chain must reach its head. May be given more than once.",
        )
        parser.add_argument(
            "--public-key",
            metavar="KEY",
            help="Check signatures against this Ed25519 public key only (PEM, base64 of the raw "
            "32 bytes, or a file holding either) instead of the configured keys.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        public_keys = self._public_keys(options["public_key"])
        expected = self._expected_heads(options["expect"], options["expect_file"], public_keys)
        if not options["no_seal"]:
            ledger_seal(wait=True)
        report = ledger_verify(expected_heads=expected, public_keys=public_keys)
        self.stdout.write(
            f"checkpoint: sequence {report.head_seq} head {report.head_hash.hex()} "
            f"({report.entries_checked} entries verified)"
        )
        if not report.ok:
            raise CommandError("ledger verification FAILED: " + "; ".join(report.problems))
        for head in expected:
            self.stdout.write(f"reaches {head.source}: {head.seq}:{head.head_hash.hex()}")
        self.stdout.write(self.style.SUCCESS("ledger verified: chain intact, balances exact"))

    def _public_keys(self, text: str | None) -> dict[str, PublicKey]:
        if text is None:
            return trusted_public_keys()
        try:
            key = public_key_load(text)
        except KeyUnreadable as error:
            raise CommandError(f"--public-key: {error}") from None
        return {key.key_id: key}

    def _expected_heads(
        self, expects: list[str], files: list[str], public_keys: dict[str, PublicKey]
    ) -> list[ExpectedHead]:
        try:
            heads = [expected_head_parse(text) for text in expects]
            for name in files:
                try:
                    document = json.loads(Path(name).read_text())
                except (OSError, ValueError) as error:
                    raise AnchorInvalid(f"--expect-file {name}: cannot be read as JSON ({error})") from None
                if not isinstance(document, dict):
                    raise AnchorInvalid(f"--expect-file {name}: not a JSON object")
                heads.append(
                    expected_head_from_checkpoint(
                        document, public_keys=public_keys, source=f"--expect-file {name}"
                    )
                )
        except AnchorInvalid as error:
            raise CommandError(str(error)) from None
        return heads
