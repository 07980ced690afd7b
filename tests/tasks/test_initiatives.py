"""Initiatives: their figures are their linked events' figures by the counting rules, they are
frozen with a report, and management and staff change them through the API and the admin."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from events import services
from events.models import Event
from tasks.models import ActionPlan, Initiative
from tasks.services.initiatives import initiative_figures
from tasks.services.plans import action_plan_snapshot
from tasks.services.reports import status_report_generate
from tests.factories import local, make_event, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(branch, other_branch):
    """Three initiatives of the 2026 plan over five events (hand-computed below)."""
    plan = ActionPlan.objects.create(year=2026)
    hygge = track("hygge")
    # A: three weekly Tuesdays in March, co-created; counts 10 and 5, the third cancelled.
    a = make_event(
        branch=branch,
        title="Strikkecafé",
        start=local(2026, 3, 3, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        co_created=True,
    )
    occ = list(a.occurrences.order_by("start"))
    services.attendance_record(occurrence=occ[0], total=10)
    services.attendance_record(occurrence=occ[1], total=5)
    services.occurrence_cancel(occurrence=occ[2], reason="Syg")
    # B: held once in April, no head count (missing attendance).
    b = make_event(branch=branch, title="Foredrag", start=local(2026, 4, 7, 19, 0))
    # C: a draft in April: never counted.
    c = make_event(
        branch=branch, title="Kladde", start=local(2026, 4, 8, 19, 0), status=Event.Status.DRAFT
    )
    # D: a whole event cancelled (other branch).
    d = make_event(branch=other_branch, title="Aflyst", start=local(2026, 5, 5, 19, 0))
    services.event_cancel(event=d, reason="Aflyst")
    # E: after the period asked about (and in the future of the report's as_of).
    e = make_event(branch=branch, title="Juleklip", start=local(2026, 11, 24, 16, 0))
    one = Initiative.objects.create(plan=plan, track=hygge, text="Strik", order=1)
    two = Initiative.objects.create(plan=plan, track=hygge, text="Fællesskab", order=2)
    three = Initiative.objects.create(plan=plan, track=hygge, text="Tom", order=3)
    one.events.set([a, b, c])
    two.events.set([a, d, e])
    return plan, one, two, three, occ


def test_initiative_figures_are_the_sum_over_their_events_by_the_counting_rules(linked):
    plan, one, two, three, _occ = linked
    figures = initiative_figures(plan=plan, first=date(2026, 1, 1), last=date(2026, 10, 31))
    expect = {
        # A: 2 held (15 heads, co-created), 1 cancelled; B: 1 held, no count; C: a draft.
        one.pk: dict(
            held=3,
            events_held=2,
            cancelled=1,
            with_attendance=2,
            missing_attendance=1,
            attendance=15,
            co_created_held=2,
        ),
        # A again (an event linked to two initiatives counts in each); D: cancelled; E: later.
        two.pk: dict(
            held=2,
            events_held=1,
            cancelled=2,
            with_attendance=2,
            missing_attendance=0,
            attendance=15,
            co_created_held=2,
        ),
        three.pk: dict(
            held=0,
            events_held=0,
            cancelled=0,
            with_attendance=0,
            missing_attendance=0,
            attendance=0,
            co_created_held=0,
        ),
    }
    for pk, values in expect.items():
        assert {k: figures[pk][k] for k in values} == values, pk
    assert figures[one.pk]["average_attendance"] == 7.5
    assert figures[three.pk]["average_attendance"] is None
    # Up to March: B (April) and D (May) drop out.
    march = initiative_figures(
        initiatives=[one, two], first=date(2026, 1, 1), last=date(2026, 3, 31)
    )
    assert (march[one.pk]["held"], march[one.pk]["missing_attendance"]) == (2, 0)
    assert march[two.pk]["cancelled"] == 1


def test_the_frozen_report_keeps_initiatives_when_attendance_is_corrected_later(linked):
    plan, one, _two, _three, occ = linked
    one.status, one.note = Initiative.Status.IN_PROGRESS, "Godt i gang"
    one.save()
    report = status_report_generate(as_of=date(2026, 6, 1))
    frozen = report.data["plan"]["initiatives"]
    first = next(i for i in frozen if i["id"] == one.pk)
    assert first["status"] == "in_progress"
    assert first["note"] == "Godt i gang"
    assert [e["title"] for e in first["events"]] == ["Strikkecafé", "Foredrag", "Kladde"]
    assert first["figures"]["attendance"] == 15
    # The snapshot kept its earlier keys.
    assert {"track", "track_name", "branch", "branch_name", "text"} <= set(first)

    services.attendance_record(occurrence=occ[0], total=40)
    report.refresh_from_db()
    again = next(i for i in report.data["plan"]["initiatives"] if i["id"] == one.pk)
    assert again["figures"]["attendance"] == 15
    fresh = action_plan_snapshot(plan, last=date(2026, 5, 31))
    assert next(i for i in fresh["initiatives"] if i["id"] == one.pk)["figures"]["attendance"] == 45


def _url(plan, initiative):
    return f"/api/v1/action-plans/{plan.pk}/initiatives/{initiative.pk}/"


def test_management_changes_status_note_and_branch_in_the_api(linked, management_client, branch):
    plan, one, *_ = linked
    response = management_client.patch(
        _url(plan, one),
        {"status": "done", "note": "Gennemført i marts", "branch": "jyllinge"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    one.refresh_from_db()
    assert (one.status, one.note, one.branch) == ("done", "Gennemført i marts", branch)
    assert response.json()["status"] == "done"
    read = management_client.get(f"/api/v1/action-plans/{plan.pk}/").json()
    assert next(i for i in read["initiatives"] if i["id"] == one.pk)["note"] == (
        "Gennemført i marts"
    )


def test_bad_status_is_a_400_naming_the_field_and_changes_nothing(linked, management_client):
    plan, one, *_ = linked
    response = management_client.patch(
        _url(plan, one), {"status": "finished", "events": [999999]}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"status", "events"}
    one.refresh_from_db()
    assert one.status == "planned"
    assert one.events.count() == 3


def test_staff_link_their_own_branch_events_only(
    linked, staff_client, anonymous_client_or_none, other_branch, branch
):
    plan, _one, _two, three, _occ = linked
    own = make_event(branch=branch, title="Egen", start=local(2026, 2, 3, 19, 0))
    theirs = Event.objects.get(title="Aflyst")
    ok = staff_client.patch(_url(plan, three), {"events": [own.pk]}, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["events"] == [own.pk]
    refused = staff_client.patch(_url(plan, three), {"events": [own.pk, theirs.pk]}, format="json")
    assert refused.status_code == 400
    assert "events" in refused.json()
    assert staff_client.patch(_url(plan, three), {"status": "done"}, format="json").status_code == (
        403
    )
    three.refresh_from_db()
    assert list(three.events.all()) == [own]
    assert three.status == "planned"
    if anonymous_client_or_none is not None:
        code = anonymous_client_or_none.patch(
            _url(plan, three), {"events": []}, format="json"
        ).status_code
        assert code in (401, 403)


@pytest.fixture
def anonymous_client_or_none():
    from rest_framework.test import APIClient

    return APIClient()


def test_the_admin_saves_an_initiative_with_status_note_and_events(linked, admin_user):
    plan, one, *_ = linked
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:tasks_actionplan_change", args=[plan.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(year=2026, status="draft", adopted_on="")
    data.update(
        {
            "targets-TOTAL_FORMS": 0,
            "targets-INITIAL_FORMS": 0,
            "targets-MIN_NUM_FORMS": 0,
            "targets-MAX_NUM_FORMS": 1000,
        }
    )
    inits = list(plan.initiatives.order_by("pk"))
    data.update(
        {
            "initiatives-TOTAL_FORMS": len(inits),
            "initiatives-INITIAL_FORMS": len(inits),
            "initiatives-MIN_NUM_FORMS": 0,
            "initiatives-MAX_NUM_FORMS": 1000,
        }
    )
    for n, i in enumerate(inits):
        data.update(
            {
                f"initiatives-{n}-id": i.pk,
                f"initiatives-{n}-plan": plan.pk,
                f"initiatives-{n}-track": i.track_id,
                f"initiatives-{n}-branch": "",
                f"initiatives-{n}-order": i.order,
                f"initiatives-{n}-text": i.text,
                f"initiatives-{n}-status": i.status,
                f"initiatives-{n}-note": i.note,
                f"initiatives-{n}-events": [e.pk for e in i.events.all()],
            }
        )
    data["initiatives-0-status"] = "postponed"
    data["initiatives-0-note"] = "Flyttet til efteråret"
    data["initiatives-0-events"] = [Event.objects.get(title="Foredrag").pk]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    one.refresh_from_db()
    assert (one.status, one.note) == ("postponed", "Flyttet til efteråret")
    assert [e.title for e in one.events.all()] == ["Foredrag"]


def test_the_dashboard_lists_initiatives_and_management_changes_them(
    linked, management_user, staff_user
):
    _plan, one, *_ = linked
    management_client, staff_client = Client(), Client()
    management_client.force_login(management_user)
    staff_client.force_login(staff_user)
    page = management_client.get("/ledelse/?year=2026&period=year")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="initiatives-title"' in html
    assert f'id="initiative-{one.pk}"' in html
    row = page.context["initiatives"]["rows"]
    # The whole year: E (24 November, ended) is held too, so two has A's 2 and E's 1.
    assert [r["figures"]["held"] for r in row[:2]] == [3, 3]
    url = reverse("pages:initiative-change", args=[one.pk])
    assert management_client.get(url).status_code == 405
    response = management_client.post(
        url, {"status": "in_progress", "note": "Halvvejs"}, follow=True
    )
    assert response.status_code == 200
    one.refresh_from_db()
    assert (one.status, one.note) == ("in_progress", "Halvvejs")
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    bad = management_client.post(url, {"status": "finished", "note": "x"}, follow=True)
    assert [m.level_tag for m in bad.context["messages"]] == ["error"]
    assert "finished" in bad.content.decode()
    one.refresh_from_db()
    assert (one.status, one.note) == ("in_progress", "Halvvejs")
    assert staff_client.post(url, {"status": "done", "note": ""}).status_code == 403
    one.refresh_from_db()
    assert one.status == "in_progress"
