"""Settings for the double-reduction supervision portal, in one module.

Everything that differs between a laptop, the test suite and production comes
from the environment (12-factor, read with django-environ). With no
environment at all the portal runs on the PostgreSQL server that
`scripts/pgserver.py` finds or starts (`make demo`, `make test`) with Celery
tasks executed in-process, so `make demo` works anywhere. PostgreSQL is the
only database.

Production is `DJANGO_PRODUCTION=true`: then `DJANGO_SECRET_KEY` and
`FIELD_ENCRYPTION_KEYS` are required and have no default, so a missing one
stops the process at start.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from csp.constants import NONE, SELF

from shuangjian.local_secret import installation_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("DJANGO_PRODUCTION", default=False)
# Off unless asked for (DJANGO_DEBUG=true, a developer's choice): the demo and every other mode show the portal's
# own 403/404/500 pages, never Django's technical pages that list every URL and setting.
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- secret key -------------------------------------------------------------
# Production requires DJANGO_SECRET_KEY. Elsewhere, without it, each installation makes a random key on its
# first start and keeps it in DJANGO_SECRET_KEY_FILE (default .local/secret_key, git-ignored, mode 0600): never a
# key published in the repository, with which anybody could forge share links and sessions (local_secret.py).
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or installation_secret_key(
        env.str("DJANGO_SECRET_KEY_FILE", default=str(BASE_DIR / ".local" / "secret_key"))
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # hashed, expiring API tokens (REST_KNOX below)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # before accounts: its login-failure handler flags a lockout before the audit reads it
    "csp",
    # domain apps, in dependency order
    "schools",
    "accounts",
    "notifications",
    "compliance",
    "institutions",
    "homework",
    "afterschool",
    "periods",
    "complaints",
    "inspections",
    "dashboards",
    "funds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionMaxAgeMiddleware",
    "accounts.middleware.AccessDeniedAuditMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "shuangjian.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
                "notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "shuangjian.wsgi.application"
ASGI_APPLICATION = "shuangjian.asgi.application"

# --- database -------------------------------------------------------------
# PostgreSQL only. `make demo` / `make test` set DATABASE_URL (scripts/pgserver.py); the default is a local server.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/shuangjian")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise environ.ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...)")
# A Unix-socket directory comes percent-encoded in the URL (postgres://user@%2Fpath%2Fto%2Fdir/name), as libpq reads it.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "accounts.security.LockoutBackend",  # first: refuses a locked-out username or address
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
#: the input formats of the Chinese interface: ISO dates first, as <input type="date"> needs them
FORMAT_MODULE_PATH = ["shuangjian.formats"]
USE_TZ = True

# --- static ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION  # the demo serves static files from the checkout without DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsStaffRole"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # DRF's JSON parser with a nesting limit: a deeply nested body is a 400, never a 500 (shuangjian/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "shuangjian.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "shuangjian.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "shuangjian.schema.AutoSchema",
    "EXCEPTION_HANDLER": "shuangjian.api.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DEFAULT_THROTTLE_RATES": {
        "public_submit": env.str("PUBLIC_SUBMIT_RATE", default="10/min"),
        "public_read": env.str("PUBLIC_READ_RATE", default="120/min"),
    },
}

# --- API tokens (django-rest-knox) ------------------------------------------
# Only a SHA-512 digest of a token is stored. A token lives API_TOKEN_TTL_HOURS (10 h: a working day, under the
# 12-hour session cap) from when it was issued, however much it is used (no auto-refresh: a stolen token dies on
# schedule); POST /api/v1/auth/token/ issues a new one, DELETE revokes the caller's. A password change, a reset,
# deactivation and a lockout of the username revoke all of a user's tokens.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "双减监管平台 API / Double-reduction supervision portal API",
    "DESCRIPTION": "Beijing's double-reduction supervision portal: schools, homework, after-school service, "
    "training institutions, complaints, compliance findings and dashboards.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # one name per choice set where fields of the same name hold different sets ("kind", "state", "mode" ...)
    "ENUM_NAME_OVERRIDES": {
        "HomeworkKindEnum": "homework.choices.HomeworkKind",
        "ActivityKindEnum": "afterschool.choices.ActivityKind",
        "RuleKindEnum": "compliance.choices.RuleKind",
        "ComplaintEventKindEnum": "complaints.choices.EventKind",
        "InstitutionCategoryEnum": "institutions.choices.Category",
        "ComplaintCategoryEnum": "complaints.choices.Category",
        "RunStateEnum": "compliance.choices.RunState",
        "ComplaintStateEnum": "complaints.choices.State",
        "InstitutionModeEnum": "institutions.choices.Mode",
        "SessionModeEnum": "institutions.choices.SessionMode",
        "ListStatusEnum": "institutions.choices.ListStatus",
        "FindingStatusEnum": "compliance.choices.FindingStatus",
        "NoticeStateEnum": "compliance.choices.NoticeState",
        "ReportDecisionEnum": "compliance.choices.ReportDecision",
        "NotificationKindEnum": "notifications.choices.NotificationKind",
        "EmailStateEnum": "notifications.choices.EmailState",
        "InspectionKindEnum": "inspections.choices.InspectionKind",
        "InspectionResultEnum": "inspections.choices.ItemResult",
        "InspectionSubjectTypeEnum": "inspections.choices.SubjectType",
        "MonthlyReportStateEnum": "dashboards.choices.ReportState",
    },
    # The schema generates without a warning: `check --deploy` (drf-spectacular's deploy check) and
    # `manage.py spectacular --validate --fail-on-warn` both hold it to that (tests/security/test_api_fuzz.py).
    "ENABLE_DJANGO_DEPLOY_CHECK": True,
}

# --- Celery ---------------------------------------------------------------
# No broker configured: tasks run in-process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# A publish must never hang a request. A request that enqueues work first records it in the database (the
# filing sweep's SweepRequest rows, a run's parts), so a failed publish loses nothing: the beat entries send it
# later. Hence short, bounded socket waits and at most one retry when publishing; a stopped broker fails at
# once (connection refused), a hung one (accepts, never answers) after about BROKER_SOCKET_TIMEOUT seconds.
# See docs/decisions/outbox.md; tests/security/test_faults_redis.py holds a request to under 5 seconds.
BROKER_SOCKET_TIMEOUT = env.float("BROKER_SOCKET_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": BROKER_SOCKET_TIMEOUT,  # above the worker's 1-second BRPOP wait
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
    "visibility_timeout": 3600,
    "max_retries": 1,  # (re)connecting a publisher's channel: one more try, then the error
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# A worker, unlike a request, waits for the broker to come back: it reconnects for as long as it takes.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {}  # filled by the apps' own `beat_schedule()` in shuangjian/celery.py

# --- e-mail ---------------------------------------------------------------
# Notification e-mail (notifications/): real SMTP in production, configured here from the environment; without
# a mail server (`make demo`, a laptop) mails are printed on the console. EMAIL_BACKEND overrides either.
# Sends happen in a Celery task after commit, with retries; a failed send never fails the user's action
# (docs/decisions/notifications.md).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# a hung mail server holds a worker (and the claimed row) this long at most
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="北京市双减监管平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
# the portal's address as the recipients reach it: the links in the e-mails start with it
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- cache ----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# The cache holds nothing that cannot be lost (rate-limit counters, the sweep debounce key, cached dashboards):
# a stopped or hung Redis must cost a request at most this long, never hang it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
REDIS_CACHE_OPTIONS = {"socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": REDIS_SOCKET_TIMEOUT}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "shuangjian.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
            # several deployments (or parallel test runs) sharing one Redis keep apart by a prefix
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- personal information -------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
if PRODUCTION:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
else:
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1zZWNyZXQtMDE="])
COMPLAINT_RETENTION_DAYS = env.int("COMPLAINT_RETENTION_DAYS", default=365 * 3)

# --- sessions and security --------------------------------------------------
# Policy values and how each is tested: docs/decisions/security.md.
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # server-side: logout deletes the session row
SESSION_COOKIE_AGE = 30 * 60  # 30 minutes idle
SESSION_SAVE_EVERY_REQUEST = True
SESSION_MAX_AGE_SECONDS = 12 * 3600  # absolute cap, accounts.middleware.SessionMaxAgeMiddleware
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Login lockout (django-axes): 5 failures lock the username, and separately the
# address, for 15 minutes; a successful login clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_ip"
AXES_VERBOSE = False
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Content-Security-Policy: no inline script anywhere (scripts live in static/js/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# Audit trail: kept at least six months (Cybersecurity Law art. 21); purge_audit refuses less.
AUDIT_RETENTION_DAYS = max(183, env.int("AUDIT_RETENTION_DAYS", default=183))
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Rendered dashboards are cached until any figure they count changes (dashboards/caching.py); this
# only bounds how long an unused one is kept. On by default where every process shares the cache
# (Redis); 0 turns it off, as it is by default with the per-process local-memory cache.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60 if REDIS_URL else 0)

# Filings arriving within this window are swept together (debounce).
SWEEP_DEBOUNCE_SECONDS = env.int("SWEEP_DEBOUNCE_SECONDS", default=30)
