"""Content-Security-Policy and the other security headers, and pages that satisfy the policy."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

from calendar_service.middleware import SecurityHeadersMiddleware
from tests import factories

DATA_BLOCK_TYPES = {"application/ld+json", "application/json"}


def _nonce(response) -> str:
    match = re.search(r"script-src 'self' 'nonce-([^']+)'", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match.group(1)


def test_policy_allows_only_this_origin_and_the_nonce(client, db):
    response = client.get("/healthz-is-not-this/")  # any response, even a 404, carries it
    policy = response["Content-Security-Policy"]
    nonce = _nonce(response)

    assert "default-src 'self'" in policy
    assert f"style-src 'self' 'nonce-{nonce}'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "http" not in policy  # no other origin, no CDN


def test_nonce_is_new_for_every_response(client, db):
    assert _nonce(client.get("/")) != _nonce(client.get("/"))


def test_templates_get_the_nonce_of_the_header():
    template = engines["django"].from_string(
        '<script type="application/ld+json" nonce="{{ request.csp_nonce }}">{}</script>'
    )
    request = RequestFactory().get("/")

    def view(request):
        from django.http import HttpResponse

        return HttpResponse(template.render({}, request))

    response = SecurityHeadersMiddleware(view)(request)

    assert f'nonce="{_nonce(response)}"' in response.content.decode()


def test_view_with_its_own_policy_keeps_it():
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("embed")
        response["Content-Security-Policy"] = "frame-ancestors https://intranet.example"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))

    assert response["Content-Security-Policy"] == "frame-ancestors https://intranet.example"


def test_django_and_own_security_headers_are_sent(client, db):
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


class _Audit(HTMLParser):
    """Collect what a strict self-only policy with a nonce would block on a page."""

    def __init__(self, nonce: str) -> None:
        super().__init__()
        self.nonce = nonce
        self.violations: list[str] = []
        self._inline: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.violations.append(f"style attribute on <{tag}>: {attrs['style']}")
        for name in attrs:
            if name.startswith("on"):
                self.violations.append(f"inline event handler {name} on <{tag}>")
        url = attrs.get("src") if tag in ("script", "img", "iframe") else None
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            url = attrs.get("href")
        if url and re.match(r"^(https?:)?//", url):
            self.violations.append(f"<{tag}> from another origin: {url}")
        if tag == "script" and not attrs.get("src"):
            is_data = (attrs.get("type") or "").lower() in DATA_BLOCK_TYPES
            if not is_data and attrs.get("nonce") != self.nonce:
                self._inline = "script"
        if tag == "style" and attrs.get("nonce") != self.nonce:
            self._inline = "style"
        if tag == "a" and (attrs.get("href") or "").lower().startswith("javascript:"):
            self.violations.append("javascript: link")

    def handle_data(self, data):
        if self._inline and data.strip():
            self.violations.append(
                f"inline <{self._inline}> without the nonce: {data.strip()[:60]}"
            )

    def handle_endtag(self, tag):
        self._inline = None


def _violations(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    audit = _Audit(_nonce(response))
    audit.feed(response.content.decode())
    return audit.violations


@pytest.fixture
def published_event(db):
    start = timezone.localtime() + timedelta(days=3)
    return factories.make_event(title="Strikkecafé", start=start.replace(second=0, microsecond=0))


@pytest.mark.parametrize(
    "path",
    ["/", "/biblioteker/", "/spor/", "/admin/login/", "/konto/login/", "/api/docs/"],
)
def test_public_pages_satisfy_the_policy(client, db, published_event, path):
    assert _violations(client.get(path)) == []


def test_event_page_with_json_ld_satisfies_the_policy(client, published_event):
    assert _violations(client.get(f"/arrangementer/{published_event.pk}/")) == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/add/",
        "/admin/events/event/",
        "/admin/events/event/add/",
        "/ledelse/",
        "/ledelse/rapporter/",
    ],
)
def test_admin_pages_satisfy_the_policy(client, admin_user, published_event, path):
    client.force_login(admin_user)

    assert _violations(client.get(path)) == []
