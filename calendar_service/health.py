"""Health endpoints for container healthchecks and load balancers.

``/healthz``: the process is alive and answers HTTP (liveness). ``/readyz``: the database
answers (readiness); 503 otherwise. Redis is reported but does not decide readiness: without it
pages, feeds and writes still work, uncached and slower, and what the workers must do is kept
in the database and swept up when it returns. So a missing Redis answers 200 with
``"status": "degraded"`` and ``checks.redis: "unavailable"`` (docs/deployment.md explains why
an orchestrator must not take the web out of service for it). Neither touches sessions, the
locale or templates.

``HealthCheckMiddleware`` answers both paths first in the middleware chain, before the HTTPS
redirect and the ``ALLOWED_HOSTS`` check: probes come over plain HTTP from inside the container
or from the orchestrator, with ``Host: localhost`` or an IP, and must not be redirected or
rejected. The same views are also routed in ``urls.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 1


def _json(payload: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process runs and serves requests. Checks nothing outside it."""
    return _json({"status": "ok"})


def _check_database() -> str:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # Drop the broken connection so the next request opens a fresh one.
        connection.close_if_unusable_or_obsolete()
        logger.warning("readiness: database check failed: %s", type(exc).__name__)
        return "unavailable"
    return "ok"


def _check_redis() -> str:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except Exception as exc:
        logger.warning("readiness: redis check failed: %s", type(exc).__name__)
        return "unavailable"
    finally:
        client.close()
    return "ok"


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 503 when the database does not answer; 200 otherwise, "degraded" when Redis
    (if ``REDIS_URL`` is set) does not: the service still serves, uncached."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    if checks["database"] == "unavailable":
        return _json({"status": "unavailable", "checks": checks}, status=503)
    degraded = checks["redis"] == "unavailable"
    return _json({"status": "degraded" if degraded else "ok", "checks": checks})


class HealthCheckMiddleware:
    """Serve ``/healthz`` and ``/readyz`` before any other middleware (first in MIDDLEWARE)."""

    views: dict[str, Callable[[HttpRequest], HttpResponse]] = {
        "/healthz": healthz,
        "/readyz": readyz,
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.views.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
