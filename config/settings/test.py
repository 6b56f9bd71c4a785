"""Settings for the test suite."""

import os

os.environ["TADAMUN_TESTING"] = "1"

from config.settings.base import *  # noqa: F403
from config.settings.base import DEVELOPMENT_LEDGER_SIGNING_KEY, DEVELOPMENT_VAULT_MASTER_KEY

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
LEDGER_SIGNING_KEY = DEVELOPMENT_LEDGER_SIGNING_KEY  # not for production
LEDGER_CHECKPOINT_INTERVAL = 0.0  # sign every head the tests seal
VAULT_MASTER_KEYS = DEVELOPMENT_VAULT_MASTER_KEY  # not for production
