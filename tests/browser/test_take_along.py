"""Taking the calendar along, in Chromium (issue 17): the embed on a page of another origin
(script and iframe; no cookies; every other page refuses to be framed), the branch screen
refreshing itself, and axe (WCAG 2.1 A and AA) on every new page, in Danish and English, on
a desktop and a phone."""

from __future__ import annotations

import importlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.test_attendance_screen import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HOST_FONT = '"Courier New", monospace'


@pytest.fixture
def viby(transactional_db, settings, tmp_path):
    """Viby with three upcoming events, one with a picture and one cancelled, and a draft."""
    from django.apps import apps

    from events import services
    from events.models import Event
    from tests import factories
    from tests.pages.conftest import soon
    from tests.pictures import upload

    settings.MEDIA_ROOT = str(tmp_path / "media")
    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    branch = factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    lego = factories.make_event(
        branch=branch,
        title="Lego-klub",
        start=soon(1, 16),
        image=upload(),
        image_alt="Børn bygger med LEGO",
    )
    factories.make_event(branch=branch, title="Skakklub", start=soon(2, 19))
    birds = factories.make_event(branch=branch, title="Foredrag om fugle", start=soon(3, 19))
    services.occurrence_cancel(occurrence=birds.occurrences.get(), reason="Sygdom")
    factories.make_event(
        branch=branch, title="Hemmeligt udkast", start=soon(1, 10), status=Event.Status.DRAFT
    )
    return {"branch": branch, "lego": lego}


@pytest.fixture
def host_site(tmp_path, live_server):
    """A school's page on another origin (its own http.server) with the script and an iframe
    of the embed, and an iframe of the calendar's front page, which must be refused."""
    root = tmp_path / "school"
    root.mkdir()
    (root / "index.html").write_text(
        f"""<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>Viby Skole</title>
<style>body {{ font-family: {HOST_FONT}; font-size: 19px; color: #222; }}</style></head>
<body><main><h1>Viby Skole</h1>
<h2>Det sker på biblioteket</h2>
<script src="{live_server.url}/embed.js" data-branch="viby" data-count="3"></script>
<iframe id="framed" title="Bibliotekets kalender" width="420" height="500"
        src="{live_server.url}/indlejr/?branch=viby&amp;count=3"></iframe>
<iframe id="refused" title="Bibliotekets forside" width="420" height="300"
        src="{live_server.url}/"></iframe>
</main></body></html>""",
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_embed_on_another_origin(browser, live_server, viby, host_site, settings):
    settings.EMBED_FRAME_ANCESTORS = [host_site]
    context = browser.new_context(locale="da-DK", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    # A visitor who has a cookie at the calendar: the script must not send it.
    context.add_cookies([{"name": "visitor", "value": "1", "url": live_server.url}])
    page = context.new_page()
    data_requests = []
    page.on(
        "request",
        lambda r: data_requests.append(r) if "/indlejr/data.json" in r.url else None,
    )
    refusals = []
    page.on("console", lambda m: refusals.append(m.text) if "frame" in m.text else None)
    page.goto(host_site + "/")

    # the script: the upcoming events, no draft, in the host page's font
    items = page.locator("roskilde-calendar li")
    items.first.wait_for()
    assert items.count() == 3
    texts = items.all_inner_texts()
    assert [t.splitlines()[0] for t in texts] == ["Lego-klub", "Skakklub", "Foredrag om fugle"]
    assert "Aflyst" in texts[2]
    link_font = page.locator("roskilde-calendar li a").first.evaluate(
        "a => getComputedStyle(a).fontFamily"
    )
    assert link_font == page.evaluate("getComputedStyle(document.body).fontFamily")
    picture = page.locator("roskilde-calendar img")
    assert picture.get_attribute("alt") == "Børn bygger med LEGO"
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 400
    [request] = data_requests
    headers = request.all_headers()
    assert "cookie" not in headers
    assert "referer" not in headers
    assert headers["origin"] == host_site

    # the iframe page: shown, because the setting names the host's origin
    framed = page.frame_locator("#framed")
    assert framed.locator(".rb-item").count() == 3
    assert framed.locator(".rb-item a").first.inner_text() == "Lego-klub"

    # the front page in a frame: refused (X-Frame-Options DENY, frame-ancestors 'none')
    refused = page.locator("#refused").element_handle().content_frame()
    assert refused is not None
    assert refused.locator(".site-header").count() == 0
    assert not refused.url.startswith(live_server.url)
    assert any("frame" in text.lower() for text in refusals), refusals

    # nothing was stored: the only cookie is the one the visitor already had
    assert [c["name"] for c in context.cookies()] == ["visitor"]
    context.close()


def test_the_iframe_is_refused_by_a_site_the_setting_does_not_name(
    browser, live_server, viby, host_site, settings
):
    settings.EMBED_FRAME_ANCESTORS = ["https://www.roskilde.dk"]
    context = browser.new_context(locale="da-DK", viewport=DESKTOP)
    page = context.new_page()
    page.goto(host_site + "/")
    page.locator("roskilde-calendar li").first.wait_for()  # the script works anywhere
    framed = page.locator("#framed").element_handle().content_frame()
    assert framed is not None
    assert framed.locator(".rb-item").count() == 0
    context.close()


def test_the_screen_refreshes_and_shows_a_newly_published_event(
    browser, live_server, viby, settings
):
    from events import services
    from events.models import Event
    from tests import factories
    from tests.pages.conftest import soon

    settings.SCREEN_REFRESH_SECONDS = 1
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    answers = []
    page.on("response", lambda r: answers.append(r.status) if "/skaerm/viby/" in r.url else None)
    page.goto("/skaerm/viby/")
    assert page.locator("h1").inner_text() == "Det sker på Viby Bibliotek"
    assert page.get_by_text("Foredrag om fugle").is_visible()
    draft = factories.make_event(
        branch=viby["branch"], title="Bogbytte", start=soon(4, 11), status=Event.Status.DRAFT
    )
    page.wait_for_timeout(2500)  # two or more polls: nothing public changed
    assert 304 in answers
    assert page.get_by_text("Bogbytte").count() == 0
    services.event_publish(event=draft)
    page.get_by_text("Bogbytte").wait_for(timeout=10_000)
    assert page.locator(".screen-row").filter(has_text="Bogbytte").count() == 1
    context.close()


PAGES = [
    ("/indlejr/?branch=viby", "lang=en"),
    ("/skaerm/viby/", "lang=en"),
    ("/program/?branch=viby", None),
    ("/", None),  # the list with a picture's thumbnail
    ("/biblioteker/viby/", None),  # with the links to the programme, screen and embed
    ("EVENT", None),  # the event page with its picture
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("language", ["da", "en"])
def test_axe_finds_nothing_on_the_new_pages(browser, live_server, viby, viewport, language):
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport=viewport)
    if language == "en":
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    found = {}
    for path, english in PAGES:
        url = viby["lego"].get_absolute_url() if path == "EVENT" else path
        if language == "en" and english:  # pages set up once by address take ?lang=en
            url += ("&" if "?" in url else "?") + english
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language, url
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    assert found == {}
    context.close()
