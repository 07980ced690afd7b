"""Settings for the Roskilde library calendar, read from the environment.

Every default runs on a laptop with nothing but Python: SQLite under ``var/``, Celery tasks run
in-process and a local-memory cache. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL and Redis. See ``.env.example`` for every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from events.clock import ZONE_NAME

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
    REDIS_URL=(str, ""),
    REDIS_CACHE_URL=(str, ""),
    LANGUAGE_CODE=(str, "da"),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    WAS_URL=(str, "https://www.was.digst.dk/roskilde-dk"),
    OCCURRENCE_HORIZON_DAYS=(int, 396),
    EVENT_START_PAST_DAYS=(int, 366),
    FEED_PAST_DAYS=(int, 30),
    FEED_FUTURE_DAYS=(int, 396),
    FEED_REFRESH_MINUTES=(int, 60),
    FEED_GENERATION_MAX_AGE_MS=(int, 250),
    PAGE_CACHE_SECONDS=(int, 60),
    FEED_MAX_BYTES=(int, 1_000_000),
    API_MAX_PAGE_SIZE=(int, 500),
    LOG_LEVEL=(str, "INFO"),
    LOG_JSON=(bool, False),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 31536000),
    STATIC_ROOT=(str, str(VAR_DIR / "staticfiles")),
    CELERY_BEAT_SCHEDULE_FILENAME=(str, str(VAR_DIR / "celerybeat-schedule")),
    CELERY_TASK_ALWAYS_EAGER=(bool, False),
    TRUSTED_PROXY_COUNT=(int, 0),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "Roskilde Bibliotekerne <noreply@roskildebib.dk>"),
    MEDIA_ROOT=(str, str(VAR_DIR / "media")),
    MEDIA_URL=(str, "/media/"),
    SERVE_MEDIA=(bool, False),
    EVENT_IMAGE_MAX_BYTES=(int, 10 * 1024 * 1024),
    EMBED_FRAME_ANCESTORS=(list, []),
    SCREEN_REFRESH_SECONDS=(int, 60),
    PRIVACY_URL=(str, "https://roskildebib.dk/persondatapolitik"),
    PROPOSAL_RETENTION_DAYS=(int, 90),
    PROPOSAL_MIN_SECONDS=(int, 5),
    PROPOSAL_RATE=(str, "5/h"),
    PROPOSAL_MAX_LINKS=(int, 2),
    DPL_CMS_URL=(str, ""),
    DPL_CMS_USERNAME=(str, ""),
    DPL_CMS_PASSWORD=(str, ""),
    DPL_CMS_SYNC_MINUTES=(int, 15),
    DPL_CMS_PAST_DAYS=(int, 30),
    DPL_CMS_TIMEOUT_SECONDS=(int, 30),
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
# The accessibility statement made in Digitaliseringsstyrelsen's WAS tool: the footer links it
# and /was redirects to it (webtilgængelighedsloven). The default is Roskilde Kommune's
# statement; set the calendar's own once it is published. Empty: no link, /was answers 404.
WAS_URL = env("WAS_URL").strip()

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
    "axes",  # failed logins (see AXES_* below)
    "calendar_service",  # management commands: compile_translations
    "events",
    "feeds",
    "tasks",
    "proposals",
    "pages",
    "demo",
    "dplcms",
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
    # Last, as django-axes asks: turns a locked-out login into a 429 (calendar_service/
    # middleware_limits.py: lockout_response).
    "axes.middleware.AxesMiddleware",
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
# The cache's own Redis (docker-compose.yml: ``redis-cache``, allkeys-lru with a maxmemory),
# apart from the Celery broker's (``REDIS_URL``, noeviction): a full cache evicts its own
# entries and can never refuse the broker's queue writes. Unset: the cache uses REDIS_URL too
# (one Redis for development; not for production, see docs/deployment.md).
REDIS_CACHE_URL = env("REDIS_CACHE_URL") or REDIS_URL
# Redis being away must not fail a page, a feed or a write: the cache answers a miss instead
# (logged), after at most half a second (calendar_service/cache.py).
CACHE_SOCKET_TIMEOUT = 0.5
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "calendar_service.cache.FailSoftRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "roskilde",
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Failed logins: django-axes counts them per username AND client address, in the database (so
# the limit holds across processes and without Redis). Every password login (the admin, /konto/
# login/, /api/auth/login/) goes through authenticate() and so through it. After 5 failures of
# one username from one address, that pair is refused for 15 minutes after its last counted
# failure, even with the right password; the same user from another address, and every other
# user, log in as usual: one attacker cannot lock the staff out. Tries while locked out are not
# counted (they would extend the lock for ever); a successful login clears the pair's count.
# There is deliberately no per-address limit: axes compares one failure limit with the largest
# count over its parameter sets, and the staff share the municipality's few NAT addresses.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # keep no record of successful logins (less personal data)
# The client address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the address the
# outermost of them appended to X-Forwarded-For (read with django-ipware); never an address the
# client wrote itself. 0 (a bare development server) ignores X-Forwarded-For entirely.
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more (see .env.example).")
AXES_CLIENT_IP_CALLABLE = "calendar_service.middleware_limits.client_address"
# A locked-out login answers 429 with the login form and a message saying why (not a bare page).
AXES_LOCKOUT_CALLABLE = "calendar_service.middleware_limits.lockout_response"
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
# Unambiguous dates in English ("Mon 7 Dec 2026", never "12/7"): calendar_service/formats/.
FORMAT_MODULE_PATH = ["calendar_service.formats"]
# Not configurable: the service is for Roskilde and its rules, feeds and figures are in
# Copenhagen time (events/clock.py decides; Django's display and Celery's beat follow it).
TIME_ZONE = ZONE_NAME
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
# Uploaded event pictures (events/images.py makes them). Django serves them itself only with
# DEBUG or SERVE_MEDIA; in production the proxy serves MEDIA_ROOT at MEDIA_URL (docs/deployment.md).
MEDIA_ROOT = Path(env("MEDIA_ROOT"))
MEDIA_URL = env("MEDIA_URL")
SERVE_MEDIA = DEBUG or env("SERVE_MEDIA")
EVENT_IMAGE_MAX_BYTES = env("EVENT_IMAGE_MAX_BYTES")  # a larger picture is refused with a message
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # requests over 1 MiB answer 413 (uploads: below)
# A multipart upload (an event's picture) may be as large as the picture and 1 MiB of fields.
UPLOAD_MAX_BYTES = EVENT_IMAGE_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
# Origins whose pages may frame the embeddable calendar (/indlejr/), e.g.
# "https://www.roskilde.dk,https://*.roskildeskoler.dk"; every other page refuses to be framed.
EMBED_FRAME_ANCESTORS = env("EMBED_FRAME_ANCESTORS")
# How often a branch screen (/skaerm/<branch>/) asks whether what it shows has changed.
SCREEN_REFRESH_SECONDS = env("SCREEN_REFRESH_SECONDS")

# Domain settings
OCCURRENCE_HORIZON_DAYS = env("OCCURRENCE_HORIZON_DAYS")  # about 13 months
# How far back a new or re-timed event may start: bounds the occurrences one request creates.
EVENT_START_PAST_DAYS = env("EVENT_START_PAST_DAYS")
FEED_PAST_DAYS = env("FEED_PAST_DAYS")
FEED_FUTURE_DAYS = env("FEED_FUTURE_DAYS")
FEED_REFRESH_MINUTES = env("FEED_REFRESH_MINUTES")
# How old a process's copy of the feeds' generation may be before it reads it again: a change
# reaches every process's next poll at most this long after its commit (feeds/cache.py).
FEED_GENERATION_MAX_AGE_MS = env("FEED_GENERATION_MAX_AGE_MS")
# The public pages (front page, week and month, event, branch and track pages) answer anonymous
# visitors from a copy kept by the same generation, renewed at the latest this many seconds
# after it was made (pages/cache.py). 0: every page is rendered for each request.
PAGE_CACHE_SECONDS = env("PAGE_CACHE_SECONDS")
# Largest iCal feed: Google Calendar stops reading a calendar near 1 MB. A larger selection is
# trimmed, the past first, then the far future (feeds/pieces.py); the subscribe panel says so.
FEED_MAX_BYTES = env("FEED_MAX_BYTES")
# The dpl-cms connector (dplcms/): off while DPL_CMS_URL is unset. It reads the website's events
# every DPL_CMS_SYNC_MINUTES from DPL_CMS_PAST_DAYS back, as the Drupal user named here.
DPL_CMS_URL = env("DPL_CMS_URL").rstrip("/")
DPL_CMS_USERNAME = env("DPL_CMS_USERNAME")
DPL_CMS_PASSWORD = env("DPL_CMS_PASSWORD")
DPL_CMS_SYNC_MINUTES = env("DPL_CMS_SYNC_MINUTES")
DPL_CMS_PAST_DAYS = env("DPL_CMS_PAST_DAYS")
DPL_CMS_TIMEOUT_SECONDS = env("DPL_CMS_TIMEOUT_SECONDS")
EVENT_UID_DOMAIN = "bibliotekerne.roskilde.dk"

REST_FRAMEWORK = {
    # Token first, so that an anonymous write answers 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "events.api.exceptions.api_exception_handler",
    # JSON only (a form cannot carry the nested lists the API takes), and JSON nested deeper
    # than any endpoint takes is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["events.api.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's, documenting the 400/401/403/404 answers of every API operation
    "DEFAULT_SCHEMA_CLASS": "events.api.schema.ApiAutoSchema",
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
    # No deep links: Swagger UI puts them as links inside each operation's button, a control
    # nested in a control (axe: nested-interactive). The docs page passes axe with this and
    # pages/static/pages/api-docs.css.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # Several models have a field called "kind"; name each choice set explicitly.
    "ENUM_NAME_OVERRIDES": {
        "BranchKindEnum": "events.models.Branch.Kind",
        "JobKindEnum": "tasks.models.Job.Kind",
        "StatusReportKindEnum": "tasks.models.StatusReport.Kind",
        "PeriodKindEnum": "tasks.models.PeriodKind",
        "ChangeActionEnum": "events.models.Change.Action",
        "InitiativeStatusEnum": "tasks.models.InitiativeStatus",
        "EventKindEnum": "events.models.Event.Kind",
        "EventVenueEnum": "events.models.Event.Venue",
        "BarometerTypeEnum": "events.models.Event.BarometerType",
        "InitiatedByEnum": "events.models.Event.InitiatedBy",
        "NationalFormEnum": "tasks.models.NationalLine.Form",
        "NationalMeasureEnum": "tasks.models.NationalLine.Measure",
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
# Long jobs: a worker takes one message at a time and acknowledges it only when done. When the
# pool process running it dies (OOM, kill -9), the message is handed back to the queue at once
# (reject_on_worker_lost) instead of being acknowledged as failed; the jobs are idempotent (see
# STYLE.md) and a Job row is never run twice at once (tasks.services.jobs.job_run).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
# Time limits, set here only (the tasks declare none): soft raises SoftTimeLimitExceeded in the
# task (its job is marked failed), hard kills the pool process. The default fits the interactive
# jobs; annotations take exact task names, no patterns.
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 10
CELERY_TASK_TIME_LIMIT = 60 * 12
CELERY_TASK_ANNOTATIONS = {
    "tasks.tasks.status_report_generate_task": {"soft_time_limit": 60 * 30, "time_limit": 60 * 35},
    "tasks.tasks.occurrences_extend_horizon_task": {
        "soft_time_limit": 60 * 20,
        "time_limit": 60 * 25,
    },
}
# A job started on demand (a Job row) beats a heartbeat on its row every JOB_HEARTBEAT_SECONDS
# while it runs; the sweep (tasks/schedule.py, every minute) starts again a job whose heartbeat is
# older than JOB_LEASE_SECONDS (its worker died), at most JOB_MAX_ATTEMPTS times in all, and sends
# a job whose message never reached Redis after JOB_SEND_GRACE_SECONDS.
JOB_HEARTBEAT_SECONDS = 10
JOB_LEASE_SECONDS = 75
JOB_MAX_ATTEMPTS = 3
JOB_SEND_GRACE_SECONDS = 60
# Finished jobs (and the library website's sync runs) are kept this many days, then deleted by
# the same sweep: the sync alone starts one every DPL_CMS_SYNC_MINUTES, 35,000 a year.
JOB_KEEP_DAYS = 90
# Redis hands an unacknowledged message to another worker visibility_timeout seconds after it was
# delivered: that is how a message without a Job row (nightly runs, the recompute after a write)
# comes back after its whole worker died. It must stay above the longest hard time limit, or a
# message still being worked on would be run a second time at once; the margin covers a
# countdown (the coalesced recompute's 30 s) and the lease and sweep of a job started again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(
        [CELERY_TASK_TIME_LIMIT, *(a["time_limit"] for a in CELERY_TASK_ANNOTATIONS.values())]
    )
    + 60 * 10,
    # Publishing from a web request must not hang on a Redis that does not answer.
    "socket_connect_timeout": 1,
}
# A message that cannot be published (broker away) fails after about a second instead of
# holding the request: what it asked for is in the database and swept up by beat
# (tasks/dispatch.py, STATUS_RECOMPUTE_DELAY below).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Seconds the update of a year's figures waits after the first write that touched it, so that
# many writes in a row (a bulk upload, a series edited) cost one update; a year still stale
# after STATUS_SWEEP_AGE seconds is taken up by the sweep that beat runs
# every minute (tasks/schedule.py). An update covers the events the writes changed when there
# are at most STATUS_UPDATE_MAX_EVENTS of them, else the year is recomputed as a whole
# (tasks/services/figures.py, status_update).
STATUS_RECOMPUTE_DELAY = 1
STATUS_SWEEP_AGE = 60
STATUS_UPDATE_MAX_EVENTS = 500
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

# Mail (digests, proposal receipts): EMAIL_URL as django-environ reads it, e.g.
# smtp+tls://user:password@smtp.example.org:587 ; the default prints mails to the console.
vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# Citizens' proposals (proposals/): the privacy notice the form links to; contact details are
# erased this many days after the decision (a daily beat job); the public form's spam guards:
# at least this many seconds on the page, this many accepted proposals per client address
# (django-ratelimit, in the cache; the address as django-axes reads it behind
# TRUSTED_PROXY_COUNT proxies), at most this many links in the text.
PRIVACY_URL = env("PRIVACY_URL")
PROPOSAL_RETENTION_DAYS = env("PROPOSAL_RETENTION_DAYS")
PROPOSAL_MIN_SECONDS = env("PROPOSAL_MIN_SECONDS")
PROPOSAL_RATE = env("PROPOSAL_RATE")
PROPOSAL_MAX_LINKS = env("PROPOSAL_MAX_LINKS")
RATELIMIT_IP_META_KEY = "calendar_service.middleware_limits.client_address"
# With Redis away the count cannot be kept: proposals are accepted (the other guards still
# hold) rather than refusing every citizen.
RATELIMIT_FAIL_OPEN = True
