"""The dashboard's missing-attendance rate per branch and its trend by ISO week, against an
independent count: a plain loop over every occurrence, applying the rule as written (held: ended
more than 24 hours ago, neither it nor its event cancelled, not a draft; missing: no head
count)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.clock import local_today
from events.models import Event, Occurrence
from tasks.services.missing import missing_rate_trend, missing_rates
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


def independent_count(*, first, last, now) -> tuple[Counter, Counter]:
    held, missing = Counter(), Counter()
    for o in Occurrence.objects.select_related("event", "event__branch"):
        if not first <= o.local_date <= last:
            continue
        if o.status != Occurrence.Status.SCHEDULED or o.event.status != Event.Status.PUBLISHED:
            continue
        if o.end > now - timedelta(hours=24):
            continue
        held[o.event.branch.slug] += 1
        if not has_head_count(o):
            missing[o.event.branch.slug] += 1
    return held, missing


def has_head_count(occurrence) -> bool:
    from events.models import Attendance

    return Attendance.objects.filter(occurrence=occurrence).exists()


@pytest.fixture
def gaps(branch, other_branch, admin_user):
    def occ(where, title, days, hour=10, **kwargs):
        event = factories.make_event(branch=where, title=title, start=soon(days, hour), **kwargs)
        return event.occurrences.get()

    recorded = occ(branch, "Sprogcafé", -3)
    services.attendance_record(occurrence=recorded, total=12, user=admin_user)
    occ(branch, "Strikkecafé uden tal", -3, 14)
    occ(branch, "Læsekreds uden tal", -10)
    old = occ(branch, "Foredrag med tal", -17)
    services.attendance_record(occurrence=old, total=40, user=admin_user)
    occ(branch, "Aftenens quiz", 0, 0)  # ends today at 02:00 at the latest: within the grace
    cancelled = occ(branch, "Aflyst koncert", -5)
    services.occurrence_cancel(occurrence=cancelled, reason="Sygdom", user=admin_user)
    occ(branch, "Kladde", -6, status=Event.Status.DRAFT)
    occ(other_branch, "IT-hjælp uden tal", -4)


def test_the_rate_by_week_matches_an_independent_count(client, management_user, gaps):
    today = local_today()
    client.force_login(management_user)
    html = client.get(
        reverse("pages:dashboard"), {"year": today.year, "period": "year"}
    ).content.decode()
    section = html.split('id="missing-rate-title"')[1].split("</section>")[0]
    trend = missing_rate_trend(last_day=today)
    first = trend["weeks"][0]["monday"]
    last = trend["weeks"][-1]["monday"] + timedelta(days=6)
    held, missing = independent_count(first=first, last=last, now=timezone.now())

    # by hand: Jyllinge held 4 past the grace, 2 of them without a head count; Viby 1 of 1
    assert (held["jyllinge"], missing["jyllinge"]) == (4, 2)
    assert (held["viby"], missing["viby"]) == (1, 1)
    for slug in ("jyllinge", "viby"):
        row = re.search(rf'<tr data-branch="{slug}">(.*?)</tr>', section, re.S)
        assert row is not None
        weeks = [tuple(map(int, t)) for t in re.findall(r'title="(\d+) / (\d+)"', row[1])]
        assert len(weeks) == 10
        assert sum(m for m, _h in weeks) == missing[slug]
        assert sum(h for _m, h in weeks) == held[slug]
        for (m, h), monday in zip(weeks, (w["monday"] for w in trend["weeks"]), strict=True):
            week_held, week_missing = independent_count(
                first=monday, last=monday + timedelta(days=6), now=timezone.now()
            )
            assert (m, h) == (week_missing[slug], week_held[slug]), monday


def test_the_period_rate_matches_an_independent_count(client, management_user, gaps):
    today = local_today()
    client.force_login(management_user)
    html = client.get(
        reverse("pages:dashboard"), {"year": today.year, "period": "year"}
    ).content.decode()
    held, missing = independent_count(
        first=today.replace(month=1, day=1), last=today, now=timezone.now()
    )
    for slug in ("jyllinge", "viby"):
        row = re.search(rf'<tr data-branch="{slug}">(.*?)</tr>', html, re.S)
        cell = re.search(r'class="rate-period">(.*?)</td>', row[1], re.S)[1]
        if held[slug]:
            percent = round(100 * missing[slug] / held[slug])
            assert f"{percent}&nbsp;%" in cell
            assert f"({missing[slug]}&nbsp;/&nbsp;{held[slug]})" in cell
        else:
            assert cell.strip() == "\u2013"  # an en dash


def test_the_section_is_in_english_by_the_switch(client, management_user, gaps):
    client.force_login(management_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("pages:dashboard")).content.decode()
    assert "Missing-attendance rate by library and week" in html
    assert "Wk " in html
    client.post(reverse("set_language"), {"language": "da", "next": "/"})
    html = client.get(reverse("pages:dashboard")).content.decode()
    assert "Andel uden fremmøde pr. bibliotek og uge" in html
    assert "Uge " in html


@pytest.mark.slow
def test_the_rates_on_the_demo_match_an_independent_count():
    from demo import events as demo

    demo.seed()
    now = timezone.now()
    today = local_today(now)
    first = min(today.replace(month=1, day=1), today - timedelta(days=200))
    rates = missing_rates(first=first, last=today, now=now)
    held, missing = independent_count(first=first, last=today, now=now)
    from events.models import Branch

    slugs = dict(Branch.objects.values_list("pk", "slug"))
    got = {slugs[k]: (r.held, r.missing) for k, r in rates.items() if k is not None}
    assert got == {slug: (held[slug], missing[slug]) for slug in held}
    assert sum(missing.values()) > 0  # the demo leaves gaps to chase
    assert rates[None].held == sum(held.values())
