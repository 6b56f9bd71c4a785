"""Django app configuration for the vault."""

import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _pin_after_migrate(using: str, **kwargs: object) -> None:
    from vault.database import triggers_pin

    triggers_pin(using)


class VaultConfig(AppConfig):
    name = "vault"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from vault import checks  # noqa: F401  (registers the system checks)
        from vault.log_filters import HideDataKeyQueries

        logging.getLogger("django.db.backends").addFilter(HideDataKeyQueries())

        post_migrate.connect(_pin_after_migrate, sender=self, dispatch_uid="vault_pin")
