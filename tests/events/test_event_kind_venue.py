"""Event kind, venue, barometer type and who started it in the domain services and the staff
admin: the bookmobile's default venue, the copy path, and the admin form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import services
from events.models import Event
from tests.events.test_admin import _login, _new_event_post
from tests.factories import StopFactory, local, make_event

pytestmark = pytest.mark.django_db


def test_a_new_bookmobile_event_is_in_the_community_unless_said(bookmobile, branch):
    assert make_event(branch=bookmobile).venue == Event.Venue.COMMUNITY
    online = make_event(branch=bookmobile, venue="online", start=local(2026, 9, 8, 19, 0))
    assert online.venue == Event.Venue.ONLINE
    assert make_event(branch=branch).venue == Event.Venue.LIBRARY


def test_the_services_refuse_an_unknown_kind_naming_the_field(branch):
    with pytest.raises(ValidationError) as error:
        make_event(branch=branch, kind="lecture")
    assert "kind" in error.value.message_dict
    event = make_event(branch=branch)
    with pytest.raises(ValidationError) as error:
        services.event_update(event=event, initiated_by="mayor")
    assert "initiated_by" in error.value.message_dict


def test_a_copy_keeps_kind_venue_barometer_type_and_starter(branch):
    event = make_event(
        branch=branch,
        kind="teaching",
        venue="online",
        barometer_type="talk",
        initiated_by="users",
    )
    copy = services.event_copy(event=event, start=local(2026, 10, 6, 19, 0))
    assert (copy.kind, copy.venue, copy.barometer_type, copy.initiated_by) == (
        "teaching",
        "online",
        "talk",
        "users",
    )


def test_the_admin_form_sets_them_and_leaves_the_bookmobiles_venue_to_its_default(
    admin_user, branch, bookmobile
):
    client = _login(admin_user)
    add = reverse("admin:events_event_add")
    form = client.get(add).content.decode()
    assert 'name="kind"' in form
    assert 'name="barometer_type"' in form
    assert "By the branch (the bookmobile: out in the local community)" in form

    data = _new_event_post(
        branch, kind="teaching", venue="online", barometer_type="talk", initiated_by="library"
    )
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title="Sprogcafé")
    assert (event.kind, event.venue, event.barometer_type, event.initiated_by) == (
        "teaching",
        "online",
        "talk",
        "library",
    )

    stop = StopFactory(branch=bookmobile)
    data = _new_event_post(bookmobile, title="Bogbussen på torvet", stop=stop.pk, venue="")
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Event.objects.get(title="Bogbussen på torvet").venue == Event.Venue.COMMUNITY

    # A change without the fields keeps them; an unknown kind is refused on the form.
    change = reverse("admin:events_event_change", args=[event.pk])
    response = client.post(change, {**data, "branch": branch.pk, "stop": "", "kind": "x"})
    assert response.status_code == 200
    assert "Select a valid choice. x is not one of the available choices." in (
        response.content.decode()
    )
    event.refresh_from_db()
    assert event.kind == "teaching"
