"""Django app configuration for the HTTP API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
