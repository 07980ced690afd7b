"""Initiatives of an action plan: their figures (their events' figures by the counting rules)
and management's changes to their status, note and events.

An initiative's figures are counted from the source rows, per initiative, over the occurrences
of its linked events whose local date lies in the period (rule 3): held (rule 1, drafts never),
cancelled (rule 4), held with and without a head count (rule 5), attendance and co-created held
occurrences (rule 6). An event linked to two initiatives counts in each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from events.models import Event, Occurrence, cancelled_q, held_q

from ..models import ActionPlan, Initiative

INITIATIVE_MEASURES = (
    "held",
    "events_held",
    "cancelled",
    "with_attendance",
    "missing_attendance",
    "attendance",
    "co_created_held",
)


def _zero() -> dict[str, Any]:
    return dict.fromkeys(INITIATIVE_MEASURES, 0)


def initiative_figures(
    *,
    plan: ActionPlan | None = None,
    initiatives: Iterable[Initiative] | None = None,
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
) -> dict[int, dict[str, Any]]:
    """Figures per initiative pk for the local dates ``first`` to ``last`` (default: the plan's
    year; for a report: its year up to the day before it is made). Every initiative asked for
    has a row, zeros when it has no events. ``average_attendance`` is attendance per held
    occurrence with a head count (None without any)."""
    if initiatives is None:
        if plan is None:
            raise ValueError("Give a plan or initiatives.")
        initiatives = plan.initiatives.all()
    ids = [i.pk for i in initiatives]
    if plan is not None:
        first = first or date(plan.year, 1, 1)
        last = last or date(plan.year, 12, 31)
    out = {pk: _zero() for pk in ids}
    if not ids:
        return out
    held = held_q(now=now)
    with_count = held & Q(attendance__isnull=False)
    occurrences = Occurrence.objects.filter(event__initiatives__in=ids).exclude(
        event__status=Event.Status.DRAFT
    )
    if first is not None:
        occurrences = occurrences.filter(local_date__gte=first)
    if last is not None:
        occurrences = occurrences.filter(local_date__lte=last)
    rows = (
        occurrences.values("event__initiatives")
        .annotate(
            held=Count("pk", filter=held),
            events_held=Count("event_id", filter=held, distinct=True),
            cancelled=Count("pk", filter=cancelled_q()),
            with_attendance=Count("pk", filter=with_count),
            heads=Sum("attendance__total", filter=held),
            co_created_held=Count("pk", filter=held & Q(event__co_created=True)),
        )
        .order_by()
    )
    for row in rows:
        values: dict[str, Any] = dict(row)
        fig = out[values.pop("event__initiatives")]
        values["attendance"] = values.pop("heads")
        fig.update({k: v or 0 for k, v in values.items()})
        fig["missing_attendance"] = fig["held"] - fig["with_attendance"]
    for fig in out.values():
        fig["average_attendance"] = (
            round(fig["attendance"] / fig["with_attendance"], 1) if fig["with_attendance"] else None
        )
    return out


@transaction.atomic
def initiative_update(
    *,
    initiative: Initiative,
    status: str | None = None,
    note: str | None = None,
    branch=...,
    events: Iterable[Event] | None = None,
) -> Initiative:
    """Change an initiative's status, progress note, responsible branch (None: all branches)
    and, when given, replace its events (drafts may be linked; they never count)."""
    if status is not None:
        if status not in Initiative.Status.values:
            raise ValidationError(
                {
                    "status": [
                        _("Unknown status “%(status)s”; use one of: %(choices)s.")
                        % {"status": status, "choices": ", ".join(Initiative.Status.values)}
                    ]
                }
            )
        initiative.status = status
    if note is not None:
        initiative.note = note.strip()
    if branch is not ...:
        initiative.branch = branch
    initiative.full_clean(exclude=["plan", "track"])
    initiative.save()
    if events is not None:
        initiative.events.set(list(events))
    return initiative
