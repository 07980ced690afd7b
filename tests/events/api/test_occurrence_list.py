import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from tests.factories import BookmobileFactory, StopFactory, audience, local, make_event, track

URL = "/api/v1/occurrences/"
pytestmark = pytest.mark.django_db


def starts(response):
    assert response.status_code == 200, response.json()
    return [o["start"] for o in response.json()["results"]]


def test_a_window_of_local_dates_gives_the_calendar_of_those_days(anon_client, branch):
    make_event(
        branch=branch,
        title="Ugentlig",
        start=local(2027, 3, 16, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
    )  # 16, 23, 30 March (after the DST change), 6 April
    response = anon_client.get(URL, {"from": "2027-03-20", "to": "2027-04-01"})
    assert starts(response) == ["2027-03-23T19:00:00+01:00", "2027-03-30T19:00:00+02:00"]
    first = response.json()["results"][0]
    assert first["title"] == "Ugentlig"
    assert first["branch"]["slug"] == "jyllinge"
    assert first["local_date"] == "2027-03-23"


def test_drafts_never_appear_for_the_public(anon_client, published, draft, other_draft):
    titles = [o["title"] for o in anon_client.get(URL).json()["results"]]
    assert titles == ["Læsekreds"]


def test_filters_and_the_cancelled_flag(anon_client, branch, other_branch):
    kept = make_event(
        branch=branch,
        title="A",
        start=local(2027, 1, 5, 10, 0),
        tracks=[track("hygge")],
        rrule="FREQ=DAILY;COUNT=3",
    )
    make_event(
        branch=other_branch, title="B", start=local(2027, 1, 5, 12, 0), tracks=[track("fordybelse")]
    )
    services.occurrence_cancel(occurrence=kept.occurrences.order_by("start")[1], reason="Lukket")
    assert len(starts(anon_client.get(URL, {"track": "hygge"}))) == 3
    assert starts(anon_client.get(URL, {"track": "hygge", "cancelled": "true"})) == [
        "2027-01-06T10:00:00+01:00"
    ]
    assert len(starts(anon_client.get(URL, {"branch": "jyllinge,viby", "cancelled": "false"}))) == 3
    assert len(starts(anon_client.get(URL, {"branch": "viby"}))) == 1


def test_an_unknown_slug_is_a_400_not_an_empty_list(anon_client, published):
    response = anon_client.get(URL, {"branch": "jyllinge,atlantis"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"branch": ["Unknown value: atlantis."]}


def test_attendance_is_shown_to_staff_but_not_to_the_public(
    anon_client, staff_client, staff_user, past
):
    services.attendance_record(occurrence=past.occurrences.get(), total=9, user=staff_user)
    assert anon_client.get(URL).json()["results"][0]["attendance"] is None
    assert staff_client.get(URL).json()["results"][0]["attendance"]["total"] == 9


def test_detail_and_draft_occurrences(anon_client, staff_client, draft):
    occurrence = draft.occurrences.get()
    assert anon_client.get(f"{URL}{occurrence.pk}/").status_code == 404
    assert staff_client.get(f"{URL}{occurrence.pk}/").status_code == 200


@pytest.mark.parametrize("client_name", ["anon_client", "staff_client", "management_client"])
def test_the_list_uses_the_same_number_of_queries_for_5_and_50_occurrences(
    request, client_name, branch, other_branch, staff_user, django_assert_num_queries
):
    client = request.getfixturevalue(client_name)
    bus = BookmobileFactory()
    stop = StopFactory(branch=bus, slug="kirke-syv")
    for i, where in enumerate([branch, other_branch, bus]):
        make_event(
            branch=where,
            title=f"Serie {i}",
            start=local(2027, 1, 4, 9 + i, 0),
            rrule="FREQ=DAILY;COUNT=20",
            tracks=[track("hygge"), track("digitale-forbindelser")],
            audiences=[audience("unge")],
            stop=stop if where == bus else None,
        )
    client.get(URL, {"page_size": 1})
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL, {"page_size": 5}).json()["results"]) == 5
    with django_assert_num_queries(len(five.captured_queries)):
        assert len(client.get(URL, {"page_size": 50}).json()["results"]) == 50
