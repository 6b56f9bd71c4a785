"""pgtrigger's own command, which closes the trigger-ignore switch again after an install.

Installing a trigger writes pgtrigger's permissive `_pgtrigger_should_ignore`
back (it comes with every trigger's SQL), which would let any session skip the
ledger's triggers until the next migrate. This command is found before
pgtrigger's (ledger is listed first in INSTALLED_APPS) and does the same work,
then hardens the check again, as migrate does.
"""

from django.db import DEFAULT_DB_ALIAS
from pgtrigger.management.commands.pgtrigger import Command as PgtriggerCommand

from ledger.apps import harden_triggers


class Command(PgtriggerCommand):
    def install(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        super().install(*args, **options)
        harden_triggers(options["database"] or DEFAULT_DB_ALIAS)
