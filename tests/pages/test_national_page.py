"""The national statistics' page (/ledelse/statistik/<year>/): management and administrators
only, Danish first, the figures as the service counts them, the frozen December sheet, and no
draft ever shown."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from tasks.services.reports import status_report_generate
from tests.factories import local
from tests.tasks.util import event_with

pytestmark = pytest.mark.django_db

FREEZE = local(2026, 12, 1, 6, 0)


def page(client, user, year=2026, lang="da", **params):
    """The page as ``user`` sees it; pages are Danish unless the language switch chose English."""
    from django.conf import settings

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client.get(reverse("pages:national", kwargs={"year": year}), params)


def cell(html: str, code: str, column: str) -> str:
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert row, code
    found = re.search(rf'<td class="{column}">(.*?)</td>', row.group(1), re.S)
    assert found, column
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


@pytest.fixture
def year_2026(branch):
    event_with(
        branch=branch,
        start=local(2026, 3, 3, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[5, 0, None],
        title="Fortællecafé",
    )
    event_with(
        branch=branch,
        start=local(2026, 5, 1, 10, 0),
        rrule="FREQ=DAILY;COUNT=10",
        kind="exhibition",
        title="Lokale kunstnere",
    )
    event_with(
        branch=branch,
        start=local(2026, 4, 7, 10, 0),
        counts=[None],
        status="draft",
        title="Hemmeligt udkast",
    )


def test_anonymous_is_sent_to_login_and_staff_are_refused(client, staff_user, db):
    response = client.get(reverse("pages:national", kwargs={"year": 2026}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("pages:login") + "?next=/ledelse/statistik/")
    assert page(client, staff_user).status_code == 403


def test_management_sees_the_answers_counted_by_the_rules_in_danish(
    client, management_user, year_2026
):
    response = page(client, management_user)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Biblioteksstatistik 2026</h1>" in html
    assert cell(html, "arrangementer", "answer") == "3"
    assert cell(html, "arrangementer-deltagere", "answer") == "5"
    assert cell(html, "udstillinger", "answer") == "1"
    assert "Fortællecafé" in html  # its third session misses attendance
    assert "Hemmeligt udkast" not in html  # drafts never count, never shown
    assert reverse("status-national-xlsx", kwargs={"year": 2026}) in html


def test_the_page_is_in_english_by_the_switch(client, admin_user, year_2026):
    html = page(client, admin_user, lang="en").content.decode()
    assert "<h1>National statistics 2026</h1>" in html
    assert "Events (arrangementer)" in html
    assert reverse("admin:tasks_nationalline_changelist") in html  # administrators edit


def test_the_frozen_december_sheet_is_shown_and_does_not_move(client, management_user, branch):
    event = event_with(branch=branch, start=local(2026, 10, 6, 19, 0), counts=[None])
    report = status_report_generate(as_of=date(2026, 12, 1), scheduled=True, now=FREEZE)
    from events import services

    services.attendance_record(occurrence=event.occurrences.get(), total=40, now=FREEZE)

    live = page(client, management_user).content.decode()
    assert cell(live, "arrangementer-deltagere", "answer") == "40"
    assert "?frozen=1" in live
    frozen = page(client, management_user, frozen="1").content.decode()
    assert cell(frozen, "arrangementer-deltagere", "answer") == "0"
    assert report.title in frozen
    # The report's page links to the frozen sheet.
    client.force_login(management_user)
    detail = client.get(reverse("pages:report-detail", kwargs={"pk": report.pk})).content.decode()
    assert reverse("pages:national", kwargs={"year": 2026}) + "?frozen=1" in detail


def test_no_frozen_sheet_and_unsupported_years_are_not_found(client, management_user, db):
    assert page(client, management_user, frozen="1").status_code == 404
    assert page(client, management_user, year=1999).status_code == 404


def test_the_year_picker_and_the_dashboard_lead_to_the_page(client, management_user, staff_user):
    client.force_login(management_user)
    response = client.get(reverse("pages:national-index"), {"year": "2025"})
    assert response["Location"] == reverse("pages:national", kwargs={"year": 2025})
    response = client.get(reverse("pages:national-index"), {"year": "abc"})
    assert response.status_code == 302
    dashboard = client.get(reverse("pages:dashboard"), {"year": 2026, "period": "year"})
    assert reverse("pages:national", kwargs={"year": 2026}) in dashboard.content.decode()
    client.force_login(staff_user)
    dashboard = client.get(reverse("pages:dashboard"), {"year": 2026, "period": "year"})
    assert "/ledelse/statistik/" not in dashboard.content.decode()
