"""Print a fresh master key entry for VAULT_MASTER_KEYS."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vault.keys import MasterKeysInvalid, master_key_generate


class Command(BaseCommand):
    help = (
        "Print a fresh key_id:base64key entry. Put it first in VAULT_MASTER_KEYS (keep the old ones after "
        "it), deploy, then run manage.py vault_rotate. Keep it in the deployment's secrets only."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("key_id", help="a name for the key: 1 to 32 letters, digits, '-' or '_'")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(master_key_generate(options["key_id"]))
        except MasterKeysInvalid as error:
            raise CommandError(str(error)) from None
