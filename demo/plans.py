"""The demo's action plans: this year's, adopted, with targets per branch and track and an
initiative per track, and next year's as a draft copy (the December meeting presents it).

Targets are set from what the demo's events will have held by the end of the year, times a
fixed factor per cell, so the dashboard's heat map shows cells under, near and over target.
Idempotent: a year that already has a plan is left as it is (it may have been edited).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from events.models import Branch, Track
from tasks.models import ActionPlan, Initiative, Target
from tasks.services.figures import period_get, status_recompute
from tasks.services.plans import action_plan_copy
from tasks.services.read import status_figures

# Share of the year's figures set as target, cycling over the cells: shares land from about
# 70 % to 160 %.
FACTORS = (1.4, 0.9, 1.1, 0.75, 1.25, 0.95, 1.6, 0.85)

INITIATIVES = {
    "fordybelse": "Læsekredse og stille læsestunder i alle lokalbiblioteker.",
    "hygge": "Strikke- og kaffecaféer drevet sammen med frivillige.",
    "viden-og-vejledning": "Foredrag og borgerservice-hjælp i lokalområderne.",
    "struktur-for-livet": "Faste ugentlige tilbud for børnefamilier og seniorer.",
    "en-lokal-aktoer": "Samarbejde med foreninger og skoler om lokale arrangementer.",
    "indgang-til-faellesskab": "Borgerdrevne aktiviteter med biblioteket som vært.",
    "digitale-forbindelser": "Digital hjælp: MitID, e-Boks og IT-caféer for alle.",
}


def _targets_from_figures(plan: ActionPlan, *, year: int) -> int:
    period = period_get(year=year)
    rows = status_figures(period=period)
    created = []
    for n, row in enumerate(sorted(rows, key=lambda r: (r["branch_id"] or 0, r["track_id"] or 0))):
        if not row["held"]:
            continue
        factor = FACTORS[n % len(FACTORS)]
        created.append(
            Target(
                plan=plan,
                branch_id=row["branch_id"],
                track_id=row["track_id"],
                held=max(1, round(row["held"] * factor)),
                attendance=max(10, round(row["attendance"] * factor, -1))
                if row["attendance"]
                else None,
                co_created=max(1, round(row["co_created_held"] * factor))
                if row["co_created_held"]
                else None,
            )
        )
    Target.objects.bulk_create(created)
    return len(created)


@transaction.atomic
def seed_plans(*, today: date) -> list[str]:
    """Create the demo's plans for ``today``'s year and the next; return lines to print."""
    lines: list[str] = []
    year = today.year
    status_recompute(year=year)
    if ActionPlan.objects.filter(year=year).exists():
        lines.append(f"Action plan {year}: already there, left as it was.")
    else:
        plan = ActionPlan.objects.create(
            year=year,
            status=ActionPlan.Status.ADOPTED,
            title=f"Handleplan {year}",
            adopted_on=date(year - 1, 12, 10),
            notes="Bibliotekernes rolle i lokalsamfundet: de syv spor i alle lokalområder.",
        )
        count = _targets_from_figures(plan, year=year)
        tracks = {t.slug: t for t in Track.objects.all()}
        Initiative.objects.bulk_create(
            Initiative(plan=plan, track=tracks[slug], text=text, order=i)
            for i, (slug, text) in enumerate(INITIATIVES.items())
            if slug in tracks
        )
        lines.append(
            f"Action plan {year}: adopted, {count} targets, {len(INITIATIVES)} initiatives."
        )
    if not ActionPlan.objects.filter(year=year + 1).exists():
        source = ActionPlan.objects.get(year=year)
        action_plan_copy(source=source, year=year + 1)
        lines.append(f"Action plan {year + 1}: draft, copied from {year}.")
    if Branch.objects.exists():
        status_recompute(year=year - 1)
    return lines
