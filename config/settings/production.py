"""Production settings: every secret comes from the environment, no defaults."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DEVELOPMENT_LEDGER_SIGNING_KEY, DEVELOPMENT_VAULT_MASTER_KEY, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
LEDGER_SIGNING_KEY = env("LEDGER_SIGNING_KEY")
if LEDGER_SIGNING_KEY.strip() == DEVELOPMENT_LEDGER_SIGNING_KEY:
    raise ImproperlyConfigured(
        "LEDGER_SIGNING_KEY is the published development key; make one with manage.py ledger_keygen"
    )
VAULT_MASTER_KEYS = env("VAULT_MASTER_KEYS")
if DEVELOPMENT_VAULT_MASTER_KEY.partition(":")[2] in {
    entry.partition(":")[2].strip() for entry in VAULT_MASTER_KEYS.split(",")
}:
    raise ImproperlyConfigured(
        "VAULT_MASTER_KEYS holds the published development key; make one with manage.py vault_keygen"
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405
# TLS ends at a reverse proxy (docker/Caddyfile) that sets X-Forwarded-Proto and
# is the only way in: were the app reachable directly, a client could claim https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Turning the redirect off fails `manage.py check --deploy` (W008): do it only
# where the proxy itself redirects HTTP, and silence W008 there knowingly.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Lets the domain be submitted to the browsers' preload list (hstspreload.org);
# the header alone submits nothing.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
