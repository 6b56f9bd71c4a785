"""Settings for running the demo on a developer's machine."""

from config.mail import mail_settings
from config.settings.base import *  # noqa: F403
from config.settings.base import DEVELOPMENT_LEDGER_SIGNING_KEY, DEVELOPMENT_VAULT_MASTER_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-demo-secret-key-not-for-production")
LEDGER_SIGNING_KEY = env("LEDGER_SIGNING_KEY", default=DEVELOPMENT_LEDGER_SIGNING_KEY)  # not for production
VAULT_MASTER_KEYS = env("VAULT_MASTER_KEYS", default=DEVELOPMENT_VAULT_MASTER_KEY)  # not for production
# Demo receipts are printed, not sent (demo donors' addresses are made up).
vars().update(mail_settings(env, default="consolemail://"))
