"""Create the general fund and the default chart of accounts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.exceptions import LedgerError
from ledger.services import chart_of_accounts_create


class Command(BaseCommand):
    help = "Create the default chart of accounts of a mutual-aid fund in the given currencies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("currencies", nargs="*", default=["EUR", "USD", "GBP"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            accounts = chart_of_accounts_create(currencies=[c.upper() for c in options["currencies"]])
        except LedgerError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"chart of accounts ready: {len(accounts)} accounts")
