"""Django app configuration for pledges."""

from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = "Pledges and contributions"
