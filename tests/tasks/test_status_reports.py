"""Status reports: frozen figures for the KIU meetings, CSV, XLSX and HTML, and the commands."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from events import services as events_services
from tasks import exports
from tasks.models import ActionPlan, Initiative, StatusFigure, StatusReport, Target
from tasks.services.figures import period_get
from tasks.services.plans import action_plan_copy
from tasks.services.read import missing_attendance_list
from tasks.services.reports import status_report_generate
from tests.factories import local, track
from tests.tasks.util import event_with

pytestmark = pytest.mark.django_db

JUNE_1 = local(2026, 6, 1, 6, 0)


@pytest.fixture
def spring(branch):
    """Through May: 3 held (10 + 20 people, one missing), one on 1 June that must not count."""
    event_with(
        branch=branch,
        start=local(2026, 3, 3, 10, 0),
        slugs=("hygge", "fordybelse"),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[10, 20, None],
        now=JUNE_1,
    )
    event_with(branch=branch, start=local(2026, 6, 1, 0, 5), counts=[99], now=JUNE_1)
    plan = ActionPlan.objects.create(
        year=2026, status=ActionPlan.Status.ADOPTED, title="Handleplan 2026"
    )
    Target.objects.create(plan=plan, branch=branch, track=None, held=12, attendance=120)
    Initiative.objects.create(plan=plan, track=track("hygge"), text="Fredagshygge i Jyllinge")
    return plan


def test_june_report_covers_the_year_to_31_may_and_stays_frozen(branch, spring):
    report = status_report_generate(as_of=date(2026, 6, 1), scheduled=True, now=JUNE_1)

    assert (report.kind, report.period_start, report.period_end) == (
        "june",
        date(2026, 1, 1),
        date(2026, 5, 31),
    )
    assert report.title == "Status of action plan 2026, KIU June 2026"
    figures = {(r["branch"], r["track"]): r for r in report.data["figures"]}
    jyllinge = figures[("jyllinge", None)]
    assert (jyllinge["held"], jyllinge["attendance"], jyllinge["missing_attendance"]) == (3, 30, 1)
    assert (jyllinge["target_held"], jyllinge["share_of_target_held"]) == (12, 0.25)
    assert figures[(None, "fordybelse")]["held"] == 3
    assert report.data["next_plan"] is None
    assert report.data["plan"]["initiatives"][0]["text"] == "Fredagshygge i Jyllinge"

    # A late head count after the meeting changes live figures, not the frozen report.
    missing = missing_attendance_list(
        period=period_get(year=2026, kind="ytd", on=date(2026, 5, 31))
    )
    events_services.attendance_record(occurrence=missing.get(), total=40)
    report.refresh_from_db()
    assert {(r["branch"], r["track"]): r for r in report.data["figures"]}[("jyllinge", None)][
        "attendance"
    ] == 30
    # Made once: the schedule running again returns the same report.
    assert status_report_generate(as_of=date(2026, 6, 1), scheduled=True).pk == report.pk
    assert StatusReport.objects.count() == 1


def test_december_report_attaches_next_years_plan(branch, spring):
    action_plan_copy(source=spring)

    report = status_report_generate(as_of=date(2026, 12, 1), now=local(2026, 12, 1, 6, 0))

    assert (report.kind, report.period_end) == ("december", date(2026, 11, 30))
    assert report.data["next_plan"]["year"] == 2027
    assert report.data["next_plan"]["status"] == "draft"
    assert report.data["next_plan"]["targets"][0]["held"] == 12


def test_report_on_demand_for_any_date(branch, spring):
    report = status_report_generate(as_of=date(2026, 3, 11), now=JUNE_1)
    assert (report.kind, report.period_end) == ("on_demand", date(2026, 3, 10))
    total = next(r for r in report.data["figures"] if r["branch"] is None and r["track"] is None)
    assert (total["held"], total["attendance"]) == (2, 30)


def test_csv_has_a_row_per_scope_with_names_and_targets(branch, spring):
    report = status_report_generate(as_of=date(2026, 6, 1), now=JUNE_1)

    text = exports.report_csv(report).decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [report.title]
    header = rows[4]
    body = [dict(zip(header, r, strict=True)) for r in rows[5:]]
    by_scope = {(r["Branch"], r["Track"]): r for r in body}
    jyllinge = by_scope[("Jyllinge Bibliotek", "All tracks")]
    assert (
        jyllinge["occurrences held"],
        jyllinge["attendance"],
        jyllinge["share of target: events held"],
    ) == ("3", "30", "0.25")
    assert by_scope[("All branches", "All tracks")]["held missing attendance"] == "1"


def test_xlsx_has_figures_coverage_months_and_plan_sheets(branch, spring):
    report = status_report_generate(as_of=date(2026, 6, 1), now=JUNE_1)

    book = load_workbook(io.BytesIO(exports.report_xlsx(report)))

    assert book.sheetnames == ["Summary", "Figures", "Track coverage", "Months", "Action plan 2026"]
    figures = book["Figures"]
    header = [c.value for c in figures[4]]
    rows = [
        dict(zip(header, [c.value for c in row], strict=True))
        for row in figures.iter_rows(min_row=5)
    ]
    total = next(r for r in rows if r["Branch"] == "All branches" and r["Track"] == "All tracks")
    assert (total["occurrences held"], total["attendance"]) == (3, 30)
    coverage = {row[0].value: row[-1].value for row in book["Track coverage"].iter_rows(min_row=2)}
    assert coverage["Jyllinge Bibliotek"] == "2/7"


def test_html_page_is_readable(branch, spring):
    report = status_report_generate(as_of=date(2026, 6, 1), now=JUNE_1)

    html = exports.report_html(report)

    assert "<h1>Status of action plan 2026, KIU June 2026</h1>" in html
    assert "Fredagshygge i Jyllinge" in html
    assert "Jyllinge Bibliotek" in html
    assert "2/7" in html


def test_recompute_status_command_shows_progress(branch, spring, capsys):
    call_command("recompute_status", "--year", "2026")

    out = capsys.readouterr().out
    assert "100%" in out
    assert "2026:" in out
    assert StatusFigure.objects.filter(year=2026).exists()


def test_recompute_status_command_rejects_a_bad_year():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="year"):
        call_command("recompute_status", "--year", "1850")


def test_status_report_command(branch, spring, capsys):
    call_command("status_report", "--date", "2026-06-01")

    out = capsys.readouterr().out
    assert "100%" in out
    assert "2026-01-01 to 2026-05-31" in out
    assert StatusReport.objects.get().period_end == date(2026, 5, 31)
