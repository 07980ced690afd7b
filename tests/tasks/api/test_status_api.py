"""The status API through HTTP: figures, coverage, recompute jobs, reports and action plans."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from openpyxl import load_workbook

from events.models import Branch, Track
from tasks.models import ActionPlan, Target
from tasks.services.figures import status_recompute
from tests.factories import local, track
from tests.tasks.util import NOW, event_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(branch, other_branch):
    event_with(
        branch=branch,
        start=local(2026, 2, 3, 10, 0),
        slugs=("hygge", "fordybelse"),
        rrule="FREQ=WEEKLY;COUNT=2",
        counts=[10, None],
    )
    event_with(branch=other_branch, start=local(2026, 5, 5, 10, 0), slugs=("hygge",), counts=[7])
    status_recompute(year=2026, now=NOW)


def test_staff_read_figures_filtered_by_period_branch_and_track(staff_client, counted):
    response = staff_client.get(
        "/api/v1/status/figures/",
        {"year": 2026, "period": "quarter", "index": 1, "branch": "jyllinge"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["period"]["first"] == "2026-01-01"
    assert body["period"]["last"] == "2026-03-31"
    assert body["computed_at"] is not None
    rows = {(r["branch"], r["track"]): r for r in body["results"]}
    # every track of the branch is there, zeros where nothing was held
    assert set(rows) == {("jyllinge", None)} | {
        ("jyllinge", slug) for slug in Track.objects.values_list("slug", flat=True)
    }
    assert rows[("jyllinge", "digitale-forbindelser")]["held"] == 0
    assert rows[("jyllinge", "hygge")]["held"] == 2
    assert (rows[("jyllinge", None)]["held"], rows[("jyllinge", None)]["missing_attendance"]) == (
        2,
        1,
    )

    track_rows = staff_client.get(
        "/api/v1/status/figures/", {"year": 2026, "track": "hygge", "scope": "track"}
    ).json()["results"]
    assert [(r["track"], r["held"], r["attendance"]) for r in track_rows] == [("hygge", 3, 17)]


def test_year_to_date_through_the_api(management_client, counted):
    response = management_client.get(
        "/api/v1/status/figures/",
        {"year": 2026, "period": "ytd", "date": "2026-04-30", "scope": "total"},
    )
    assert response.status_code == 200
    assert [(r["held"], r["attendance"]) for r in response.json()["results"]] == [(2, 10)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "year"),
        ({"year": "soon"}, "year"),
        ({"year": 2026, "period": "week"}, "period"),
        ({"year": 2026, "period": "quarter", "index": 5}, "index"),
        ({"year": 2026, "period": "month"}, "index"),
        ({"year": 2026, "period": "ytd", "date": "2025-05-01"}, "date"),
        ({"year": 2026, "branch": "atlantis"}, "branch"),
        ({"year": 2026, "track": "nope"}, "track"),
        ({"year": 2026, "scope": "galaxy"}, "scope"),
    ],
)
def test_bad_figure_queries_answer_400_naming_the_field(management_client, params, field):
    response = management_client.get("/api/v1/status/figures/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_citizens_cannot_read_figures(anon_client):
    assert anon_client.get("/api/v1/status/figures/", {"year": 2026}).status_code in (401, 403)
    assert anon_client.get("/api/v1/status/reports/").status_code in (401, 403)
    assert anon_client.get("/api/v1/action-plans/").status_code in (401, 403)


def test_track_coverage(staff_client, counted):
    response = staff_client.get("/api/v1/status/coverage/", {"year": 2026})
    assert response.status_code == 200
    coverage = {c["branch"]: c for c in response.json()["results"]}
    assert coverage["jyllinge"]["covered"] == 2
    assert coverage["viby"]["tracks"]["hygge"] == 1
    assert coverage["viby"]["complete"] is False


def test_monthly_attendance_and_missing_attendance(staff_client, counted):
    monthly = staff_client.get("/api/v1/status/monthly/", {"year": 2026}).json()["results"]
    hygge = next(r for r in monthly if r["track"] == "hygge")
    assert hygge["attendance"][:5] == [0, 10, 0, 0, 7]
    with mock.patch("tasks.services.figures.timezone.now", return_value=NOW):
        missing = staff_client.get("/api/v1/status/missing-attendance/", {"year": 2026}).json()
    assert missing["count"] == 1
    assert missing["results"][0]["start"] == "2026-02-10T10:00:00+01:00"


def test_management_starts_a_recompute_and_polls_the_job(
    management_client, branch, django_capture_on_commit_callbacks
):
    event_with(branch=branch, start=local(2026, 4, 1, 10, 0), counts=[12])

    with (
        mock.patch("tasks.services.figures.timezone.now", return_value=NOW),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = management_client.post(
            "/api/v1/status/recompute/", {"year": 2026}, format="json"
        )

    assert response.status_code == 202
    job = response.json()
    assert response["Location"] == job["url"]
    polled = management_client.get(job["url"]).json()
    assert (polled["state"], polled["progress"], polled["kind"]) == ("succeeded", 100, "recompute")
    total = management_client.get(
        "/api/v1/status/figures/", {"year": 2026, "scope": "total"}
    ).json()["results"]
    assert total[0]["attendance"] == 12


def test_staff_cannot_start_a_recompute(staff_client):
    assert (
        staff_client.post("/api/v1/status/recompute/", {"year": 2026}, format="json").status_code
        == 403
    )


def test_recompute_needs_a_year(management_client):
    response = management_client.post(
        "/api/v1/status/recompute/", {"year": "twenty"}, format="json"
    )
    assert response.status_code == 400
    assert "year" in response.json()


def test_unknown_job_is_404(management_client):
    assert (
        management_client.get(
            "/api/v1/status/jobs/00000000-0000-0000-0000-000000000000/"
        ).status_code
        == 404
    )


def test_reports_generated_listed_shown_and_downloaded(
    management_client, staff_client, counted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = management_client.post(
            "/api/v1/status/reports/", {"as_of": "2026-06-01"}, format="json"
        )
    assert response.status_code == 202
    job = management_client.get(response.json()["url"]).json()
    assert job["state"] == "succeeded"
    report_id = job["result"]["report"]

    listed = staff_client.get("/api/v1/status/reports/").json()["results"]
    assert [r["id"] for r in listed] == [report_id]
    shown = staff_client.get(f"/api/v1/status/reports/{report_id}/").json()
    assert shown["period_end"] == "2026-05-31"
    assert shown["kind"] == "june"
    total = next(r for r in shown["data"]["figures"] if r["branch"] is None and r["track"] is None)
    assert (total["held"], total["attendance"]) == (3, 17)

    csv_response = staff_client.get(shown["links"]["csv"])
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    assert "Jyllinge Bibliotek" in csv_response.content.decode("utf-8-sig")
    xlsx_response = staff_client.get(shown["links"]["xlsx"], HTTP_ACCEPT_LANGUAGE="en")
    assert xlsx_response.status_code == 200
    assert load_workbook(io.BytesIO(xlsx_response.content)).sheetnames[:2] == ["Summary", "Figures"]
    html_response = staff_client.get(shown["links"]["html"])
    assert html_response.status_code == 200
    assert "Viby Bibliotek" in html_response.content.decode()


def test_report_needs_a_date(management_client):
    response = management_client.post("/api/v1/status/reports/", {"as_of": "1 June"}, format="json")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_staff_cannot_generate_reports(staff_client):
    assert (
        staff_client.post(
            "/api/v1/status/reports/", {"as_of": "2026-06-01"}, format="json"
        ).status_code
        == 403
    )


PLAN = {
    "year": 2026,
    "status": "adopted",
    "title": "Handleplan 2026",
    "targets": [
        {"branch": "jyllinge", "track": "hygge", "held": 20, "attendance": 300},
        {"branch": "jyllinge", "track": None, "held": 50},
        {"branch": None, "track": None, "attendance": 5000, "co_created": 40},
    ],
    "initiatives": [{"track": "hygge", "branch": "jyllinge", "text": "Strikkecafé hver torsdag"}],
}


def test_management_writes_a_plan_and_staff_read_it(management_client, staff_client, branch):
    response = management_client.post("/api/v1/action-plans/", PLAN, format="json")
    assert response.status_code == 201, response.json()
    plan = response.json()
    assert plan["adopted_on"] is not None
    assert len(plan["targets"]) == 3

    read = staff_client.get(f"/api/v1/action-plans/{plan['id']}/").json()
    assert read["initiatives"] == [
        {
            "id": read["initiatives"][0]["id"],
            "track": "hygge",
            "branch": "jyllinge",
            "text": "Strikkecafé hver torsdag",
            "order": 0,
            "status": "planned",
            "note": "",
            "events": [],
        }
    ]
    assert (
        staff_client.patch(
            f"/api/v1/action-plans/{plan['id']}/", {"title": "x"}, format="json"
        ).status_code
        == 403
    )

    changed = management_client.patch(
        f"/api/v1/action-plans/{plan['id']}/",
        {"targets": [{"branch": "jyllinge", "track": "hygge", "held": 25}]},
        format="json",
    )
    assert changed.status_code == 200
    assert [(t["track"], t["held"]) for t in changed.json()["targets"]] == [("hygge", 25)]
    assert Target.objects.get().held == 25


def test_plan_errors_name_the_field(management_client, branch):
    ActionPlan.objects.create(year=2026)
    duplicate_year = management_client.post("/api/v1/action-plans/", {"year": 2026}, format="json")
    assert duplicate_year.status_code == 400
    assert "year" in duplicate_year.json()
    twice = {"year": 2027, "targets": [{"branch": "jyllinge", "track": "hygge"}] * 2}
    duplicate_target = management_client.post("/api/v1/action-plans/", twice, format="json")
    assert duplicate_target.status_code == 400
    assert "targets" in duplicate_target.json()
    unknown = management_client.post(
        "/api/v1/action-plans/", {"year": 2028, "targets": [{"branch": "atlantis"}]}, format="json"
    )
    assert unknown.status_code == 400
    assert "targets" in unknown.json()


def test_plan_list_filters_by_year_and_refuses_a_bad_one(staff_client):
    ActionPlan.objects.create(year=2026)
    ActionPlan.objects.create(year=2027)

    assert [p["year"] for p in staff_client.get("/api/v1/action-plans/").json()["results"]] == [
        2027,
        2026,
    ]
    only = staff_client.get("/api/v1/action-plans/?year=2026").json()["results"]
    assert [p["year"] for p in only] == [2026]
    for bad in ("2026x", "-1", "1066"):
        response = staff_client.get(f"/api/v1/action-plans/?year={bad}")
        assert response.status_code == 400, bad
        assert "year" in response.json()
    for param in ("page=0", "page=x", "page_size=0", "page_size=100000"):
        response = staff_client.get(f"/api/v1/action-plans/?{param}")
        assert response.status_code == 400, param
        assert param.split("=")[0] in response.json()
    one = staff_client.get("/api/v1/action-plans/?page_size=1").json()
    assert (one["count"], len(one["results"])) == (2, 1)


def test_copy_last_years_plan_as_next_years_draft(admin_client_api, branch):
    plan = ActionPlan.objects.create(year=2026, status="adopted", title="Handleplan 2026")
    Target.objects.create(plan=plan, branch=branch, track=track("hygge"), held=20)

    response = admin_client_api.post(f"/api/v1/action-plans/{plan.pk}/copy/", {}, format="json")

    assert response.status_code == 201
    copy = response.json()
    assert (copy["year"], copy["status"], copy["title"], copy["copied_from"]) == (
        2027,
        "draft",
        "Handleplan 2027",
        2026,
    )
    assert copy["targets"] == [
        {"branch": "jyllinge", "track": "hygge", "held": 20, "attendance": None, "co_created": None}
    ]
    again = admin_client_api.post(f"/api/v1/action-plans/{plan.pk}/copy/", {}, format="json")
    assert again.status_code == 400
    assert "year" in again.json()


def test_the_plan_of_the_last_supported_year_is_not_copied_past_it(admin_client_api):
    """Found by the stateful schemathesis run: copying the plan of 2100 answered 201 with a
    plan for 2101, a year the service supports nowhere else (and the schema's maximum)."""
    plan = ActionPlan.objects.create(year=2100, title="Handleplan 2100")

    response = admin_client_api.post(f"/api/v1/action-plans/{plan.pk}/copy/", {}, format="json")

    assert response.status_code == 400
    assert "year" in response.json()
    assert not ActionPlan.objects.filter(year=2101).exists()


def test_figures_show_share_of_the_plans_target(management_client, counted, branch):
    plan = ActionPlan.objects.create(year=2026)
    Target.objects.create(plan=plan, branch=branch, track=track("hygge"), held=8, attendance=None)

    rows = management_client.get(
        "/api/v1/status/figures/", {"year": 2026, "branch": "jyllinge", "track": "hygge"}
    ).json()["results"]

    assert [
        (r["held"], r["target_held"], r["share_of_target_held"], r["share_of_target_attendance"])
        for r in rows
    ] == [(2, 8, 0.25, None)]


def test_every_scope_is_answered_with_zeros_where_nothing_happened(management_client, counted):
    """A recount must not mistake a missing row for a missing figure: every branch's track,
    every branch total, every track total and the grand total are there for the period."""
    response = management_client.get(
        "/api/v1/status/figures/", {"year": 2026, "period": "month", "index": 11}
    )
    assert response.status_code == 200
    rows = {(r["branch"], r["track"]): r for r in response.json()["results"]}
    branches = [None, *Branch.objects.values_list("slug", flat=True)]
    tracks = [None, *Track.objects.values_list("slug", flat=True)]
    assert set(rows) == {(b, t) for b in branches for t in tracks}
    assert all(r["held"] == 0 and r["attendance"] == 0 for r in rows.values())
    assert rows[(None, None)]["average_attendance"] is None
    # and in a period with figures, the empty cells are zeros beside the counted ones
    rows = {
        (r["branch"], r["track"]): r
        for r in management_client.get(
            "/api/v1/status/figures/", {"year": 2026, "period": "month", "index": 5}
        ).json()["results"]
    }
    assert set(rows) == {(b, t) for b in branches for t in tracks}
    assert rows[("viby", "hygge")]["held"] == 1
    assert rows[("viby", "fordybelse")]["held"] == 0
    assert rows[("jyllinge", None)]["held"] == 0
