"""Issue 17 in Chromium: search, the week and month views, a phone's journey from the front page
to a subscription (the filters at the top, behind a "Filtre" button), and axe (WCAG 2.1 A and
AA) on every public page type, in Danish and English, on a desktop and a phone."""

from __future__ import annotations

import urllib.request

import icalendar
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ZOOMED = {"width": 853, "height": 600}  # a 1280 px desktop window at 150% zoom


def _context(browser, live_server, viewport, language="da"):
    context = browser.new_context(base_url=live_server.url, locale="da-DK", viewport=viewport)
    if language != "da":
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
    context.set_default_timeout(15_000)
    return context


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_search_combines_with_a_filter_and_stays_in_the_url(page, demo):
    from events import selectors

    page.goto("/")
    # a wide screen shows the filters, without the phone's "Filtre" button
    assert page.locator("#filters-form").is_visible()
    assert not page.locator("button.filters-toggle").is_visible()
    page.get_by_label("Søg: titel, beskrivelse, sted eller samarbejdspartner").fill("strik")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?*q=strik*")
    titles = page.locator(".occ-title a").all_inner_texts()
    expected = {e.title for e in selectors.event_list(selection=selectors.Selection(text="strik"))}
    assert titles
    assert set(titles) <= expected
    assert page.locator("#f-q").input_value() == "strik"
    assert page.locator(".chip", has_text="søgning: “strik”").count() == 1

    page.get_by_label("Jyllinge Bibliotek").check()
    page.get_by_role("button", name="Vis arrangementer").click()
    page.wait_for_url("**branch=jyllinge**")
    assert "q=strik" in page.url
    both = selectors.Selection(text="strik", branches=("jyllinge",))
    expected = {e.title for e in selectors.event_list(selection=both)}
    assert set(page.locator(".occ-title a").all_inner_texts()) <= expected


def test_month_and_week_views_by_keyboard(page, demo):
    page.goto("/")
    page.get_by_role("link", name="Måned", exact=True).click()
    page.wait_for_url("**/maaned/**")
    table = page.locator("table.month")
    caption = table.locator("caption").inner_text()
    assert table.locator("thead th").count() == 7
    assert page.locator("td[aria-current='date']").count() == 1
    # to the next month by keyboard
    page.get_by_role("link", name="Næste måned").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/maaned/?from=*")
    assert page.locator("table.month caption").inner_text() != caption
    # a day with events opens its list
    day = page.locator("td.has-events a.day-link").first
    day.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?from=*&to=*")
    assert page.locator("section.day").count() == 1

    page.goto("/uge/")
    assert page.locator("section.week-day").count() == 7
    first_day = page.locator("section.week-day h3").first.inner_text()
    assert first_day.lower().startswith("mandag")
    page.get_by_role("link", name="Næste uge").click()
    page.wait_for_url("**/uge/?from=*")
    assert page.locator("section.week-day h3").first.inner_text() != first_day


@pytest.mark.parametrize("viewport", [PHONE, ZOOMED], ids=["phone", "zoom150"])
def test_a_phone_goes_from_the_front_page_to_a_subscription(browser, live_server, demo, viewport):
    context = _context(browser, live_server, viewport)
    page = context.new_page()
    try:
        page.goto("/")
        toggle = page.get_by_role("button", name="Filtre")
        assert toggle.is_visible()
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#filters-form").is_visible()
        # the skip link, then Tab: focus stays near the top of the page
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        for _ in range(12):
            page.keyboard.press("Tab")
            top = page.evaluate(
                "document.activeElement.getBoundingClientRect().top + window.scrollY"
            )
            assert top < 1500, top
            if page.evaluate("document.activeElement.classList.contains('filters-toggle')"):
                break
        else:
            pytest.fail("Tab never reached the Filtre button")
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        page.get_by_label("Jyllinge Bibliotek").check()
        page.get_by_role("button", name="Vis arrangementer").click()
        page.wait_for_url("**/?*branch=jyllinge*")
        page.get_by_role("link", name="Abonnér på dette udvalg").click()
        panel = page.locator("section.subscribe")
        assert panel.locator("h2").inner_text() == "Abonnér på kalenderen"
        assert "Jyllinge Bibliotek" in panel.locator(".covers").inner_text()
        address = page.locator("#subscribe-ics").input_value()
        assert "branch/jyllinge.ics" in address
        with urllib.request.urlopen(address) as response:
            calendar = icalendar.Calendar.from_ical(response.read())
        assert calendar.walk("VEVENT")
        assert axe_violations(page) == []
    finally:
        context.close()


def _pages(live_server) -> list[str]:
    from django.utils import timezone

    from events.models import Event

    today = timezone.localdate().isoformat()
    moved = Event.objects.public().filter(occurrences__moved=True).first()
    bookmobile = Event.objects.public().filter(stop__isnull=False).first()
    plain = Event.objects.public().filter(rrule="").first()
    paths = [
        "/",
        "/?q=strik&branch=jyllinge",
        f"/?branch=jyllinge&audience=boern&from={today}&to={today}",  # empty: next match
        "/?page=2",
        "/?page=x&branch=nowhere",  # messages
        "/uge/",
        "/maaned/",
        "/maaned/?branch=gadstrup",
        "/biblioteker/",
        "/biblioteker/jyllinge/",
        "/biblioteker/bogbussen/",
        "/spor/",
        "/spor/hygge/",
        "/findes-ikke/",
        "/api/docs/",
    ]
    paths += [e.get_absolute_url() for e in (moved, bookmobile, plain) if e is not None]
    return paths


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_public_page_type_passes_axe(browser, live_server, demo, language, viewport):
    context = _context(browser, live_server, viewport, language)
    page = context.new_page()
    found = {}
    try:
        for path in _pages(live_server):
            page.goto(path)
            if path.startswith("/api/docs/"):
                page.wait_for_selector(".opblock")
            assert page.locator("html").get_attribute("lang") == language, path
            violations = axe_violations(page)
            if violations:
                found[path] = violations
            toggle = page.locator("button.filters-toggle")
            if toggle.count() and toggle.is_visible():
                toggle.click()  # the opened filters pass too
                violations = axe_violations(page)
                if violations:
                    found[path + " (filters open)"] = violations
    finally:
        context.close()
    assert found == {}
