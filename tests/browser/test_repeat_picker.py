"""Branch staff in a real browser create a weekly series with the repeat picker: Tuesdays at
10:00, 8 times, one date excluded from the live preview; the stored event has the rule, the
excluded date and seven occurrences at 10:00; axe finds no critical or serious violation."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "gentag-hver-tirsdag"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PICKER = "{include: [['.field-repeat'], ['.field-exdates']]}"  # axe's context: the form rows


def axe_violations(page, context: str = "document") -> list[dict]:
    """Critical and serious WCAG 2.1 A/AA violations axe-core finds on the page (axe-core from
    the axe-playwright-python package, evaluated through the DevTools protocol, which the
    page's Content-Security-Policy does not govern)."""
    import axe_playwright_python

    script = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.evaluate(script)
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG}})
    result = page.evaluate(f"axe.run({context}, {options})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


@pytest.fixture
def staff(transactional_db):
    """A Jyllinge librarian, a room, and the tracks a transactional test's flush removed."""
    from django.apps import apps

    from tests.factories import BranchFactory, RoomFactory, UserFactory

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    branch = BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")
    room = RoomFactory(branch=branch, name="Mødelokalet")
    user = UserFactory(username="bibliotekar", branches=[branch])
    user.is_staff = True
    user.set_password(PASSWORD)
    user.save()
    return {"branch": branch, "room": room, "user": user}


def test_staff_create_a_weekly_series_with_the_picker(page, live_server, staff, screenshot):
    from events.models import LOCAL_TZ, Event, Track
    from tests.factories import upcoming

    # A script the Content-Security-Policy refused (an inline one, an inline handler) would be
    # reported here; the picker's script comes from this origin.
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "script-src" in m.text else None,
    )
    first = upcoming(weekday=1, hour=10, weeks=3)  # a Tuesday at 10:00, weeks ahead
    tuesdays = [(first + timedelta(weeks=i)).date() for i in range(8)]
    excluded = tuesdays[2]

    page.goto("/admin/login/?next=/admin/events/event/add/")
    page.locator("#id_username").fill("bibliotekar")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_url("**/admin/events/event/add/")

    # staff see the picker, not the raw rule
    assert page.locator("input[name=rrule]").get_attribute("type") == "hidden"
    page.locator("#id_title").fill("Strikkecafé")
    page.locator("#id_status").select_option("published")
    page.locator("#id_branch").select_option(str(staff["branch"].pk))
    page.locator("#id_room").select_option(str(staff["room"].pk))
    page.locator("#id_start_0").fill(first.date().isoformat())
    page.locator("#id_start_1").fill("10:00")
    page.locator("#id_end_0").fill(first.date().isoformat())
    page.locator("#id_end_1").fill("12:00")
    # the event page lists the tracks as checkboxes (Django's two-box picker fails axe)
    hygge = Track.objects.get(slug="hygge")
    page.locator(f"input[name=tracks][value='{hygge.pk}']").check()

    # the picker, by keyboard where a librarian would use it: weekly, Tuesday, 8 times
    page.locator("#id_repeat_freq").select_option("WEEKLY")
    weekdays = page.locator("fieldset.repeat-group:has(input[name=repeat_weekdays])")
    assert weekdays.is_visible()
    assert page.locator("#id_repeat_monthday").is_hidden()  # monthly only
    page.locator("input[name=repeat_weekdays][value=TU]").focus()
    page.keyboard.press("Space")
    page.locator("input[name=repeat_end][value=count]").check()
    page.locator("#id_repeat_count").fill("8")

    sentence = page.locator(".repeat-sentence")
    sentence.filter(has_text="hver tirsdag kl. 10.00, 8 gange").wait_for()
    dates = page.locator(".repeat-dates button")
    page.wait_for_function("document.querySelectorAll('.repeat-dates button').length === 8")
    assert [dates.nth(i).get_attribute("data-date") for i in range(8)] == [
        d.isoformat() for d in tuesdays
    ]
    assert sentence.get_attribute("aria-live") == "polite"

    # exclude the third date from the preview (keyboard: focus and Enter)
    third = page.locator(f".repeat-dates button[data-date='{excluded.isoformat()}']")
    third.focus()
    page.keyboard.press("Enter")
    page.locator(
        f".repeat-dates button[data-date='{excluded.isoformat()}'][aria-pressed='true']"
    ).wait_for()
    # the focus stays on the date, so a keyboard user can include it again at once
    assert page.evaluate("document.activeElement.dataset.date") == excluded.isoformat()
    assert page.locator("#id_exdates").input_value() == excluded.isoformat()
    assert "udeladt" in page.locator(".repeat-status").inner_text()

    # axe over the picker and the excluded dates. The rest of the admin page (the split date
    # and time inputs, the track selector) is the event page's own work (issue 13, admin pages).
    violations = axe_violations(page, PICKER)
    screenshot(page, "repeat-picker")
    assert violations == []
    assert blocked == []

    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/events/event/")

    event = Event.objects.get(title="Strikkecafé")
    assert event.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=8"
    assert event.exdates == [excluded.isoformat()]
    starts = [o.start.astimezone(LOCAL_TZ) for o in event.occurrences.order_by("start")]
    assert [s.date() for s in starts] == [d for d in tuesdays if d != excluded]
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}

    # the saved event's page shows the picker with the stored choices, and passes axe too
    page.goto(f"/admin/events/event/{event.pk}/change/")
    assert page.locator("#id_repeat_freq").input_value() == "WEEKLY"
    assert page.locator("input[name=repeat_weekdays][value=TU]").is_checked()
    assert page.locator("#id_repeat_count").input_value() == "8"
    page.locator(
        f".repeat-dates button[data-date='{excluded.isoformat()}'][aria-pressed='true']"
    ).wait_for()
    assert axe_violations(page, PICKER) == []
