"""Reading figures (API, dashboard, reports): stored or computed rows with names, targets and
the derived measures (averages, shares; counting rules in ``tasks.services.figures``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from events.models import Attendance, Branch, Event, Occurrence, Track, held_q

from ..models import ActionPlan, PeriodKind, StatusFigure, StatusYear
from .figures import MEASURES, Period, figures_compute
from .pending import year_is_stale


def _share(actual: int, target: int | None) -> float | None:
    if not target:
        return None
    return round(actual / target, 4)


def _decorate(rows: Iterable[dict[str, Any]], *, year: int) -> list[dict[str, Any]]:
    """Names, targets and the derived measures for raw figure rows, plus a zero row for every
    scope the plan sets a target for but nothing was counted in (its share is then 0)."""
    branches = {b.pk: b for b in Branch.objects.all()}
    tracks = {t.pk: t for t in Track.objects.all()}
    plan = ActionPlan.objects.filter(year=year).first()
    targets = {(t.branch_id, t.track_id): t for t in plan.targets.all()} if plan else {}
    out = []
    for row in rows:
        b, t = branches.get(row["branch_id"]), tracks.get(row["track_id"])
        target = targets.get((row["branch_id"], row["track_id"]))
        held, with_att = row["held"], row["with_attendance"]
        out.append(
            {
                **row,
                "branch": b.slug if b else None,
                "branch_name": b.name if b else None,
                "track": t.slug if t else None,
                "track_name": t.name if t else None,
                "average_attendance": round(row["attendance"] / with_att, 2) if with_att else None,
                "co_created_share": round(row["co_created_held"] / held, 4) if held else None,
                "target_held": target.held if target else None,
                "target_attendance": target.attendance if target else None,
                "target_co_created": target.co_created if target else None,
                "share_of_target_held": _share(held, target.held if target else None),
                "share_of_target_attendance": _share(
                    row["attendance"], target.attendance if target else None
                ),
                "share_of_target_co_created": _share(
                    row["co_created_held"], target.co_created if target else None
                ),
            }
        )
    return out


def _scope_filter(row: dict[str, Any], *, branch_id, track_id, scope: str | None) -> bool:
    if scope == "cell" and (row["branch_id"] is None or row["track_id"] is None):
        return False
    if scope == "branch" and (row["branch_id"] is None or row["track_id"] is not None):
        return False
    if scope == "track" and (row["branch_id"] is not None or row["track_id"] is None):
        return False
    if scope == "total" and (row["branch_id"] is not None or row["track_id"] is not None):
        return False
    if branch_id is not None and row["branch_id"] != branch_id:
        return False
    return not (track_id is not None and row["track_id"] != track_id)


SCOPES = ("cell", "branch", "track", "total")


def _raw_figures(period: Period, *, now: datetime | None = None) -> list[dict[str, Any]]:
    if period.kind == PeriodKind.YTD:
        months = [(m, PeriodKind.YTD.value, 1) for m in range(1, period.last.month + 1)]
        return figures_compute(first=period.first, last=period.last, now=now, period_map=months)
    qs = StatusFigure.objects.filter(
        year=period.year, period_kind=period.kind, period_index=period.index
    )
    return list(qs.values("period_kind", "period_index", "branch_id", "track_id", *MEASURES))


def _zero_row(period: Period, branch_id, track_id) -> dict[str, Any]:
    return {
        "period_kind": period.kind,
        "period_index": period.index,
        "branch_id": branch_id,
        "track_id": track_id,
        **dict.fromkeys(MEASURES, 0),
    }


def status_figures(
    *,
    period: Period,
    branch: Branch | None = None,
    track: Track | None = None,
    scope: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Figures of one period, with names, targets, shares, averages and co-created share.

    Stored figures for months, quarters, halves and years (as of the last recompute); year to
    date is computed on the spot. ``branch``/``track`` keep rows of that branch/track (including
    its total); every scope is there, zeros where nothing was counted; ``scope`` keeps one of
    ``cell``, ``branch`` (all-tracks totals), ``track`` (all-branches totals) or ``total``.
    Sorted: grand total, track totals, then branch by branch."""
    branch_id = branch.pk if branch else None
    track_id = track.pk if track else None
    raw = _raw_figures(period, now=now)
    # Every scope is answered, with zeros where nothing happened: each branch's track, each
    # branch's total, each track's total and the grand total.
    seen = {(r["branch_id"], r["track_id"]) for r in raw}
    branch_ids = [None, *Branch.objects.values_list("pk", flat=True)]
    track_ids = [None, *Track.objects.values_list("pk", flat=True)]
    raw += [_zero_row(period, b, t) for b in branch_ids for t in track_ids if (b, t) not in seen]
    rows = status_figures_from_rows(raw, period=period)
    return [
        r for r in rows if _scope_filter(r, branch_id=branch_id, track_id=track_id, scope=scope)
    ]


def status_figures_as_of(*, year: int) -> datetime | None:
    """When the stored figures of ``year`` were computed (None: never)."""
    return StatusYear.objects.filter(year=year).values_list("computed_at", flat=True).first()


def status_figures_state(*, year: int) -> dict[str, Any]:
    """How current the stored figures of ``year`` are: ``computed_at`` (when computed),
    ``as_of`` (the moment that decided which occurrences had ended, so were held) and
    ``stale`` (a change since has touched the year and its recompute is still to come)."""
    row = StatusYear.objects.filter(year=year).values("computed_at", "computed_now").first()
    return {
        "computed_at": row["computed_at"] if row else None,
        "as_of": row["computed_now"] if row else None,
        "stale": year_is_stale(year=year),
    }


def track_coverage(
    *, period: Period, now: datetime | None = None, figures: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """For each branch, which of the tracks it has held at least once in the period.
    ``[{"branch", "branch_name", "tracks": {slug: held}, "covered", "of", "complete"}]``."""
    rows = figures if figures is not None else _raw_figures(period, now=now)
    held = {
        (r["branch_id"], r["track_id"]): r["held"]
        for r in rows
        if r["branch_id"] is not None and r["track_id"] is not None
    }
    tracks = list(Track.objects.order_by("order", "slug"))
    out = []
    for b in Branch.objects.order_by("order", "name"):
        per_track = {t.slug: held.get((b.pk, t.pk), 0) for t in tracks}
        covered = sum(1 for v in per_track.values() if v > 0)
        out.append(
            {
                "branch": b.slug,
                "branch_name": b.name,
                "tracks": per_track,
                "covered": covered,
                "of": len(tracks),
                "complete": covered == len(tracks),
            }
        )
    return out


def monthly_attendance_by_track(*, year: int, branch: Branch | None = None) -> list[dict[str, Any]]:
    """Per track, the 12 months' attendance and held occurrences of ``year`` (stored figures),
    across all branches or at one branch.
    ``[{"track", "track_name", "attendance": [12], "held": [12]}]``."""
    qs = StatusFigure.objects.filter(year=year, period_kind=PeriodKind.MONTH, track__isnull=False)
    qs = qs.filter(branch=branch) if branch else qs.filter(branch__isnull=True)
    values = {
        (f["track_id"], f["period_index"]): f
        for f in qs.values("track_id", "period_index", "attendance", "held")
    }
    out = []
    for t in Track.objects.order_by("order", "slug"):
        out.append(
            {
                "track": t.slug,
                "track_name": t.name,
                "attendance": [
                    values[(t.pk, m)]["attendance"] if (t.pk, m) in values else 0
                    for m in range(1, 13)
                ],
                "held": [
                    values[(t.pk, m)]["held"] if (t.pk, m) in values else 0 for m in range(1, 13)
                ],
            }
        )
    return out


def missing_attendance_list(
    *, period: Period, branch: Branch | None = None, now: datetime | None = None
) -> QuerySet[Occurrence]:
    """Held occurrences of the period without a head count (rule 5), oldest first."""
    qs = (
        Occurrence.objects.filter(
            held_q(now=now), local_date__gte=period.first, local_date__lte=period.last
        )
        .exclude(event__status=Event.Status.DRAFT)
        .exclude(pk__in=Attendance.objects.values("occurrence_id"))
        .select_related("event", "event__branch")
        .order_by("start", "pk")
    )
    return qs.filter(event__branch=branch) if branch else qs


def status_figures_from_rows(rows: list[dict[str, Any]], *, period: Period) -> list[dict[str, Any]]:
    """Decorate computed rows like ``status_figures`` does (targets, shares), sorted."""
    seen = {(r["branch_id"], r["track_id"]) for r in rows}
    rows = list(rows)
    plan = ActionPlan.objects.filter(year=period.year).first()
    if plan:
        for key in plan.targets.values_list("branch_id", "track_id"):
            if key not in seen:
                rows.append(_zero_row(period, *key))
    out = _decorate(rows, year=period.year)
    border = {b.pk: (b.order, b.name) for b in Branch.objects.all()}
    torder = {t.pk: t.order for t in Track.objects.all()}
    out.sort(
        key=lambda r: (
            r["branch_id"] is not None,
            border.get(r["branch_id"], (0, "")),
            r["track_id"] is not None,
            torder.get(r["track_id"], 0),
        )
    )
    return out
