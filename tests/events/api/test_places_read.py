import pytest

from tests.factories import BookmobileFactory, RoomFactory, StopFactory

pytestmark = pytest.mark.django_db


def test_tracks_are_the_seven_of_the_strategy_with_subscription_links(anon_client):
    response = anon_client.get("/api/v1/tracks/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert len(response.json()) == 7
    detail = anon_client.get("/api/v1/tracks/hygge/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert detail["name"] == "Cosiness"
    assert detail["links"]["ics"] == "http://testserver/feeds/track/hygge.ics"
    assert detail["links"]["webcal"] == "webcal://testserver/feeds/track/hygge.ics"
    assert detail["links"]["google"].startswith("https://calendar.google.com/")
    assert detail["links"]["rss"].endswith("/feeds/track/hygge.rss")
    assert detail["links"]["atom"].endswith("/feeds/track/hygge.atom")


def test_track_names_follow_the_language(anon_client):
    detail = anon_client.get("/api/v1/tracks/hygge/", HTTP_ACCEPT_LANGUAGE="da").json()
    assert detail["name"] == "Hygge"
    viden = anon_client.get("/api/v1/tracks/viden-og-vejledning/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert viden["name"] == "Knowledge & guidance"


def test_branches_with_stops_rooms_and_links(anon_client, branch):
    RoomFactory(branch=branch, name="Salen")
    bus = BookmobileFactory()
    StopFactory(branch=bus, slug="svogerslev", name="Svogerslev")
    branches = {b["slug"]: b for b in anon_client.get("/api/v1/branches/").json()}
    assert [r["name"] for r in branches["jyllinge"]["rooms"]] == ["Salen"]
    assert [s["slug"] for s in branches["bogbussen"]["stops"]] == ["svogerslev"]
    assert branches["bogbussen"]["kind"] == "bookmobile"
    detail = anon_client.get("/api/v1/branches/jyllinge/").json()
    assert detail["links"]["webcal"] == "webcal://testserver/feeds/branch/jyllinge.ics"
    stop = anon_client.get("/api/v1/stops/svogerslev/").json()
    assert stop["branch"] == "bogbussen"
    assert stop["links"]["ics"] == "http://testserver/feeds/stop/svogerslev.ics"


def test_the_list_of_branches_uses_a_constant_number_of_queries(
    anon_client, django_assert_max_num_queries
):
    for i in range(6):
        branch = BookmobileFactory(slug=f"bus-{i}", name=f"Bus {i}")
        StopFactory(branch=branch)
        RoomFactory(branch=branch)
    with django_assert_max_num_queries(3):
        assert len(anon_client.get("/api/v1/branches/").json()) == 6


def test_audiences(anon_client):
    slugs = [a["slug"] for a in anon_client.get("/api/v1/audiences/").json()]
    assert "boern" in slugs


def test_an_unknown_slug_is_404(anon_client):
    assert anon_client.get("/api/v1/branches/atlantis/").status_code == 404
