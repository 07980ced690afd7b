"""Settings for the Roskilde library calendar, read from the environment.

Every default runs on a laptop with nothing but Python: SQLite under ``var/``, Celery tasks run
in-process and a local-memory cache. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL and Redis. See ``.env.example`` for every variable.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
    REDIS_URL=(str, ""),
    TIME_ZONE=(str, "Europe/Copenhagen"),
    LANGUAGE_CODE=(str, "da"),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    OCCURRENCE_HORIZON_DAYS=(int, 396),
    EVENT_START_PAST_DAYS=(int, 366),
    FEED_PAST_DAYS=(int, 30),
    FEED_FUTURE_DAYS=(int, 396),
    FEED_REFRESH_MINUTES=(int, 60),
    API_MAX_PAGE_SIZE=(int, 500),
    LOG_LEVEL=(str, "INFO"),
    LOG_JSON=(bool, False),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 31536000),
    STATIC_ROOT=(str, str(VAR_DIR / "staticfiles")),
    CELERY_BEAT_SCHEDULE_FILENAME=(str, str(VAR_DIR / "celerybeat-schedule")),
    CELERY_TASK_ALWAYS_EAGER=(bool, False),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (see .env.example); "
            "a development key is only used when DEBUG=true."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
elif not DEBUG and SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "SECRET_KEY is a development key (django-insecure-...). Set a long random SECRET_KEY "
        "(see .env.example) when DEBUG is off."
    )

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not a CDN (Content-Security-Policy)
    "calendar_service",  # management commands: compile_translations
    "events",
    "feeds",
    "tasks",
    "pages",
    "demo",
]

MIDDLEWARE = [
    # /healthz and /readyz first: probes must not meet the HTTPS redirect or ALLOWED_HOSTS.
    "calendar_service.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (sets request.csp_nonce for templates) and Permissions-Policy.
    "calendar_service.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "calendar_service.locale.DanishFirstLocaleMiddleware",
    # Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE answer 413 before any view reads them
    # (after LocaleMiddleware, so the message is in the client's language).
    "calendar_service.middleware_limits.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "calendar_service.urls"
WSGI_APPLICATION = "calendar_service.wsgi.application"
ASGI_APPLICATION = "calendar_service.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "calendar_service" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "roskilde",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Failed logins (admin, API session login) are limited per user and address in the cache.
AUTHENTICATION_BACKENDS = ["calendar_service.middleware_limits.RateLimitedModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Internationalisation: Danish first, English second; time in Copenhagen.
LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT"))  # collected into the image at build time
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # requests over 1 MiB answer 413

# Domain settings
OCCURRENCE_HORIZON_DAYS = env("OCCURRENCE_HORIZON_DAYS")  # about 13 months
# How far back a new or re-timed event may start: bounds the occurrences one request creates.
EVENT_START_PAST_DAYS = env("EVENT_START_PAST_DAYS")
FEED_PAST_DAYS = env("FEED_PAST_DAYS")
FEED_FUTURE_DAYS = env("FEED_FUTURE_DAYS")
FEED_REFRESH_MINUTES = env("FEED_REFRESH_MINUTES")
EVENT_UID_DOMAIN = "bibliotekerne.roskilde.dk"

REST_FRAMEWORK = {
    # Token first, so that an anonymous write answers 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "events.api.exceptions.api_exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "events.api.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DATETIME_FORMAT": "iso-8601",
}
API_MAX_PAGE_SIZE = env("API_MAX_PAGE_SIZE")
SPECTACULAR_SETTINGS = {
    "TITLE": "Roskilde Bibliotekerne: calendar API",
    "DESCRIPTION": "Events, occurrences, attendance and status figures of Roskilde's libraries.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field called "kind"; name each choice set explicitly.
    "ENUM_NAME_OVERRIDES": {
        "BranchKindEnum": "events.models.Branch.Kind",
        "JobKindEnum": "tasks.models.Job.Kind",
        "StatusReportKindEnum": "tasks.models.StatusReport.Kind",
        "PeriodKindEnum": "tasks.models.PeriodKind",
    },
}

# Celery: with REDIS_URL unset, tasks run in-process (eager) so nothing else must run.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env("CELERY_TASK_ALWAYS_EAGER") or not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# Two queues: "interactive" (recompute after a write, occurrence horizon: short, someone may be
# waiting) and "reports" (KIU status reports: long). Run workers per queue so a long report never
# holds up interactive jobs (docker-compose.yml: worker and worker-reports).
CELERY_TASK_QUEUES = (Queue("interactive"), Queue("reports"))
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_ROUTES = {"tasks.tasks.status_report_*": {"queue": "reports"}}
# Long jobs: a worker takes one message at a time and acknowledges it only when done, so a job
# of a worker that dies is delivered again (the jobs are idempotent, see STYLE.md).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
# Time limits: soft raises SoftTimeLimitExceeded in the task, hard kills the worker child.
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 10
CELERY_TASK_TIME_LIMIT = 60 * 12
CELERY_TASK_ANNOTATIONS = {  # exact task names: annotations take no patterns
    "tasks.tasks.status_report_generate_task": {"soft_time_limit": 60 * 30, "time_limit": 60 * 35},
}
# Redis redelivers an unacknowledged message after visibility_timeout: keep it above the longest
# hard time limit, or a long report would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 2}
CELERY_RESULT_EXPIRES = 60 * 60 * 24  # results are looked up right after a job, not kept
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # worker logs go through LOGGING (JSON to stdout)
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME")

# Security: strict when DEBUG is off (manage.py check --deploy reports nothing).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The API docs load Swagger UI and Redoc from drf-spectacular-sidecar's static files: the
# Content-Security-Policy (calendar_service/middleware.py) allows no CDN.
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
    }
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line (time, level, logger, message, exc_info, extra fields).
        "json": {"()": "calendar_service.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if env("LOG_JSON") else "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
