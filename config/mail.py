"""Outgoing e-mail from one EMAIL_URL: Django 6.1's MAILERS where it has them, the EMAIL_* settings before."""

from typing import Any

import django
import environ

_SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}


def mail_settings(env: environ.Env, *, default: str) -> dict[str, Any]:
    """The settings for EMAIL_URL (e.g. smtp+tls://user:password@host:587, consolemail://)."""
    config = env.email_url("EMAIL_URL", default=default)
    if django.VERSION < (6, 1):
        return dict(config)
    backend = config["EMAIL_BACKEND"]
    options: dict[str, Any] = {}
    if backend.endswith(".smtp.EmailBackend"):
        options = {
            name: config[key] for key, name in _SMTP_OPTIONS.items() if config.get(key) not in ("", None)
        }
    return {"MAILERS": {"default": {"BACKEND": backend, "OPTIONS": options}}}
