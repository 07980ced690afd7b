"""The status figures read each counting rule's occurrence part and event part apart
(``events.models.occurrence_held_q``, ``event_counted_q``, ``occurrence_cancelled_q``,
``event_cancelled_q``), so that a year's occurrences are read without joining their events. The
rest of the service counts with ``held_q`` and ``cancelled_q``: both must agree, for every
combination of the event's status, the occurrence's status and whether it has ended."""

from __future__ import annotations

import pytest

from events import services as events_services
from events.models import Event, Occurrence, cancelled_q
from tasks.services.figures import figures_compute, status_recompute
from tests.factories import local
from tests.tasks.util import event_with, figure, values

pytestmark = pytest.mark.django_db

# The middle of June 2026: 1 June has ended, 15 June (19:00) has not.
NOW = local(2026, 6, 15, 12, 0)


def four_evenings(branch, *, status: str = Event.Status.PUBLISHED, counts=(), slugs=("hygge",)):
    """1, 8, 15 and 22 June at 19:00, with 8 June cancelled."""
    event = event_with(
        branch=branch,
        start=local(2026, 6, 1, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
        counts=counts,
        now=NOW,
        status=status,
        slugs=slugs,
    )
    second = event.occurrences.order_by("start")[1]
    events_services.occurrence_cancel(occurrence=second, reason="Sygdom")
    return event


def test_figures_count_what_held_q_and_cancelled_q_select(branch, other_branch):
    four_evenings(branch, counts=[12], slugs=("hygge", "fordybelse"))
    gone = four_evenings(branch, counts=[30], slugs=("hygge",))
    events_services.event_cancel(event=gone, reason="Aflyst")
    four_evenings(other_branch, status=Event.Status.DRAFT)

    status_recompute(year=2026, now=NOW)

    june = figure(2026, "month", 6)
    # By hand: the published event held 1 June (12 people); 8 June is cancelled, 15 and 22 June
    # have not ended. The cancelled event's four evenings are cancelled, its count not counted.
    # The draft counts nowhere.
    assert values(june, "held", "cancelled", "attendance", "events_held") == (1, 5, 12, 1)
    # The same as the conditions the rest of the service counts with.
    in_june = Occurrence.objects.filter(local_date__year=2026, local_date__month=6)
    assert june.held == in_june.held(now=NOW).count()
    assert june.cancelled == in_june.public().filter(cancelled_q()).count()
    # Per track: the cancelled event's track counts its cancellations, not its held evening.
    assert values(figure(2026, "month", 6, slug="hygge"), "held", "cancelled") == (1, 5)
    assert values(figure(2026, "month", 6, slug="fordybelse"), "held", "cancelled") == (1, 1)
    assert figure(2026, "month", 6, branch=other_branch) is None


def test_year_to_date_counts_the_same_as_the_stored_year(branch):
    four_evenings(branch, counts=[12])
    gone = four_evenings(branch, counts=[30])
    events_services.event_cancel(event=gone, reason="Aflyst")

    status_recompute(year=2026, now=NOW)
    months = [(m, "ytd", 1) for m in range(1, 13)]
    computed = figures_compute(
        first=local(2026, 1, 1, 0, 0).date(),
        last=local(2026, 12, 31, 0, 0).date(),
        now=NOW,
        period_map=months,
    )

    total = next(r for r in computed if r["branch_id"] is None and r["track_id"] is None)
    stored = figure(2026, "year", 1)
    names = ("held", "cancelled", "attendance", "missing_attendance", "events_held")
    assert tuple(total[n] for n in names) == values(stored, *names) == (1, 5, 12, 0, 1)
