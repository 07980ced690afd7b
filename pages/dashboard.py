"""The management dashboard: status figures against the action plan, coverage, a chart of
attendance by month, missing attendance, co-created share, and the KIU status reports.

Every figure comes from ``tasks.services`` (the counting rules live in its ``figures``); this
module only chooses the period, arranges the rows for the templates and starts jobs through the
services.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from events import roles
from events.clock import MAX_YEAR, MIN_YEAR, local_today, year_supported
from events.models import Branch, Track
from proposals.selectors import proposal_figures
from tasks.dispatch import status_recompute_start, status_report_start
from tasks.models import Initiative, Job, PeriodKind, StatusReport, StatusYear
from tasks.services.figures import Period, period_get
from tasks.services.initiatives import initiative_figures, initiative_update
from tasks.services.jobs import job_get
from tasks.services.missing import Rate, missing_rate_trend, missing_rates
from tasks.services.plans import action_plan_get
from tasks.services.read import (
    missing_attendance_list,
    monthly_attendance_by_track,
    status_figures,
    status_figures_as_of,
    status_figures_state,
    track_coverage,
)
from tasks.services.reports import report_summary, same_period_last_year, status_report_list

from . import staff

LOGIN_URL = reverse_lazy("pages:login")
MEASURES = {
    "attendance": gettext_lazy("Attendance"),
    "held": gettext_lazy("Occurrences held"),
}
HEAT_LEVELS = 5  # share of target in fifths; level 5 = target reached


def may_view(user) -> bool:
    """Management, staff and administrators see the dashboard (as they read the status API)."""
    return roles.may_read_attendance(user)


def may_start_jobs(user) -> bool:
    """Reports and recomputes are started by management and administrators."""
    return roles.is_management(user)


def dashboard_access(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), str(LOGIN_URL))
        if not may_view(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- choosing a period --------------------------------------------------------------------


def _period_choices() -> list[tuple[str, str]]:
    choices = [("year", _("Whole year")), ("ytd", _("Year to date"))]
    choices += [(f"half-{i}", _("Half-year %(n)d") % {"n": i}) for i in (1, 2)]
    choices += [(f"quarter-{i}", _("Quarter %(n)d") % {"n": i}) for i in range(1, 5)]
    months = [date(2000, m, 1) for m in range(1, 13)]
    from django.utils.dateformat import format as date_format

    choices += [(f"month-{d.month}", date_format(d, "F").capitalize()) for d in months]
    return choices


def _period_from_request(request) -> tuple[Period, str, list[str]]:
    """The year and period asked for (default: this year so far), and problems to show."""
    problems: list[str] = []
    today = local_today()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        problems.append(_("The year must be a number; showing %(year)d.") % {"year": today.year})
        year = today.year
    choice = request.GET.get("period") or ("ytd" if year == today.year else "year")
    kind, _sep, raw_index = choice.partition("-")
    try:
        index = int(raw_index) if raw_index else None
        period = period_get(year=year, kind=kind, index=index)
    except (ValueError, ValidationError) as exc:
        messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        problems += messages_
        year = year if year_supported(year) else today.year
        choice = "ytd" if year == today.year else "year"
        period = period_get(year=year, kind=PeriodKind.YTD if choice == "ytd" else PeriodKind.YEAR)
    return period, choice, problems


def _years() -> list[int]:
    years = set(StatusYear.objects.values_list("year", flat=True))
    years.add(local_today().year)
    return sorted(years, reverse=True)


# --- arranging figures --------------------------------------------------------------------


def _heat_level(share: float | None) -> str:
    if share is None:
        return "heat-none"
    return f"heat-{min(HEAT_LEVELS, math.floor(share * HEAT_LEVELS))}"


def _cell(row: dict[str, Any] | None, measure: str) -> dict[str, Any]:
    row = row or {}
    value = row.get(measure, 0) or 0
    target = row.get(f"target_{measure}")
    share = row.get(f"share_of_target_{measure}")
    return {
        "value": value,
        "target": target,
        "share": share,
        "percent": None if share is None else round(share * 100),
        "level": _heat_level(share),
        "reached": share is not None and share >= 1,
    }


def heat_map(figures: list[dict[str, Any]], *, measure: str) -> dict[str, Any]:
    """Tracks as rows, branches as columns, with track totals, branch totals and the total."""
    rows_by_scope = {(r["branch_id"], r["track_id"]): r for r in figures}
    branches = list(Branch.objects.all())
    tracks = list(Track.objects.all())
    rows = []
    for track in tracks:
        rows.append(
            {
                "track": track,
                "cells": [
                    {"branch": b, **_cell(rows_by_scope.get((b.pk, track.pk)), measure)}
                    for b in branches
                ],
                "total": _cell(rows_by_scope.get((None, track.pk)), measure),
            }
        )
    return {
        "branches": branches,
        "rows": rows,
        "branch_totals": [
            {"branch": b, **_cell(rows_by_scope.get((b.pk, None)), measure)} for b in branches
        ],
        "total": _cell(rows_by_scope.get((None, None)), measure),
    }


def co_created(figures: list[dict[str, Any]]) -> dict[str, Any]:
    """The co-created share in total and per branch (rule 6, from the figures)."""
    branches = {b.pk: b for b in Branch.objects.all()}

    def entry(row):
        share = row.get("co_created_share")
        return {
            "held": row["held"],
            "co_created": row["co_created_held"],
            "share": share,
            "percent": None if share is None else round(share * 100),
        }

    total = next((r for r in figures if r["branch_id"] is None and r["track_id"] is None), None)
    per_branch = [
        {"branch": branches[r["branch_id"]], **entry(r)}
        for r in figures
        if r["branch_id"] is not None and r["track_id"] is None and r["branch_id"] in branches
    ]
    return {"total": entry(total) if total else None, "branches": per_branch}


def _nice_ceiling(value: float) -> int:
    """1, 2, 5 times a power of ten at or above ``value`` (axis maximum)."""
    if value <= 0:
        return 10
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)


def line_chart(series: list[dict[str, Any]], *, key: str, year: int) -> dict[str, Any]:
    """SVG geometry of a 12-month line chart, one line per track (drawn by the template)."""
    width, height = 720, 300
    left, right, top, bottom = 56, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = _nice_ceiling(max((v for s in series for v in s[key]), default=0))

    def x(month_index: int) -> float:
        return round(left + plot_w * month_index / 11, 1)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / vmax), 1)

    tracks = {t.slug: t for t in Track.objects.all()}
    lines = []
    for s in series:
        points = [(x(i), y(v), v, date(year, i + 1, 1)) for i, v in enumerate(s[key])]
        lines.append(
            {
                "track": tracks.get(s["track"]),
                "name": s["track_name"],
                "points": " ".join(f"{px},{py}" for px, py, _v, _d in points),
                "dots": [{"x": px, "y": py, "value": v, "month": d} for px, py, v, d in points],
                "values": s[key],
                "total": sum(s[key]),
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "max": vmax,
        "yticks": [{"y": y(vmax * i / 4), "label": round(vmax * i / 4)} for i in range(5)],
        "xticks": [{"x": x(i), "month": date(year, i + 1, 1)} for i in range(12)],
        "lines": lines,
        "months": [date(year, m, 1) for m in range(1, 13)],
    }


def missing_by_branch(period: Period, *, shown: int = 8) -> list[dict[str, Any]]:
    """Held occurrences without attendance (rule 5), per branch: a count and the oldest few."""
    grouped: OrderedDict[int, dict[str, Any]] = OrderedDict()
    for occurrence in missing_attendance_list(period=period):
        branch = occurrence.event.branch
        entry = grouped.setdefault(branch.pk, {"branch": branch, "count": 0, "items": []})
        entry["count"] += 1
        if len(entry["items"]) < shown:
            entry["items"].append(occurrence)
    return sorted(grouped.values(), key=lambda e: (-e["count"], e["branch"].name))


def missing_rate_table(period: Period, *, today: date) -> dict[str, Any]:
    """Each branch's missing-attendance rate in the period (held past the 24-hour grace
    without a head count / held past the grace) and by ISO week for the ten weeks up to the
    period's end or today (``tasks.services.missing``)."""
    last_day = min(period.last, today)
    rates = missing_rates(first=period.first, last=last_day)
    trend = missing_rate_trend(last_day=last_day)
    weekly = {row["branch"].pk: row for row in trend["rows"]}
    rows = [
        {
            "branch": b,
            "period": rates.get(b.pk, Rate()),
            "trend": weekly.get(b.pk),
            "spark": _sparkline(weekly[b.pk]["weeks"]) if b.pk in weekly else "",
        }
        for b in Branch.objects.order_by("order", "name")
        if b.pk in rates or b.pk in weekly
    ]
    return {"rows": rows, "total": rates.get(None, Rate()), "trend": trend, "empty": not rows}


def _sparkline(weeks: list[Rate], *, width: int = 100, height: int = 24) -> str:
    """SVG polyline points of the weekly rates (0 % at the bottom, 100 % at the top), leaving
    out weeks with nothing held; the table beside it has the numbers."""
    step = width / max(1, len(weeks) - 1)
    return " ".join(
        f"{round(n * step, 1)},{round((1 - w.rate) * (height - 2) + 1, 1)}"
        for n, w in enumerate(weeks)
        if w.rate is not None
    )


# --- pages --------------------------------------------------------------------------------


def plan_initiatives(period: Period) -> dict[str, Any]:
    """The action plan of the period's year with its initiatives and their figures for the
    period (their linked events' figures by the counting rules)."""
    plan = action_plan_get(year=period.year)
    if plan is None:
        return {"plan": None, "rows": []}
    initiatives = list(
        plan.initiatives.select_related("track", "branch").prefetch_related("events")
    )
    figures = initiative_figures(initiatives=initiatives, first=period.first, last=period.last)
    return {
        "plan": plan,
        "rows": [{"initiative": i, "figures": figures[i.pk]} for i in initiatives],
        "statuses": Initiative.Status.choices,
    }


@dashboard_access
def dashboard(request):
    period, choice, problems = _period_from_request(request)
    measure = request.GET.get("measure", "attendance")
    if measure not in MEASURES:
        problems.append(_("Unknown measure; showing attendance."))
        measure = "attendance"
    figures = status_figures(period=period)
    context = {
        "period": period,
        "choice": choice,
        "problems": problems,
        "measure": measure,
        "measure_label": MEASURES[measure],
        "measures": list(MEASURES.items()),
        "years": _years(),
        "period_choices": _period_choices(),
        "computed_at": status_figures_as_of(year=period.year),
        "figures_state": status_figures_state(year=period.year),
        "heat": heat_map(figures, measure=measure),
        "coverage": track_coverage(period=period),
        "tracks": list(Track.objects.all()),
        "chart": line_chart(
            monthly_attendance_by_track(year=period.year),
            key="attendance",
            year=period.year,
        ),
        "missing": missing_by_branch(period),
        # the missing-attendance links lead to the attendance screens the user may open
        "attendance_branch_ids": set(
            staff.readable_branches(request.user).values_list("pk", flat=True)
        ),
        "missing_rates": missing_rate_table(period, today=local_today()),
        "co_created": co_created(figures),
        "summary": summary_strip(period, figures, today=local_today()),
        "reports": [
            {"report": r, "downloads": _download_urls(r)} for r in status_report_list()[:10]
        ],
        "may_start_jobs": may_start_jobs(request.user),
        "report_tracks": Track.objects.order_by("order", "slug"),
        "today": local_today(),
        # management's own jobs; the syncs with the library website are the admin's status page's
        "recent_jobs": list(
            Job.objects.exclude(kind=Job.Kind.DPL_SYNC).order_by("-created_at")[:5]
        ),
        "initiatives": plan_initiatives(period),
    }
    # --- citizens' proposals (proposals/): counts per branch and track, and the share of held
    # occurrences that began as a proposal, next to the co-created share; computed by the
    # proposals' own selector from the rows (no status-figure tables), no personal data.
    context["proposals"] = proposal_figures(first=period.first, last=period.last)
    return render(request, "pages/dashboard.html", context)


@require_POST
@dashboard_access
def initiative_change(request, pk: int):
    """Management changes an initiative's status and progress note from the dashboard."""
    if not may_start_jobs(request.user):
        raise PermissionDenied
    initiative = get_object_or_404(Initiative.objects.select_related("plan"), pk=pk)
    try:
        initiative_update(
            initiative=initiative,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(
            request, _("The initiative “%(text)s” was saved.") % {"text": initiative.text[:60]}
        )
    url = reverse("pages:dashboard") + f"?year={initiative.plan.year}"
    return redirect(url + "#initiatives-title")


def _download_urls(report: StatusReport) -> dict[str, str]:
    """The reports API's printable page, PDF, CSV (both dialects) and XLSX of one report
    (owned by tasks.api)."""
    urls = {
        fmt: reverse(f"status-report-{fmt}", kwargs={"pk": report.pk})
        for fmt in ("html", "pdf", "csv", "xlsx")
    }
    urls["csv_da"] = urls["csv"] + "?dialect=excel-da"
    return urls


def summary_strip(period: Period, figures: list[dict], *, today: date) -> dict:
    """The dashboard's summary, like a report's: the period's totals beside the same period
    last year, and whether the period runs into the current month (not yet complete)."""
    previous = same_period_last_year(period)
    summary = report_summary(figures, previous["figures"])
    month_start = today.replace(day=1)
    return {
        **summary,
        "previous_period": previous["period"],
        "incomplete_month": month_start if period.first <= today <= period.last else None,
    }


@dashboard_access
def report_list(request):
    reports = [{"report": r, "downloads": _download_urls(r)} for r in status_report_list()]
    context = {
        "reports": reports,
        "may_start_jobs": may_start_jobs(request.user),
        "report_tracks": Track.objects.order_by("order", "slug"),
        "today": local_today(),
    }
    return render(request, "pages/report_list.html", context)


def _report_tables(data: dict[str, Any]) -> dict[str, Any]:
    figures = data.get("figures", [])
    return {
        "total": next(
            (r for r in figures if r["branch_id"] is None and r["track_id"] is None), None
        ),
        "by_track": [r for r in figures if r["branch_id"] is None and r["track_id"] is not None],
        "by_branch": [r for r in figures if r["branch_id"] is not None and r["track_id"] is None],
        "tracks": data.get("tracks", []),
        "coverage": data.get("coverage", []),
        "plan": data.get("plan"),
        "next_plan": data.get("next_plan"),
        "period": data.get("period", {}),
    }


@dashboard_access
def report_detail(request, pk: int):
    report = get_object_or_404(StatusReport, pk=pk)
    context = {
        "report": report,
        "downloads": _download_urls(report),
        "tables": _report_tables(report.data or {}),
    }
    return render(request, "pages/report_detail.html", context)


def _job_poll_url(job: Job) -> str:
    """The tasks API's job endpoint, which the progress script polls."""
    return reverse("status-job", kwargs={"pk": job.pk})


@require_POST
@dashboard_access
def report_start(request):
    if not may_start_jobs(request.user):
        raise PermissionDenied
    raw = request.POST.get("as_of") or local_today().isoformat()
    try:
        as_of = date.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw})
        return redirect("pages:report-list")
    comments = {
        t.slug: request.POST.get(f"comment_{t.slug}", "").strip()
        for t in Track.objects.order_by("order", "slug")
    }
    job = status_report_start(
        as_of=as_of,
        user=request.user,
        overall_comment=request.POST.get("overall_comment", "").strip(),
        track_comments={k: v for k, v in comments.items() if v},
    )
    return redirect("pages:job-detail", pk=job.pk)


@require_POST
@dashboard_access
def recompute_start(request):
    if not may_start_jobs(request.user):
        raise PermissionDenied
    try:
        year = int(request.POST.get("year", ""))
        job = status_recompute_start(year=year, user=request.user)
    except (ValueError, ValidationError):
        messages.error(
            request,
            _("Give a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
        )
        return redirect("pages:dashboard")
    return redirect("pages:job-detail", pk=job.pk)


@dashboard_access
def job_detail(request, pk):
    try:
        job = job_get(job_id=pk)
    except (Job.DoesNotExist, ValidationError, ValueError):
        raise Http404(_("No such job.")) from None
    report = None
    if job.state == Job.State.SUCCEEDED and job.kind == Job.Kind.REPORT:
        report_id: Any = (job.result or {}).get("report")  # None finds no report
        report = StatusReport.objects.filter(pk=report_id).first()
    context = {
        "job": job,
        "report": report,
        "poll_url": _job_poll_url(job),
        "finished": job.state in (Job.State.SUCCEEDED, Job.State.FAILED),
    }
    return render(request, "pages/job_detail.html", context)
