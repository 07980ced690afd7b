"""Branded error pages (400, 403, 404, 500): the site's look, Danish by default, English when
chosen, a way back, and for 403 the reason. Under /api/ the errors stay JSON.

This module is also the URLconf of its tests: the site's URLs plus views that fail."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import path
from django.utils import translation

from calendar_service import urls as site_urls


def _bad(request):
    raise BadRequest("malformed")


def _forbidden(request):
    raise PermissionDenied("Kun for Viby Biblioteks medarbejdere.")


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test-errors/400/", _bad),
    path("test-errors/403/", _forbidden),
    path("test-errors/500/", _boom),
    path("api/v1/test-errors/500/", _boom),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PAGES = {
    # status: (url, Danish heading, English heading)
    400: ("/test-errors/400/", "Ugyldig forespørgsel", "Bad request"),
    403: ("/test-errors/403/", "Ingen adgang", "Access denied"),
    404: ("/no-such-page/", "Siden findes ikke", "Page not found"),
    500: ("/test-errors/500/", "Serverfejl", "Server error"),
}


def fetch(status: int, lang: str | None = None, **headers):
    client = Client(raise_request_exception=False)
    if lang:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(PAGES[status][0], **headers)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.parametrize("status", sorted(PAGES))
def test_error_page_is_branded_and_danish_by_default(status):
    html = fetch(status)
    assert '<html lang="da">' in html
    assert 'class="site-header"' in html
    assert "Roskilde Bibliotekerne" in html
    assert f"<h1>{PAGES[status][1]}</h1>" in html
    assert f"Fejl {status}" in html
    assert "Gå til kalenderen" in html
    assert 'href="/"' in html  # the way back to the calendar


@pytest.mark.parametrize("status", sorted(PAGES))
def test_error_page_is_english_when_chosen(status):
    html = fetch(status, lang="en")
    assert '<html lang="en">' in html
    assert f"<h1>{PAGES[status][2]}</h1>" in html
    assert "Go to the calendar" in html


def test_403_gives_the_reason():
    html = fetch(403)
    assert "Kun for Viby Biblioteks medarbejdere." in html


def test_a_link_back_to_the_page_one_came_from_on_this_site():
    html = fetch(404, HTTP_REFERER="http://testserver/biblioteker/")
    assert 'href="http://testserver/biblioteker/"' in html
    assert "Tilbage til forrige side" in html
    html = fetch(404, HTTP_REFERER="https://evil.example/phish")
    assert "evil.example" not in html


def test_500_renders_without_a_request_or_the_database(django_assert_num_queries):
    with translation.override("da"), django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "<h1>Serverfejl</h1>" in html
    assert 'href="/"' in html


def test_the_api_keeps_answering_json():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Ikke fundet."}  # the API follows Accept-Language
    response = client.get("/api/v1/test-errors/500/")
    assert response.status_code == 500
    assert "detail" in response.json()


def test_a_refused_csrf_token_gets_the_branded_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/konto/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "<h1>Formularen var udløbet</h1>" in html
