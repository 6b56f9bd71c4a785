"""pgtrigger's own command, which pins and closes the ledger's guards again after an install.

Installing a trigger writes pgtrigger's permissive `_pgtrigger_should_ignore`
back and resets each function's search path and rights (CREATE OR REPLACE). This
command is found before pgtrigger's (ledger is listed first in INSTALLED_APPS),
does the same work, then hardens again, as migrate does.
"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS
from pgtrigger.management.commands.pgtrigger import Command as PgtriggerCommand

from ledger.database import harden


class Command(PgtriggerCommand):
    def install(self, *args: Any, **options: Any) -> None:
        super().install(*args, **options)
        harden(options["database"] or DEFAULT_DB_ALIAS)
