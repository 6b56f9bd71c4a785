"""Django app configuration for pledges."""

from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = "Pledges and contributions"

    def ready(self) -> None:
        from pledges import checks  # noqa: F401  (registers the system checks)
