"""Status reports: frozen figures of the year so far with the action plan, made on demand or
for the KIU meetings in June and December."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Track

from ..models import PeriodKind, StatusReport
from .figures import Period, Progress, _say, figures_compute
from .national import national_sheet
from .plans import action_plan_get, action_plan_snapshot
from .read import _decorate, status_figures_from_rows, track_coverage


def status_report_list() -> QuerySet[StatusReport]:
    return StatusReport.objects.order_by("-as_of", "-generated_at")


def _report_kind(as_of: date) -> str:
    if (as_of.month, as_of.day) == (6, 1):
        return StatusReport.Kind.JUNE
    if (as_of.month, as_of.day) == (12, 1):
        return StatusReport.Kind.DECEMBER
    return StatusReport.Kind.ON_DEMAND


def status_report_generate(
    *,
    as_of: date,
    scheduled: bool = False,
    user=None,
    now: datetime | None = None,
    progress: Progress | None = None,
    overall_comment: str = "",
    track_comments: dict[str, str] | None = None,
) -> StatusReport:
    """Freeze a status report: the figures of the year up to the day before ``as_of``
    (1 June: the year to 31 May; 1 December: to 30 November, with next year's plan and the
    national statistics' answer sheet attached).

    A scheduled report is made once per day: run again (a retry), it returns the one it made.
    Reports on demand are always new."""
    now = now or timezone.now()
    if scheduled:
        existing = StatusReport.objects.filter(as_of=as_of, scheduled=True).first()
        if existing is not None:
            return existing
    last = as_of - timedelta(days=1)
    period = Period(last.year, PeriodKind.YTD, 1, date(last.year, 1, 1), last)
    _say(progress, 10, _("Counting %(label)s") % {"label": period.label})
    months = [(m, PeriodKind.YTD.value, 1) for m in range(1, last.month + 1)]
    months += [(m, PeriodKind.MONTH.value, m) for m in range(1, last.month + 1)]
    raw = figures_compute(first=period.first, last=period.last, now=now, period_map=months)
    ytd = [r for r in raw if r["period_kind"] == PeriodKind.YTD]
    monthly = [r for r in raw if r["period_kind"] == PeriodKind.MONTH and r["branch_id"] is None]
    _say(progress, 40, _("Counting the same period last year"))
    previous = same_period_last_year(period, now=now)
    _say(progress, 60, _("Adding the action plan"))
    figures = status_figures_from_rows(ytd, period=period)
    kind = _report_kind(as_of)
    next_plan = None
    if as_of.month == 12:
        next_plan = action_plan_snapshot(action_plan_get(year=last.year + 1), now=now)
    data = {
        "period": period.as_dict(),
        "held_as_of": now.isoformat(),
        "plan": action_plan_snapshot(action_plan_get(year=period.year), last=last, now=now),
        "next_plan": next_plan,
        "figures": figures,
        "monthly": _decorate(monthly, year=period.year),
        "coverage": track_coverage(period=period, figures=ytd),
        "tracks": [
            {"slug": t.slug, "name": t.name} for t in Track.objects.order_by("order", "slug")
        ],
        "previous": previous,
        "summary": report_summary(figures, previous["figures"]),
        "overall_comment": overall_comment or "",
        "track_comments": {k: v for k, v in (track_comments or {}).items() if v},
    }
    if kind == StatusReport.Kind.DECEMBER:
        # The national statistics' answer sheet of the year so far, frozen with the mapping and
        # adjustments it was counted with (DESIGN.md, N6).
        _say(progress, 75, _("Counting the national statistics"))
        data["national"] = national_sheet(year=period.year, first=period.first, last=last, now=now)
    if kind == StatusReport.Kind.JUNE:
        title = _("Status of action plan %(plan)d, KIU June %(year)d") % {
            "plan": period.year,
            "year": as_of.year,
        }
    elif kind == StatusReport.Kind.DECEMBER:
        title = _("Status of action plan %(plan)d, KIU December %(year)d") % {
            "plan": period.year,
            "year": as_of.year,
        }
    else:
        title = _("Status %(first)s to %(last)s") % {
            "first": period.first.isoformat(),
            "last": last.isoformat(),
        }
    _say(progress, 90, _("Saving the report"))
    try:
        with transaction.atomic():
            report = StatusReport.objects.create(
                as_of=as_of,
                year=period.year,
                period_start=period.first,
                period_end=last,
                kind=kind,
                scheduled=scheduled,
                title=title,
                data=data,
                overall_comment=overall_comment or "",
                track_comments={k: v for k, v in (track_comments or {}).items() if v},
                generated_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        if not scheduled:
            raise
        return StatusReport.objects.get(as_of=as_of, scheduled=True)
    _say(progress, 100, _("Report ready"))
    return report


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return date(day.year - 1, 2, 28)


def same_period_last_year(period: Period, *, now: datetime | None = None) -> dict[str, Any]:
    """The figures of the same stretch of the year before (29 February becomes 28 February),
    all branches, by last year's targets, for the comparison in the summary."""
    first, last = _year_earlier(period.first), _year_earlier(period.last)
    before = Period(first.year, period.kind, period.index, first, last)
    raw = figures_compute(
        first=first,
        last=last,
        now=now or timezone.now(),
        period_map=[(m, PeriodKind.YTD.value, 1) for m in range(first.month, last.month + 1)],
    )
    rows = [r for r in raw if r["period_kind"] == PeriodKind.YTD]
    figures = status_figures_from_rows(rows, period=before)
    return {
        "period": before.as_dict(),
        "figures": [r for r in figures if r["branch_id"] is None],
    }


def _summary_of(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    held = row.get("held") or 0
    missing = row.get("missing_attendance") or 0
    return {
        "held": held,
        "attendance": row.get("attendance") or 0,
        "target_held": row.get("target_held"),
        "target_attendance": row.get("target_attendance"),
        "share_of_target_held": row.get("share_of_target_held"),
        "share_of_target_attendance": row.get("share_of_target_attendance"),
        "missing_attendance": missing,
        "missing_rate": round(missing / held, 4) if held else None,
        "children": row.get("children") or 0,
        "youth": row.get("youth") or 0,
        "adults": row.get("adults") or 0,
        "seniors": row.get("seniors") or 0,
        "co_created_share": row.get("co_created_share"),
    }


def report_summary(figures: list[dict[str, Any]], previous: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary at the top of a report: all branches and tracks, and per track, this year
    and the same period last year (held, attendance, shares of target, missing rate)."""

    def total(rows, track=None):
        return next((r for r in rows if r["branch_id"] is None and r.get("track") == track), None)

    tracks = sorted({r["track"] for r in figures + previous if r.get("track")})
    return {
        "total": _summary_of(total(figures)),
        "previous": _summary_of(total(previous)),
        "tracks": {
            slug: {
                "now": _summary_of(total(figures, slug)),
                "previous": _summary_of(total(previous, slug)),
            }
            for slug in tracks
        },
    }
