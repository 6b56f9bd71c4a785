"""Print a fresh Ed25519 signing key for the sealer, with its public key and key id."""

from django.core.management.base import BaseCommand

from ledger.signing import keypair_generate


class Command(BaseCommand):
    help = (
        "Print a fresh Ed25519 key for LEDGER_SIGNING_KEY and its public key. Keep the private key "
        "in the deployment's secrets only; publish the public key wherever auditors keep checkpoints."
    )

    def handle(self, *args: object, **options: object) -> None:
        private, public = keypair_generate()
        self.stdout.write(f"LEDGER_SIGNING_KEY={private}")
        self.stdout.write(f"key id: {public.key_id}")
        self.stdout.write(f"public key (base64, raw 32 bytes): {public.raw_base64}")
        self.stdout.write(public.pem, ending="")
