"""The demo's action plans: targets from the year's figures, idempotent, next year's draft."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from demo import plans as demo
from events import services as event_services
from tasks.models import ActionPlan, Initiative
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_seed_plans_sets_targets_from_figures_and_copies_next_year(branch, staff_user):
    start = timezone.now() - timedelta(days=3)
    today = timezone.localdate()
    event = make_event(branch=branch, start=start)
    event_services.attendance_record(occurrence=event.occurrences.get(), total=20, user=staff_user)

    lines = demo.seed_plans(today=today)

    plan = ActionPlan.objects.get(year=today.year)
    assert plan.status == ActionPlan.Status.ADOPTED
    cell = plan.targets.get(branch=branch, track__slug="hygge")
    # One occurrence held with 20 attending, times one of the demo's factors.
    assert cell.held in {max(1, round(1 * f)) for f in demo.FACTORS}
    assert cell.attendance in {max(10, round(20 * f, -1)) for f in demo.FACTORS}
    assert plan.initiatives.count() == 7
    # Every status is shown, each with a note and a responsible branch; hygge's initiative is
    # carried out by the demo's hygge event.
    assert set(plan.initiatives.values_list("status", flat=True)) == set(Initiative.Status.values)
    assert all(i.note and i.branch_id for i in plan.initiatives.all())
    assert list(plan.initiatives.get(track__slug="hygge").events.all()) == [event]
    draft = ActionPlan.objects.get(year=today.year + 1)
    assert draft.status == ActionPlan.Status.DRAFT
    assert draft.targets.count() == plan.targets.count()
    assert any("adopted" in line for line in lines)


def test_seed_plans_leaves_an_existing_plan_alone():
    today = date(2026, 11, 25)
    ActionPlan.objects.create(year=2026, title="Vedtaget af udvalget")
    lines = demo.seed_plans(today=today)
    assert ActionPlan.objects.get(year=2026).title == "Vedtaget af udvalget"
    assert ActionPlan.objects.get(year=2026).targets.count() == 0
    assert lines[0] == "Action plan 2026: already there, left as it was."
