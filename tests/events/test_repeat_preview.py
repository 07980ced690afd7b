"""The repeat picker's live preview: staff and administrators only; the rule, its sentence and
its next dates in Copenhagen time, or the field errors as a 400."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/admin/events/event/repeat-preview/"
QUERY = {
    "start_0": "2027-03-16",
    "start_1": "10:00",
    "repeat_freq": "WEEKLY",
    "repeat_interval": "1",
    "repeat_weekdays": "TU",
    "repeat_end": "count",
    "repeat_count": "4",
    "exdates": "2027-03-30",
}


def _client(user, language="da") -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def test_the_url_is_the_named_one():
    assert reverse("events_repeat_preview") == URL


def test_staff_get_the_rule_sentence_and_dates_across_daylight_saving(staff_user):
    response = _client(staff_user).get(URL, QUERY)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rrule"] == "FREQ=WEEKLY;BYDAY=TU;COUNT=4"
    assert body["sentence"] == "hver tirsdag kl. 10.00, 4 gange"
    assert [(d["start"], d["excluded"]) for d in body["dates"]] == [
        ("2027-03-16T10:00:00+01:00", False),
        ("2027-03-23T10:00:00+01:00", False),
        ("2027-03-30T10:00:00+02:00", True),  # summer time began on 28 March; still 10:00
        ("2027-04-06T10:00:00+02:00", False),
    ]
    assert body["dates"][0]["label"] == "tirsdag 16. marts 2027 kl. 10.00"


def test_the_preview_speaks_english_when_chosen(admin_user):
    body = _client(admin_user, "en").get(URL, QUERY).json()
    assert body["sentence"] == "every Tuesday at 10:00, 4 times"
    assert body["dates"][0]["label"] == "Tuesday, 16 March 2027 at 10:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"repeat_count": "0"}, "repeat_count"),
        ({"repeat_count": "many"}, "repeat_count"),
        ({"repeat_count": ""}, "repeat_count"),
        ({"repeat_weekdays": "XX"}, "repeat_weekdays"),
        ({"repeat_weekdays": ""}, "repeat_weekdays"),
        ({"repeat_freq": "HOURLY"}, "repeat_freq"),
        ({"repeat_interval": "100"}, "repeat_interval"),
        ({"repeat_end": "until", "repeat_until": "2027-02-01"}, "repeat_until"),
        ({"repeat_end": "until", "repeat_until": "16.03.2027x"}, "repeat_until"),
        ({"start_0": "not a date"}, "start"),
        ({"exdates": "2027-02-30"}, "exdates"),
        ({"repeat_weekdays": "WE"}, "repeat_freq"),  # the start is not a Wednesday
    ],
)
def test_bad_input_is_a_400_naming_the_field(staff_user, changes, field):
    query = {**QUERY, **changes}
    if query["repeat_weekdays"] == "":
        del query["repeat_weekdays"]
    response = _client(staff_user, "en").get(URL, query)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert errors[field][0]["message"]


def test_only_staff_and_administrators_may_preview(client, management_user, staff_user):
    assert client.get(URL, QUERY).status_code == 302  # to the admin's login
    response = _client(management_user, "en").get(URL, QUERY)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only staff may preview repeats."}
    assert _client(staff_user).get(URL, QUERY).status_code == 200
