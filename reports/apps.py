"""App config of the reports app: documents of the books for auditors and the public."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    label = "reports"
