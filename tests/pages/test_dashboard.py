"""The management dashboard: access, the heat map against the action plan, coverage, chart,
missing attendance, co-created share, and the KIU reports with their jobs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from events import services as events_services
from tasks.models import ActionPlan, Job, StatusReport, Target
from tasks.services.figures import status_recompute
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(branch, other_branch, admin_user):
    """Held occurrences with and without attendance at two branches, recomputed, with targets."""
    start = soon(-10, 10)
    year = start.year
    hygge = factories.make_event(
        branch=branch,
        title="Strikkecafé",
        start=start,
        co_created=True,
        tracks=[factories.track("hygge"), factories.track("indgang-til-faellesskab")],
    )
    events_services.attendance_record(occurrence=hygge.occurrences.get(), total=30, user=admin_user)
    digital = factories.make_event(
        branch=other_branch,
        title="IT-hjælp uden tal",
        start=soon(-9, 10),
        tracks=[factories.track("digitale-forbindelser")],
    )
    plan = ActionPlan.objects.create(year=year, title=f"Handleplan {year}")
    Target.objects.create(
        plan=plan, branch=branch, track=factories.track("hygge"), attendance=40, held=4
    )
    status_recompute(year=year)
    return {"year": year, "hygge": hygge, "digital": digital}


def dashboard(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("pages:dashboard"), params, HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("pages:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("pages:login") + "?next=/ledelse/")


def test_login_page_logs_a_manager_in(client, management_user):
    response = client.post(
        reverse("pages:login") + "?next=/ledelse/",
        {"username": "manager", "password": "pw-for-tests-123", "next": "/ledelse/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/ledelse/"
    assert client.get("/ledelse/").status_code == 200


def test_user_without_role_is_refused(client, db):
    citizen = factories.UserFactory(username="borger")
    client.force_login(citizen)
    assert client.get(reverse("pages:dashboard")).status_code == 403


def test_staff_see_the_figures_but_cannot_start_jobs(client, staff_user, figures):
    html = dashboard(client, staff_user, year=figures["year"], period="year")
    assert 'class="heatmap"' in html
    assert reverse("pages:report-start") not in html
    client.force_login(staff_user)
    assert client.post(reverse("pages:report-start")).status_code == 403
    assert (
        client.post(reverse("pages:recompute-start"), {"year": figures["year"]}).status_code == 403
    )


def test_heat_map_cell_shows_value_target_and_share(client, management_user, figures, branch):
    html = dashboard(client, management_user, year=figures["year"], period="year")
    cell = re.search(
        r'<td class="(heat-\w+)" data-branch="jyllinge" data-track="hygge">(.*?)</td>', html, re.S
    )
    assert cell is not None
    level, content = cell.groups()
    assert '<span class="cell-value">30</span>' in content
    assert "40" in content  # the target
    assert "75&nbsp;%" in content  # 30 of 40
    assert level == "heat-3"
    # a cell without a target shows the figure on grey
    other = re.search(
        r'<td class="(heat-\w+)" data-branch="jyllinge" data-track="indgang-til-faellesskab">'
        r'<span class="cell-value">(\d+)</span>',
        html,
    )
    assert other.groups() == ("heat-none", "30")


def test_heat_map_of_occurrences_held(client, management_user, figures):
    html = dashboard(client, management_user, year=figures["year"], period="year", measure="held")
    cell = re.search(
        r'data-branch="jyllinge" data-track="hygge"><span class="cell-value">(\d+)</span>'
        r".*?(\d+)&nbsp;%",
        html,
        re.S,
    )
    assert cell.groups() == ("1", "25")  # 1 held of a target of 4


def test_track_coverage_marks_tracks_not_held(client, management_user, figures):
    html = dashboard(client, management_user, year=figures["year"], period="year")
    table = html[html.index('class="coverage"') :]
    table = table[: table.index("</table>")]
    viby = table[table.index("Viby Bibliotek") :].split("</tr>")[0]
    assert viby.count('class="gap"') == 6  # only Digitale forbindelser held
    assert "1/7" in viby


def test_chart_is_an_svg_with_a_line_per_track(client, management_user, figures):
    html = dashboard(client, management_user, year=figures["year"], period="year")
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<polyline") == 7
    for value in re.findall(r' (?:x|y|cx|cy|x1|x2|y1|y2)="([^"]*)"', svg):
        float(value)  # no localised decimal commas in coordinates


def test_missing_attendance_is_listed_per_branch(client, management_user, figures):
    html = dashboard(client, management_user, year=figures["year"], period="year")
    section = html[html.index('id="missing-title"') :]
    assert "IT-hjælp uden tal" in section
    assert "Strikkecafé" not in section.split('id="reports-title"')[0]


def test_co_created_share(client, management_user, figures):
    html = dashboard(client, management_user, year=figures["year"], period="year")
    section = html[html.index('id="cocreated-title"') : html.index('id="chart-heading"')]
    assert "50&nbsp;%" in section  # 1 of 2 held occurrences
    assert "1 / 1" in section
    assert "0 / 1" in section


def test_unknown_period_is_a_message(client, management_user, figures):
    html = dashboard(client, management_user, year=figures["year"], period="month-13")
    assert 'role="alert"' in html
    assert 'class="heatmap"' in html


def test_generate_report_then_view_and_download_it(
    client, management_user, figures, django_capture_on_commit_callbacks
):
    client.force_login(management_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pages:report-start"), {"as_of": soon(0).date().isoformat()})
    job = Job.objects.get()
    assert response["Location"] == reverse("pages:job-detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert f'data-poll-url="/api/v1/status/jobs/{job.pk}/"' in page
    report = StatusReport.objects.get()
    assert reverse("pages:report-detail", args=[report.pk]) in page  # finished: link to it
    detail = client.get(reverse("pages:report-detail", args=[report.pk])).content.decode()
    assert report.title in detail
    assert "Strikkecafé" not in detail  # figures, not events
    csv_url = f"/api/v1/status/reports/{report.pk}/csv/"
    assert f'href="{csv_url}"' in detail
    assert f'href="/api/v1/status/reports/{report.pk}/xlsx/"' in detail
    assert client.get(csv_url).status_code == 200
    listing = client.get(reverse("pages:report-list")).content.decode()
    assert report.title in listing


def test_recompute_starts_a_job(
    client, management_user, figures, django_capture_on_commit_callbacks
):
    client.force_login(management_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pages:recompute-start"), {"year": figures["year"]})
    job = Job.objects.get(kind=Job.Kind.RECOMPUTE)
    assert response["Location"] == reverse("pages:job-detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert f"?year={figures['year']}" in page


def test_dashboard_escapes_event_titles(client, management_user, branch, figures):
    factories.make_event(branch=branch, title="<script>alert(1)</script>", start=soon(-8, 10))
    status_recompute(year=figures["year"])
    html = dashboard(client, management_user, year=figures["year"], period="year")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
