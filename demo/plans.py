"""The demo's action plans: this year's, adopted, with targets per branch and track and an
initiative per track (every status, a responsible branch, a note and linked demo events), and
next year's as a draft copy (the December meeting presents it).

Targets are set from what the demo's events will have held by the end of the year, times a
fixed factor per cell, so the dashboard's heat map shows cells under, near and over target.
Idempotent: a year that already has a plan is left as it is (it may have been edited).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from events.models import Branch, Event, Track
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


# How far each initiative has come (every status shown), with a progress note.
PROGRESS = (
    (Initiative.Status.IN_PROGRESS, "Tre nye læsekredse er startet; to mangler frivillige."),
    (Initiative.Status.DONE, "Caféerne kører fast hver uge med faste frivillige."),
    (Initiative.Status.PLANNED, "Foredragsrækken planlægges til efteråret."),
    (Initiative.Status.IN_PROGRESS, "Babysalmesang og seniortræf er i gang; flere hold ønskes."),
    (Initiative.Status.POSTPONED, "Udskudt til næste år: skolernes planlægning er forsinket."),
    (Initiative.Status.DROPPED, "Opgivet: for få borgere meldte sig som arrangører."),
    (Initiative.Status.DONE, "IT-caféer i alle lokalbiblioteker; MitID-hjælp hver måned."),
)
EVENTS_PER_INITIATIVE = 4


def _initiatives_create(plan: ActionPlan, *, year: int) -> None:
    """An initiative per track, each with a status and note, a responsible branch (in turn) and
    a few of that track's events of the year at that branch (or any branch) linked to it."""
    tracks = {t.slug: t for t in Track.objects.all()}
    branches = list(Branch.objects.order_by("order", "name"))
    for i, (slug, text) in enumerate(INITIATIVES.items()):
        if slug not in tracks:
            continue
        status, note = PROGRESS[i % len(PROGRESS)]
        branch = branches[i % len(branches)] if branches else None
        initiative = Initiative.objects.create(
            plan=plan,
            track=tracks[slug],
            text=text,
            order=i,
            status=status,
            note=note,
            branch=branch,
        )
        events = (
            Event.objects.filter(tracks=tracks[slug], start__year=year)
            .exclude(status=Event.Status.DRAFT)
            .order_by("start", "pk")
        )
        own = list(events.filter(branch=branch)[:EVENTS_PER_INITIATIVE]) if branch else []
        initiative.events.set(own or list(events[:EVENTS_PER_INITIATIVE]))


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
        _initiatives_create(plan, year=year)
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
