"""The dashboard's summary strip: this year beside the same period last year, the current month
marked as not complete, the age breakdown, and links to the printable report and its PDF."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services as events_services
from events.models import LOCAL_TZ
from tasks.services.reports import status_report_generate
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_summary_strip_sets_this_year_beside_last_year(
    branch, admin_user, management_user, client
):
    today = timezone.now().astimezone(LOCAL_TZ).date()
    last = factories.make_event(
        branch=branch, title="Sidste år", start=datetime(today.year - 1, 1, 1, 10, tzinfo=LOCAL_TZ)
    )
    events_services.attendance_record(
        occurrence=last.occurrences.get(),
        total=7,
        by_age={"seniors": 7},
        user=admin_user,
    )
    report = status_report_generate(as_of=today)

    client.force_login(management_user)
    page = client.get(reverse("pages:dashboard"), HTTP_ACCEPT_LANGUAGE="da")

    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="summary-title"')
    strip = html[start : html.index("</section>", start)]
    rows = {
        label: values
        for label, values in (
            (line.split("</th>")[0].rsplit(">", 1)[-1], line.split("</th>")[1])
            for line in strip.split("<tr>")[1:]
            if "</th>" in line
        )
    }
    assert "<td>0</td><td>7</td>" in rows["Fremmøde"].replace("\n", "")
    assert "<td>0</td><td>7</td>" in rows["Seniorer"].replace("\n", "")
    assert "er ikke slut endnu" in strip
    assert f"/api/v1/status/reports/{report.pk}/html/" in strip
    assert f"/api/v1/status/reports/{report.pk}/pdf/" in strip
