"""The benchmark server's URLs: a bare Django view in front of the project's own URLs.

``/__bench__/bare/<name>`` answers the bytes of ``$BENCH_BODIES_DIR/<name>`` (content type from
``<name>.type``, ETag from ``<name>.etag``), read once per process, and 304 to a matching
If-None-Match. It runs in the same gunicorn worker, behind the same middleware, as the view it
is compared with: it is the cost of Django and the server with no work of the view's own.
nginx serves the same files as the physical limit (see ``bench.harness``).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import path

from calendar_service.urls import handler400, handler403, handler404, handler500
from calendar_service.urls import urlpatterns as project_urlpatterns

_bodies: dict[str, tuple[bytes, str, str]] = {}


def _body(name: str) -> tuple[bytes, str, str]:
    found = _bodies.get(name)
    if found is None:
        folder = Path(os.environ.get("BENCH_BODIES_DIR", "/nonexistent"))
        file = folder / name
        if "/" in name or not file.is_file():
            raise Http404(name)
        etag_file, type_file = folder / f"{name}.etag", folder / f"{name}.type"
        etag = etag_file.read_text().strip() if etag_file.is_file() else '"bare"'
        kind = type_file.read_text().strip() if type_file.is_file() else "text/plain"
        found = _bodies[name] = (file.read_bytes(), etag, kind)
    return found


def bare(request: HttpRequest, name: str) -> HttpResponse:
    body, etag, kind = _body(name)
    if request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=kind)
    response["ETag"] = etag
    return response


def _patterns() -> list:
    """The project's URLs with the bare view just before the feeds: Django tries the same
    patterns before reaching either, so URL resolution costs both the same."""
    patterns = list(project_urlpatterns)
    feeds = next(i for i, p in enumerate(patterns) if str(p.pattern) == "feeds/")
    patterns.insert(feeds, path("__bench__/bare/<str:name>", bare))
    return patterns


urlpatterns = _patterns()

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
