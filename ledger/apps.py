"""Django app configuration for the ledger."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _harden_after_migrate(using: str, **kwargs: object) -> None:
    from ledger.database import harden

    harden(using)


class LedgerConfig(AppConfig):
    name = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ledger import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_harden_after_migrate, sender=self, dispatch_uid="ledger_harden")
