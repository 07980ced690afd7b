"""The action plan admin saves through ``action_plan_save``, as the API does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.clock import local_today
from tasks.models import ActionPlan
from tests.factories import track

pytestmark = pytest.mark.django_db


def _post(plan: ActionPlan | None, **fields) -> dict:
    data = {"year": 2026, "status": "draft", "title": "", "notes": "", "adopted_on": ""}
    if plan is not None:
        data.update(year=plan.year, status=plan.status, title=plan.title, notes=plan.notes)
    data.update(fields)
    for prefix in ("targets", "initiatives"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
    return data


@pytest.fixture
def client_admin(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_adopting_a_plan_in_the_admin_dates_it_as_the_api_does(client_admin):
    long_ago = timezone.now() - timedelta(days=30)
    plan = ActionPlan.objects.create(year=2026, title="Handleplan 2026", updated_at=long_ago)
    url = reverse("admin:tasks_actionplan_change", args=[plan.pk])
    assert client_admin.get(url).status_code == 200
    response = client_admin.post(url, _post(plan, status="adopted"))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.ADOPTED
    assert plan.adopted_on == local_today()
    assert plan.updated_at > long_ago


def test_a_plan_added_in_the_admin_as_adopted_gets_its_date(client_admin):
    response = client_admin.post(
        reverse("admin:tasks_actionplan_add"), _post(None, year=2027, status="adopted")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ActionPlan.objects.get(year=2027).adopted_on == local_today()


def test_a_year_that_has_a_plan_is_a_form_error(client_admin):
    ActionPlan.objects.create(year=2026)
    response = client_admin.post(reverse("admin:tasks_actionplan_add"), _post(None, year=2026))
    assert response.status_code == 200
    assert "year" in response.context["adminform"].form.errors
    assert ActionPlan.objects.count() == 1


def test_two_targets_for_the_same_scope_are_refused_as_by_the_api(client_admin, branch):
    plan = ActionPlan.objects.create(year=2026)
    hygge = track("hygge")
    data = _post(plan)
    data["targets-TOTAL_FORMS"] = 2
    for i in (0, 1):
        data.update(
            {
                f"targets-{i}-branch": branch.pk,
                f"targets-{i}-track": hygge.pk,
                f"targets-{i}-held": 10 + i,
                f"targets-{i}-attendance": "",
                f"targets-{i}-co_created": "",
            }
        )
    response = client_admin.post(reverse("admin:tasks_actionplan_change", args=[plan.pk]), data)
    assert response.status_code == 200
    (formset, _initiatives) = response.context["inline_admin_formsets"]
    assert formset.formset.non_form_errors()
    assert not plan.targets.exists()
