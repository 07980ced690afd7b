"""A tests-only WSGI app for tests/deploy/test_gunicorn_timeout.py: ``/sleep?seconds=N`` holds
its worker for N seconds (a stuck request); every other path answers the worker's process id."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/sleep":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        time.sleep(float(query.get("seconds", ["60"])[0]))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
