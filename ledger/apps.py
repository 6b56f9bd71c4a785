"""Django app configuration for the ledger."""

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate

# pgtrigger lets any session skip a trigger by setting the `pgtrigger.ignore`
# parameter, which any database role may set. The ledger's guarantees must not
# depend on who sets what, so after every migration the check always answers
# "do not ignore". Bypassing a trigger then needs privileges to disable it
# (table owner or superuser), and verify_ledger catches what that changes.
# `pgtrigger install` writes pgtrigger's own check back with every trigger, so
# the ledger's `pgtrigger` command hardens again after it; verify_ledger reports
# the switch if it is open all the same.
NEVER_IGNORE_BODY = "SELECT false"
NEVER_IGNORE_SQL = f"""
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$ {NEVER_IGNORE_BODY} $$ LANGUAGE sql IMMUTABLE;
"""


def harden_triggers(using: str, **kwargs) -> None:  # noqa: ANN003
    """Make pgtrigger's ignore check always answer "do not ignore"."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(NEVER_IGNORE_SQL)


class LedgerConfig(AppConfig):
    name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ledger.signing import signing_key_check

        post_migrate.connect(harden_triggers, sender=self, dispatch_uid="ledger_harden_triggers")
        checks.register(signing_key_check)
