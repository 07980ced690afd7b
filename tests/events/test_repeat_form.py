"""The repeat picker on the event's admin form: staff post choices and the form stores the
validated RRULE; staff cannot post raw RRULE text; administrators can."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.models import Event
from tests.factories import RoomFactory, local, make_event, track

pytestmark = pytest.mark.django_db

WEEKLY_TUESDAYS_8 = {
    "repeat_freq": "WEEKLY",
    "repeat_interval": "1",
    "repeat_weekdays": ["TU"],
    "repeat_monthly": "monthday",
    "repeat_monthday": "1",
    "repeat_setpos": "1",
    "repeat_setpos_weekday": "TU",
    "repeat_end": "count",
    "repeat_count": "8",
    "repeat_until": "",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _login(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def _post(branch, **overrides) -> dict:
    """The add form: a published event on Tuesday 1 September 2026, 10:00-12:00."""
    data = {
        "title": "Sprogcafé",
        "description": "",
        "status": "published",
        "cancel_reason": "",
        "branch": branch.pk,
        "stop": "",
        "room": RoomFactory(branch=branch).pk,
        "place": "",
        "capacity": "",
        "start_0": "2026-09-01",
        "start_1": "10:00:00",
        "end_0": "2026-09-01",
        "end_1": "12:00:00",
        "exdates": "",
        "tracks": [track("hygge").pk],
        "audiences": [],
        "partners": [],
        "url": "",
        "occurrences-TOTAL_FORMS": 0,
        "occurrences-INITIAL_FORMS": 0,
        "occurrences-MIN_NUM_FORMS": 0,
        "occurrences-MAX_NUM_FORMS": 1000,
    }
    data.update(overrides)
    return data


def _dates(event) -> list[str]:
    return [o.local_date.isoformat() for o in event.occurrences.order_by("start")]


def test_staff_choices_are_stored_as_the_validated_rule(staff_user, branch):
    data = _post(branch, **WEEKLY_TUESDAYS_8, exdates="2026-09-15")
    response = _login(staff_user).post(reverse("admin:events_event_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(title="Sprogcafé")
    assert event.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=8"
    assert event.exdates == ["2026-09-15"]
    assert _dates(event) == [
        "2026-09-01",
        "2026-09-08",
        "2026-09-22",
        "2026-09-29",
        "2026-10-06",
        "2026-10-13",
        "2026-10-20",
    ]


@pytest.mark.parametrize(
    ("choices", "rule"),
    [
        ({"repeat_freq": ""}, ""),
        (
            {"repeat_freq": "DAILY", "repeat_end": "count", "repeat_count": "3"},
            "FREQ=DAILY;COUNT=3",
        ),
        (
            {"repeat_freq": "WEEKLY", "repeat_interval": "2", "repeat_end": "never"},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        ),
        (
            {"repeat_freq": "MONTHLY", "repeat_end": "until", "repeat_until": "2026-12-31"},
            "FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20261231T225959Z",
        ),
        (
            {
                "repeat_freq": "MONTHLY",
                "repeat_monthly": "weekday",
                "repeat_setpos": "1",
                "repeat_setpos_weekday": "TU",
                "repeat_end": "count",
                "repeat_count": "2",
            },
            "FREQ=MONTHLY;BYDAY=1TU;COUNT=2",
        ),
    ],
)
def test_each_repeat_and_end_kind_is_stored(staff_user, branch, choices, rule):
    data = _post(branch, **{**WEEKLY_TUESDAYS_8, **choices})
    response = _login(staff_user).post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Event.objects.get(title="Sprogcafé").rrule == rule


def test_staff_cannot_post_a_raw_rule(staff_user, branch):
    client = _login(staff_user)
    # Alongside the picker, the raw text is ignored ...
    data = _post(branch, **WEEKLY_TUESDAYS_8, rrule="FREQ=DAILY;COUNT=300")
    assert client.post(reverse("admin:events_event_add"), data).status_code == 302
    event = Event.objects.get(title="Sprogcafé")
    assert event.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=8"
    # ... and without it as well: the stored rule stays.
    change = reverse("admin:events_event_change", args=[event.pk])
    data = _post(branch, title="Sprogcafé", rrule="FREQ=DAILY;COUNT=300")
    data["room"] = event.room_id
    assert client.post(change, data).status_code == 302
    event.refresh_from_db()
    assert event.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=8"
    assert len(_dates(event)) == 8


def test_staff_see_the_picker_and_not_the_raw_rule(staff_user, admin_user, branch):
    event = make_event(
        branch=branch, start=local(2026, 9, 1, 10, 0), rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=4"
    )
    change = reverse("admin:events_event_change", args=[event.pk])

    page = _login(staff_user).get(change).content.decode()
    assert 'class="repeat-picker"' in page
    assert '<input type="hidden" name="rrule" value="FREQ=MONTHLY;BYDAY=1TU;COUNT=4"' in page
    assert '<option value="MONTHLY" selected>' in page
    assert 'name="repeat_monthly" value="weekday"' in page
    assert "events/repeat-picker.js" in page

    page = _login(admin_user).get(change).content.decode()
    assert '<input type="text" name="rrule" value="FREQ=MONTHLY;BYDAY=1TU;COUNT=4"' in page


def test_an_administrator_may_type_the_raw_rule(admin_user, branch):
    client = _login(admin_user)
    data = _post(branch, **WEEKLY_TUESDAYS_8, rrule="FREQ=YEARLY;COUNT=2")
    assert client.post(reverse("admin:events_event_add"), data).status_code == 302
    event = Event.objects.get(title="Sprogcafé")
    assert event.rrule == "FREQ=YEARLY;COUNT=2"
    assert _dates(event) == ["2026-09-01", "2027-09-01"]


def test_a_rule_the_picker_cannot_show_is_kept_on_a_staff_save(staff_user, branch):
    event = make_event(
        branch=branch, start=local(2026, 9, 1, 10, 0), rrule="FREQ=YEARLY;COUNT=2", title="Jul"
    )
    client = _login(staff_user)
    change = reverse("admin:events_event_change", args=[event.pk])
    page = client.get(change).content.decode()
    assert '<option value="CUSTOM" selected>' in page
    assert "written by an administrator: FREQ=YEARLY;COUNT=2" in page
    data = _post(branch, title="Jul, nu med kaffe", repeat_freq="CUSTOM")
    data["room"] = ""
    response = client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert (event.title, event.rrule) == ("Jul, nu med kaffe", "FREQ=YEARLY;COUNT=2")


def test_an_unchanged_picker_keeps_the_stored_text_and_sequence(staff_user, branch):
    event = make_event(branch=branch, start=local(2026, 9, 1, 10, 0), rrule="FREQ=WEEKLY;COUNT=3")
    data = _post(branch, title="Sprogcafé", **{**WEEKLY_TUESDAYS_8, "repeat_count": "3"})
    data["room"] = ""
    response = _login(staff_user).post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert (event.title, event.rrule, event.sequence) == ("Sprogcafé", "FREQ=WEEKLY;COUNT=3", 0)


def test_picker_errors_show_at_the_picker_and_keep_what_was_typed(staff_user, branch):
    data = _post(branch, **{**WEEKLY_TUESDAYS_8, "repeat_weekdays": [], "repeat_count": "0"})
    response = _login(staff_user).post(reverse("admin:events_event_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["repeat"] == ["Check the repeat choices below."]
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in page
    assert 'name="repeat_count" value="0"' in page
    assert not Event.objects.filter(title="Sprogcafé").exists()


def test_a_start_off_the_repeat_days_is_an_error_at_the_picker(staff_user, branch):
    data = _post(branch, **{**WEEKLY_TUESDAYS_8, "repeat_weekdays": ["WE"]})
    response = _login(staff_user).post(reverse("admin:events_event_add"), data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["repeat"]
    assert message.startswith("The start (1 September 2026) is not one of the repeat days")
