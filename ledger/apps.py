"""Django app configuration for the ledger."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# pgtrigger lets any session skip a trigger by setting the `pgtrigger.ignore`
# parameter, which any database role may set. The ledger's guarantees must not
# depend on who sets what, so after every migration the check always answers
# "do not ignore". Bypassing a trigger then needs privileges to disable it
# (table owner or superuser), and verify_ledger catches what that changes.
NEVER_IGNORE_SQL = """
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$ SELECT false $$ LANGUAGE sql IMMUTABLE;
"""


def _harden_triggers(using: str, **kwargs) -> None:  # noqa: ANN003
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(NEVER_IGNORE_SQL)


class LedgerConfig(AppConfig):
    name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_harden_triggers, sender=self, dispatch_uid="ledger_harden_triggers")
