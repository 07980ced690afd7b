"""Action plans: reading, copying to the next year, saving with their targets and initiatives,
and freezing them as plain data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.clock import MAX_YEAR, MIN_YEAR, local_today, year_supported

from ..models import ActionPlan, Initiative, Target
from .initiatives import initiative_figures


def action_plan_get(*, year: int) -> ActionPlan | None:
    return (
        ActionPlan.objects.filter(year=year)
        .prefetch_related(
            "targets__branch", "targets__track", "initiatives__track", "initiatives__branch"
        )
        .first()
    )


@transaction.atomic
def action_plan_copy(*, source: ActionPlan, year: int | None = None) -> ActionPlan:
    """Start the plan of ``year`` (default: the year after) as a draft copy of ``source``:
    its targets and initiatives. Refuses if that year already has a plan."""
    year = year or source.year + 1
    if not year_supported(year):
        raise ValidationError(
            {
                "year": [
                    _("Give a year between %(min)d and %(max)d.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR}
                ]
            }
        )
    if ActionPlan.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": [_("There is already an action plan for %(year)d.") % {"year": year}]}
        )
    title = source.title.replace(str(source.year), str(year)) if source.title else ""
    plan = ActionPlan.objects.create(
        year=year,
        status=ActionPlan.Status.DRAFT,
        title=title,
        notes=source.notes,
        copied_from=source,
    )
    Target.objects.bulk_create(
        [
            Target(
                plan=plan,
                branch_id=t.branch_id,
                track_id=t.track_id,
                held=t.held,
                attendance=t.attendance,
                co_created=t.co_created,
            )
            for t in source.targets.all()
        ]
    )
    Initiative.objects.bulk_create(
        [
            Initiative(
                plan=plan, track_id=i.track_id, branch_id=i.branch_id, text=i.text, order=i.order
            )
            for i in source.initiatives.all()
        ]
    )
    return plan


def _plan_rows_validate(targets, initiatives) -> None:
    errors: dict[str, list[str]] = {}
    seen: set[tuple] = set()
    for t in targets or ():
        key = (t.get("branch"), t.get("track"))
        if key in seen:
            errors.setdefault("targets", []).append(
                _("Two targets for the same branch and track (%(branch)s / %(track)s).")
                % {"branch": key[0] or _("all branches"), "track": key[1] or _("all tracks")}
            )
        seen.add(key)
    for i in initiatives or ():
        if not (i.get("text") or "").strip():
            errors.setdefault("initiatives", []).append(_("An initiative needs a text."))
        if i.get("track") is None:
            errors.setdefault("initiatives", []).append(_("An initiative belongs to a track."))
        if i.get("status") and i["status"] not in Initiative.Status.values:
            errors.setdefault("initiatives", []).append(
                _("Unknown initiative status “%(status)s”.") % {"status": i["status"]}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_plan_save(
    *,
    plan: ActionPlan | None = None,
    targets: Sequence[dict[str, Any]] | None = None,
    initiatives: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> ActionPlan:
    """Create or change a plan. ``fields``: year, status, title, notes, adopted_on. ``targets``
    (dicts of branch, track, held, attendance, co_created; branch/track objects or None) and
    ``initiatives`` (track, branch, text, order), when given, replace the plan's lists."""
    allowed = {"year", "status", "title", "notes", "adopted_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )
    _plan_rows_validate(targets, initiatives)
    plan = plan or ActionPlan()
    for name, value in fields.items():
        setattr(plan, name, value)
    if plan.status == ActionPlan.Status.ADOPTED and plan.adopted_on is None:
        plan.adopted_on = local_today()
    if ActionPlan.objects.filter(year=plan.year).exclude(pk=plan.pk).exists():
        raise ValidationError(
            {"year": [_("There is already an action plan for %(year)d.") % {"year": plan.year}]}
        )
    plan.updated_at = timezone.now()
    plan.full_clean(exclude=["copied_from"], validate_unique=False)
    plan.save()
    if targets is not None:
        plan.targets.all().delete()
        Target.objects.bulk_create(
            [
                Target(
                    plan=plan,
                    branch=t.get("branch"),
                    track=t.get("track"),
                    held=t.get("held"),
                    attendance=t.get("attendance"),
                    co_created=t.get("co_created"),
                )
                for t in targets
            ]
        )
    if initiatives is not None:
        plan.initiatives.all().delete()
        created = Initiative.objects.bulk_create(
            [
                Initiative(
                    plan=plan,
                    track=i["track"],
                    branch=i.get("branch"),
                    text=i["text"].strip(),
                    order=i.get("order") or n,
                    status=i.get("status") or Initiative.Status.PLANNED,
                    note=(i.get("note") or "").strip(),
                )
                for n, i in enumerate(initiatives)
            ]
        )
        if any(i.get("events") for i in initiatives):
            # bulk_create sets primary keys on PostgreSQL and SQLite alike.
            Initiative.events.through.objects.bulk_create(
                [
                    Initiative.events.through(initiative_id=obj.pk, event_id=event.pk)
                    for obj, i in zip(created, initiatives, strict=True)
                    for event in {e.pk: e for e in i.get("events") or ()}.values()
                ]
            )
    return plan


def action_plan_snapshot(
    plan: ActionPlan | None, *, last: date | None = None, now: datetime | None = None
) -> dict[str, Any] | None:
    """A plan as plain data (frozen into reports, served by the API). Each initiative carries
    its status, note, linked events and figures: those of its events from 1 January of the
    plan's year to ``last`` (default: 31 December)."""
    if plan is None:
        return None
    initiatives = list(
        plan.initiatives.select_related("track", "branch").prefetch_related("events")
    )
    figures = initiative_figures(
        initiatives=initiatives,
        first=date(plan.year, 1, 1),
        last=last or date(plan.year, 12, 31),
        now=now,
    )
    return {
        "year": plan.year,
        "status": plan.status,
        "title": str(plan),
        "notes": plan.notes,
        "adopted_on": plan.adopted_on.isoformat() if plan.adopted_on else None,
        "targets": [
            {
                "branch": t.branch.slug if t.branch else None,
                "branch_name": t.branch.name if t.branch else None,
                "track": t.track.slug if t.track else None,
                "track_name": t.track.name if t.track else None,
                "held": t.held,
                "attendance": t.attendance,
                "co_created": t.co_created,
            }
            for t in plan.targets.select_related("branch", "track")
        ],
        "initiatives": [
            {
                "track": i.track.slug,
                "track_name": i.track.name,
                "branch": i.branch.slug if i.branch else None,
                "branch_name": i.branch.name if i.branch else None,
                "text": i.text,
                "id": i.pk,
                "status": i.status,
                "status_label": str(i.get_status_display()),
                "note": i.note,
                "events": [
                    {"id": e.pk, "title": e.title}
                    for e in sorted(i.events.all(), key=lambda e: (e.start, e.pk))
                ],
                "figures": figures[i.pk],
            }
            for i in initiatives
        ],
        "initiatives_period": {
            "first": date(plan.year, 1, 1).isoformat(),
            "last": (last or date(plan.year, 12, 31)).isoformat(),
        },
    }
