"""Branch staff in a real browser on the admin pages they use: axe-core (WCAG 2.1 A and AA)
finds no critical or serious violation on the event list, add and change pages (a five-year
weekly series), the occurrence list and change page and the attendance pages; and the journeys
of issue 13: cancel one date of a series, move one, copy the event, and try another branch's
event (403, saying whose it is)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "roskilde-bibliotekar-13"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serious_violations(page) -> list[str]:
    """axe-core's critical and serious WCAG 2.1 A/AA violations on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -- "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:5]
        )
        + (f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else "")
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]


@pytest.fixture
def staff(transactional_db):
    """A librarian of Jyllinge with a five-year weekly series; Viby has an event of its own."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from bench.admin_event import make_series
    from events import services
    from events.models import Branch, Room, Track
    from tests.factories import upcoming

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    mine = Branch.objects.create(name="Jyllinge Bibliotek", slug="jyllinge")
    theirs = Branch.objects.create(name="Viby Bibliotek", slug="viby")
    user = get_user_model().objects.create_user("bibliotekar", password=PASSWORD, is_staff=True)
    mine.staff.add(user)
    series = make_series(
        branch=mine,
        rule="FREQ=WEEKLY;COUNT=270",
        back=timedelta(weeks=208),
        title="Højtlæsning",
        room=Room.objects.create(branch=mine, name="Salen"),
        user=user,
    )
    for occurrence in series.occurrences.filter(end__lte=upcoming(weeks=-1))[:20]:
        services.attendance_record(occurrence=occurrence, total=12, user=user)
    other = services.event_create(
        branch=theirs,
        title="Skak for alle",
        start=upcoming(),
        end=upcoming() + timedelta(hours=2),
        tracks=[Track.objects.order_by("pk").first()],
        status="draft",
    )
    return {"user": user, "series": series, "other": other}


def _log_in(page) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("bibliotekar")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/admin/")


def test_staff_admin_pages_have_no_serious_accessibility_violations(page, staff):
    from django.urls import reverse

    series = staff["series"]
    occurrence = series.occurrences.order_by("start").last()
    _log_in(page)
    pages = {
        "event list": reverse("admin:events_event_changelist"),
        "event add": reverse("admin:events_event_add"),
        "event change (five-year series)": reverse("admin:events_event_change", args=[series.pk]),
        "event copy": reverse("admin:events_event_copy", args=[series.pk]),
        "occurrence list": reverse("admin:events_occurrence_changelist")
        + f"?event__id__exact={series.pk}",
        "occurrence change": reverse("admin:events_occurrence_change", args=[occurrence.pk]),
        "attendance list": reverse("admin:events_attendance_changelist"),
        "attendance add": reverse("admin:events_attendance_add"),
        "another branch's event": reverse("admin:events_event_change", args=[staff["other"].pk]),
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        found[name] = serious_violations(page)
    report = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert report == [], "\n".join(report)


def test_staff_cancel_and_move_one_date_copy_the_series_and_meet_another_branch(page, staff):
    from django.urls import reverse

    from events.models import Event, Occurrence

    series, other = staff["series"], staff["other"]
    upcoming = list(series.occurrences.filter(status="scheduled").order_by("start"))
    upcoming = [o for o in upcoming if o.start > upcoming[-1].start - timedelta(weeks=52)]
    first, second = upcoming[0], upcoming[1]
    _log_in(page)
    page.goto(reverse("admin:events_event_change", args=[series.pk]))

    # cancel the next date, from its row in the event's page
    row = page.locator(f"tr:has(input[name$='-id'][value='{first.pk}'])")
    row.locator("select[name$='-status']").select_option("cancelled")
    row.locator("input[name$='-cancel_reason']").fill("Sygdom")
    page.locator("input[name='_continue']").click()
    page.wait_for_url(f"**/admin/events/event/{series.pk}/change/")
    assert page.locator(".messagelist .success").count() == 1
    assert Occurrence.objects.get(pk=first.pk).status == "cancelled"

    # move the date after it an hour earlier, on its own page
    page.goto(reverse("admin:events_occurrence_change", args=[second.pk]))
    start_time = page.locator("input[name='start_1']")
    end_time = page.locator("input[name='end_1']")
    start_time.fill("09:00:00")
    end_time.fill("10:00:00")
    page.locator("input[name='_save']").click()
    page.wait_for_url("**/admin/events/occurrence/**")
    moved = Occurrence.objects.get(pk=second.pk)
    assert moved.moved
    assert moved.start == second.start - timedelta(hours=1)

    # the event's page shows both changes in its history, and copies the series
    page.goto(reverse("admin:events_event_change", args=[series.pk]))
    history = page.locator("#recent-changes").inner_text()
    assert "bibliotekar" in history
    page.locator("a.copylink").click()
    page.wait_for_url(f"**/admin/events/event/{series.pk}/copy/")
    page.locator("input[name='start_0']").fill("2031-01-07")
    page.locator("input[name='start_1']").fill("10:00")
    page.locator("#event_copy_form [type=submit]").click()
    page.wait_for_url("**/admin/events/event/*/change/")
    copy = Event.objects.exclude(pk__in=[series.pk, other.pk]).get()
    assert copy.title == series.title
    assert copy.status == "draft"
    assert copy.rrule == series.rrule
    assert serious_violations(page) == []

    # another branch's draft: 403, whose it is, not its title
    response = page.goto(reverse("admin:events_event_change", args=[other.pk]))
    assert response is not None
    assert response.status == 403
    text = page.locator("#content").inner_text()
    assert "Viby Bibliotek" in text
    assert "Skak" not in text
