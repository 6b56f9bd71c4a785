"""App config of the reports app: public transparency aggregates (PDF and CSV reports come later)."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        from reports import checks  # noqa: F401  (registers the system checks)
