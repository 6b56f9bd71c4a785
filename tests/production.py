"""Run manage.py or Python in a subprocess under production settings, against the test database."""

import base64
import os
import secrets
import subprocess
import sys

from django.conf import settings

from tests.database_url import current_database_url


def subprocess_env() -> dict[str, str]:
    """This process's environment without the settings the test run put there (TADAMUN_TESTING...)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "TADAMUN_"))}


def production_env(**overrides: str) -> dict[str, str]:
    """Production settings with fresh secret, signing and master keys, and the test database."""
    env = subprocess_env()
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        # Not get_random_secret_key(): django-environ reads a value that starts with $ as
        # the name of another variable.
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        LEDGER_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        VAULT_MASTER_KEYS=f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        DJANGO_ALLOWED_HOSTS="tadamun.example.org",
        DATABASE_URL=current_database_url(),
    )
    env.update(overrides)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project's directory, with exactly `env`."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
