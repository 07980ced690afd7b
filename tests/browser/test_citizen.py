"""A citizen in a real browser: filter by a branch and a track, copy the subscribe link and
get a calendar of that selection, open an event, switch the page to English."""

from __future__ import annotations

import urllib.request

import icalendar
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_citizen_filters_subscribes_and_opens_an_event(page, demo, screenshot, live_server):
    from events import selectors

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "da"
    page.get_by_label("Jyllinge Bibliotek").check()
    page.get_by_label("Hygge", exact=True).check()
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/?*branch=jyllinge*")
    assert "track=hygge" in page.url

    titles = page.locator(".occ-title a").all_inner_texts()
    selection = selectors.Selection(branches=("jyllinge",), tracks=("hygge",))
    matching = list(selectors.event_list(selection=selection))
    expected = {e.title for e in matching}
    assert titles
    assert set(titles) <= expected
    places = page.locator(".occ-place").all_inner_texts()
    assert all("Jyllinge Bibliotek" in p for p in places)
    screenshot(page, "calendar")

    # copy the subscribe link with the button, read it back from the clipboard
    page.locator("button[data-copy='subscribe-ics']").click()
    page.locator(".copy-status").filter(has_text="Kopieret").or_(
        page.locator(".copy-status").filter(has_text="Copied")
    ).wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#subscribe-ics").input_value()
    assert copied.startswith(live_server.url)
    assert "branch=jyllinge" in copied
    assert "track=hygge" in copied

    # the link serves a calendar with exactly that selection
    with urllib.request.urlopen(copied) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.read())
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert uids
    assert uids <= {e.uid for e in matching}

    # open the first event
    first = page.locator(".occ-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_selector("h1#event-title")
    assert page.locator("h1#event-title").inner_text() == title
    assert page.locator(".event-facts").get_by_text("Jyllinge Bibliotek").count() >= 1
    ics = page.locator("a[download][href*='/feeds/event/']").get_attribute("href")
    with urllib.request.urlopen(ics) as response:
        event_calendar = icalendar.Calendar.from_ical(response.read())
    assert next(str(e["SUMMARY"]) for e in event_calendar.walk("VEVENT")) == title
    assert page.locator("script[type='application/ld+json']").count() == 1
    screenshot(page, "event")


def test_the_page_switches_to_english_and_back(page, demo):
    page.goto("/?branch=bogbussen")
    danish_heading = page.locator("h1").inner_text()
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "What's on at the libraries"
    assert "branch=bogbussen" in page.url  # the filter survives the switch
    assert page.get_by_label("A local actor").count() == 1  # track names in English
    page.get_by_role("button", name="Dansk").click()
    page.wait_for_function("document.documentElement.lang === 'da'")
    assert page.locator("h1").inner_text() == danish_heading
    assert danish_heading != "What's on at the libraries"
