"""App config of the reports app: public transparency figures, and documents of the books for auditors."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    label = "reports"

    def ready(self) -> None:
        from reports import checks  # noqa: F401  (registers the system checks)
