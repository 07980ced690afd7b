from datetime import timedelta

import pytest

from events.models import Event
from tests.factories import BookmobileFactory, StopFactory, audience, local, make_event, track

URL = "/api/v1/events/"
pytestmark = pytest.mark.django_db


def titles(response):
    assert response.status_code == 200, response.json()
    return [e["title"] for e in response.json()["results"]]


def test_anonymous_sees_published_and_cancelled_events_but_no_drafts(
    anon_client, published, draft, other_published, other_draft
):
    Event.objects.filter(pk=other_published.pk).update(status=Event.Status.CANCELLED)
    assert titles(anon_client.get(URL)) == ["Læsekreds", "Strikkecafé"]


def test_staff_see_the_drafts_of_their_own_branches_only(
    staff_client, published, draft, other_draft
):
    assert titles(staff_client.get(URL)) == ["Læsekreds", "Hemmelig kladde"]


def test_management_sees_every_draft(management_client, published, draft, other_draft):
    assert titles(management_client.get(URL)) == ["Læsekreds", "Hemmelig kladde", "Viby-kladde"]


def test_several_branches_comma_separated_or_repeated(
    anon_client, branch, other_branch, published, other_published
):
    third = make_event(title="Andetsteds", start=local(2027, 2, 6, 10, 0))
    assert third.branch.slug not in ("jyllinge", "viby")
    assert titles(anon_client.get(URL, {"branch": "jyllinge,viby"})) == ["Læsekreds", "Strikkecafé"]
    assert titles(anon_client.get(f"{URL}?branch=jyllinge&branch=viby")) == [
        "Læsekreds",
        "Strikkecafé",
    ]
    assert titles(anon_client.get(URL, {"branch": "viby"})) == ["Strikkecafé"]


def test_tracks_any_of_and_all_of(anon_client, published, other_published):
    # published: fordybelse + hygge; other_published: indgang-til-faellesskab
    any_of = anon_client.get(URL, {"track": "hygge,indgang-til-faellesskab"})
    assert titles(any_of) == ["Læsekreds", "Strikkecafé"]
    all_of = anon_client.get(URL, {"track_all": "fordybelse,hygge"})
    assert titles(all_of) == ["Læsekreds"]
    none = anon_client.get(URL, {"track_all": "fordybelse,indgang-til-faellesskab"})
    assert titles(none) == []


def test_audience_stop_co_created_and_text(anon_client, branch):
    make_event(
        branch=branch,
        title="Rim og remser",
        start=local(2027, 1, 5, 10, 0),
        audiences=[audience("boern")],
        co_created=True,
        description="For de mindste",
    )
    make_event(
        branch=branch,
        title="Foredrag",
        start=local(2027, 1, 6, 19, 0),
        audiences=[audience("voksne")],
    )
    bus = BookmobileFactory()
    make_event(
        branch=bus,
        title="Bogbussen holder",
        start=local(2027, 1, 7, 15, 0),
        stop=StopFactory(branch=bus, slug="svogerslev"),
    )
    assert titles(anon_client.get(URL, {"audience": "boern"})) == ["Rim og remser"]
    assert titles(anon_client.get(URL, {"co_created": "true"})) == ["Rim og remser"]
    assert titles(anon_client.get(URL, {"co_created": "false"})) == ["Foredrag", "Bogbussen holder"]
    assert titles(anon_client.get(URL, {"stop": "svogerslev"})) == ["Bogbussen holder"]
    assert titles(anon_client.get(URL, {"q": "mindste"})) == ["Rim og remser"]
    assert titles(anon_client.get(URL, {"q": "FOREDRAG"})) == ["Foredrag"]


def test_status_filter(management_client, published, draft):
    assert titles(management_client.get(URL, {"status": "draft"})) == ["Hemmelig kladde"]
    assert titles(management_client.get(URL, {"status": "draft,published"})) == [
        "Læsekreds",
        "Hemmelig kladde",
    ]


def test_date_window_uses_local_dates_and_finds_series_by_their_occurrences(anon_client, branch):
    make_event(
        branch=branch,
        title="Ugentlig",
        start=local(2027, 1, 4, 23, 30),
        duration=timedelta(minutes=20),
        rrule="FREQ=WEEKLY;COUNT=3",
    )  # 4, 11, 18 Jan
    make_event(branch=branch, title="Enkelt", start=local(2027, 1, 12, 0, 30))
    # 2027-01-11 23:30 local is 22:30 UTC: it belongs to the 11th, not to the 12th.
    assert titles(anon_client.get(URL, {"from": "2027-01-11", "to": "2027-01-11"})) == ["Ugentlig"]
    assert titles(anon_client.get(URL, {"from": "2027-01-12", "to": "2027-01-12"})) == ["Enkelt"]
    assert titles(anon_client.get(URL, {"from": "2027-01-19"})) == []
    assert titles(anon_client.get(URL, {"to": "2027-01-04"})) == ["Ugentlig"]


def test_ordering_by_start(anon_client, published, other_published):
    assert titles(anon_client.get(URL, {"ordering": "-start"})) == ["Strikkecafé", "Læsekreds"]
    assert titles(anon_client.get(URL, {"ordering": "start"})) == ["Læsekreds", "Strikkecafé"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"branch": "atlantis"}, "branch"),
        ({"branch": "jyllinge,atlantis"}, "branch"),
        ({"track": "hyggelig"}, "track"),
        ({"track_all": "hygge,nope"}, "track_all"),
        ({"audience": "katte"}, "audience"),
        ({"stop": "mars"}, "stop"),
        ({"branch": "not a slug!"}, "branch"),
        ({"status": "secret"}, "status"),
        ({"from": "2027-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2027-02-02", "to": "2027-02-01"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"co_created": "maybe"}, "co_created"),
        ({"ordering": "title"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page": "first"}, "page"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(
    anon_client, branch, published, params, name
):
    response = anon_client.get(URL, params)
    assert response.status_code == 400, response.content
    assert name in response.json(), response.json()


def test_pagination_is_bounded_and_follows_page_size(anon_client, branch):
    for day in range(1, 8):
        make_event(branch=branch, title=f"Dag {day}", start=local(2027, 1, day, 10, 0))
    first = anon_client.get(URL, {"page_size": 3})
    assert first.json()["count"] == 7
    assert titles(first) == ["Dag 1", "Dag 2", "Dag 3"]
    assert first.json()["next"].endswith("page=2&page_size=3")
    last = anon_client.get(URL, {"page_size": 3, "page": 3})
    assert titles(last) == ["Dag 7"]
    assert last.json()["next"] is None
    assert anon_client.get(URL, {"page_size": 500}).status_code == 200
    assert anon_client.get(URL, {"page_size": 3, "page": 4}).status_code == 404


def _many_events(branch, other_branch, n):
    bus = BookmobileFactory()
    stop = StopFactory(branch=bus, slug="vindinge")
    for i in range(n):
        where = [branch, other_branch, bus][i % 3]
        make_event(
            branch=where,
            title=f"Nr {i}",
            start=local(2027, 1, 1 + i % 28, 8 + i % 12, 0),
            tracks=[track("hygge"), track("fordybelse")],
            audiences=[audience("boern")],
            stop=stop if where == bus else None,
        )


@pytest.mark.parametrize("client_name", ["anon_client", "staff_client", "management_client"])
def test_the_list_uses_the_same_number_of_queries_for_5_and_50_events(
    request, client_name, branch, other_branch, django_assert_num_queries
):
    client = request.getfixturevalue(client_name)
    _many_events(branch, other_branch, 50)
    client.get(URL, {"page_size": 1})  # warm up role caches and content types

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL, {"page_size": 5}).json()["results"]) == 5
    with django_assert_num_queries(len(five.captured_queries)):
        assert len(client.get(URL, {"page_size": 50}).json()["results"]) == 50
