"""Settings for the test suite."""

import os
from pathlib import Path

os.environ["TADAMUN_TESTING"] = "1"

# Under pytest-xdist each worker gets an embedded server of its own: the sealer's
# horizon is the oldest transaction on the whole server, so workers sharing one
# would hold each other's horizon back.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and not os.environ.get("DATABASE_URL") and not os.environ.get("TADAMUN_PGDATA"):
    os.environ["TADAMUN_PGDATA"] = str(Path(__file__).resolve().parents[2] / ".pgdata-test" / _worker)

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import DEVELOPMENT_LEDGER_SIGNING_KEY, DEVELOPMENT_VAULT_MASTER_KEY  # noqa: E402

SECRET_KEY = "test-secret-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
LEDGER_SIGNING_KEY = DEVELOPMENT_LEDGER_SIGNING_KEY  # not for production
LEDGER_CHECKPOINT_INTERVAL = 0.0  # sign every head the tests seal
VAULT_MASTER_KEYS = DEVELOPMENT_VAULT_MASTER_KEY  # not for production
# The tests' fake Stripe listens on 127.0.0.1 (tests/fakes/stripe_server.py) and sets the base.
STRIPE_SECRET_KEY = "sk_test_tadamun"
STRIPE_WEBHOOK_SECRET = "whsec_tadamun_test"
STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: a test that forgets the fake fails fast
STRIPE_MAX_NETWORK_RETRIES = 0
# Many tests pledge from one address; the throttle's own test lowers the rate it checks.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
    "pledges-create": "100000/hour",
}
