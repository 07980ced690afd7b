"""An action plan with targets for the demo data, so the heat map has targets and shares to
show (the demo loader makes events and attendance; targets are management's to set)."""

from __future__ import annotations

from events.models import Branch, Track
from tasks.models import ActionPlan, Target
from tasks.services.figures import period_get, status_recompute
from tasks.services.read import status_figures

# Target = this share of what the year's figures will be, so cells land across the scale.
FACTORS = (0.6, 0.9, 1.1, 1.4, 2.2, 0.8, 1.25)


def plan_with_targets(*, year: int) -> ActionPlan:
    status_recompute(year=year)
    period = period_get(year=year)
    figures = {(r["branch_id"], r["track_id"]): r for r in status_figures(period=period)}
    plan, _ = ActionPlan.objects.update_or_create(
        year=year, defaults={"title": f"Handleplan {year}", "status": ActionPlan.Status.ADOPTED}
    )
    plan.targets.all().delete()
    scopes = [(b, t) for b in [*Branch.objects.all(), None] for t in [*Track.objects.all(), None]]
    for n, (branch, track) in enumerate(scopes):
        row = figures.get((branch.pk if branch else None, track.pk if track else None))
        if not row or not row["held"]:
            continue
        factor = FACTORS[n % len(FACTORS)]
        Target.objects.create(
            plan=plan,
            branch=branch,
            track=track,
            held=max(1, round(row["held"] * factor)),
            attendance=max(1, round(row["attendance"] * factor / 10) * 10)
            if row["attendance"]
            else None,
            co_created=max(1, round(row["co_created_held"] * factor))
            if row["co_created_held"]
            else None,
        )
    return plan
