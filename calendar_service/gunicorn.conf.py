"""Gunicorn settings for the ``web`` service (``gunicorn -c calendar_service/gunicorn.conf.py``).

Tunable from the environment: ``WEB_CONCURRENCY`` (worker processes), ``GUNICORN_TIMEOUT``,
``LOG_JSON``/``LOG_LEVEL`` as for Django. Gunicorn's own ``GUNICORN_CMD_ARGS`` overrides anything
here (``--bind 127.0.0.1:9000``).

Worker class: sync, which is what docker-compose.yml's ``web`` service runs (it starts gunicorn
with this file and sets no worker class of its own). Why: the requests are short CPU work in
Django with no slow peer to wait on, so threads or an event loop would overlap nothing (and
threads would take turns on the GIL), and one request at a time per process is the only way
``timeout`` holds. A sync worker
tells the arbiter it is alive between requests, so one stuck in a request longer than
``timeout`` seconds is killed and replaced (tests/deploy/test_gunicorn_timeout.py shows it).
A threaded (gthread) worker keeps telling it from its main loop whatever its request threads do,
so a stuck request there is never stopped; hence no ``threads`` (gunicorn switches to gthread as
soon as threads > 1). Slow clients do not tie a sync worker up: the reverse proxy in front
buffers requests and responses (docs/deployment.md). Concurrency is ``WEB_CONCURRENCY``
processes per container.
"""

import multiprocessing
import os

bind = ["0.0.0.0:8000"]
worker_class = "sync"
threads = 1
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Load Django once in the arbiter and fork the workers from it: a recycled or replaced worker
# starts in milliseconds instead of importing the project again (1.2-1.5 s of CPU each, issue 19).
# Nothing opens a connection at import time; each worker opens its own database and Redis
# connections on first use. Code changes need a restart (not a HUP), as with any new image.
preload_app = True
graceful_timeout = 25
# Recycle workers rarely, so a slow leak cannot grow for ever: every 100,000 requests or so,
# with a jitter of a fifth so that the workers never restart together. A recycle stalls the
# connections queued on that worker while it exits and a new one forks and warms up; at 2,000
# requests it happened every few seconds under load and put /healthz p99 at c16 over 1 s
# (issue 19). At 100,000 a worker serving 300 requests a second restarts every 5-6 minutes.
max_requests = 100_000
max_requests_jitter = 20_000
# Heartbeat files on tmpfs: a container's overlay filesystem can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# TLS ends at the reverse proxy in front; only it can reach this port (see docs/deployment.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

if os.environ.get("LOG_JSON", "").lower() in ("1", "true", "yes", "on"):
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "calendar_service.jsonlog.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            }
        },
        # Gunicorn merges this into its defaults, whose root logger names its own handler.
        "root": {"handlers": ["stdout"], "level": loglevel.upper()},
        "loggers": {
            "gunicorn.error": {
                "handlers": ["stdout"],
                "level": loglevel.upper(),
                "propagate": False,
            },
            "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }
