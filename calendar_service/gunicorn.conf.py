"""Gunicorn settings for the ``web`` service (``gunicorn -c calendar_service/gunicorn.conf.py``).

Tunable from the environment: ``WEB_CONCURRENCY`` (worker processes), ``GUNICORN_THREADS``,
``GUNICORN_TIMEOUT``, ``LOG_JSON``/``LOG_LEVEL`` as for Django. Gunicorn's own
``GUNICORN_CMD_ARGS`` overrides anything here (``--bind 127.0.0.1:9000``).
"""

import multiprocessing
import os

bind = ["0.0.0.0:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 25
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow for years.
max_requests = 2000
max_requests_jitter = 200
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
