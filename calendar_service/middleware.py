"""Security headers Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy.

Django's ``SecurityMiddleware`` already sends HSTS, ``X-Content-Type-Options``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``; ``XFrameOptionsMiddleware`` sends
``X-Frame-Options``.

The policy allows scripts, styles, images, fonts and fetches from this origin only: no inline
script or style, no CDN, no ``eval``. An element that must be inline carries the per-request
nonce, which this middleware puts on the request before the view runs::

    <script type="application/ld+json" nonce="{{ request.csp_nonce }}">...</script>

(``request`` is in every template context through the ``request`` context processor.) JSON-LD
and other data blocks are not executed and browsers do not block them, but giving them the nonce
costs nothing and keeps the rule simple: anything inline gets ``nonce="{{ request.csp_nonce }}"``.
``style="..."`` attributes cannot carry a nonce and are refused: use classes in a static CSS file.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def content_security_policy(
    nonce: str, *, upgrade_insecure_requests: bool, frame_ancestors: str = "'none'"
) -> str:
    """The policy for one response, with its nonce. Only the embeddable calendar's page
    (pages/embed.py) gives other ``frame_ancestors``."""
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ]
    if upgrade_insecure_requests:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    """Set ``request.csp_nonce``; add Content-Security-Policy and Permissions-Policy headers.

    A view that needs another policy sets its own ``Content-Security-Policy`` header; this
    middleware leaves such a response alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(
                nonce,
                upgrade_insecure_requests=bool(getattr(settings, "SECURE_SSL_REDIRECT", False)),
            )
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response
