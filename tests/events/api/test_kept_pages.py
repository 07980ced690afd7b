"""Whole pages of the event and occurrence lists kept ready (``events.api.page_cache``): a warm
page runs one light query whatever the page size and the data, answers the same bytes as the
page it keeps, shows a change on the next request, and never gives a page built for staff to
anyone who may not see the same drafts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import Event, Partner
from tests.factories import local, make_event, track

pytestmark = pytest.mark.django_db
EVENTS, OCCURRENCES = "/api/v1/events/", "/api/v1/occurrences/"


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def titles(response) -> list[str]:
    return [item["title"] for item in results(response)]


def queries(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return len(captured)


def make_events(branch, count: int, first_day: int = 1) -> None:
    for day in range(first_day, first_day + count):
        make_event(
            branch=branch,
            title=f"Arrangement {day}",
            start=local(2027, 3, 1, 10, 0) + timedelta(days=day - 1),
            tracks=[track("hygge"), track("fordybelse")],
        )


@pytest.mark.parametrize("url", [EVENTS, OCCURRENCES])
def test_a_warm_page_runs_one_query_whatever_its_size_and_the_data(
    anon_client, staff_client, branch, url
):
    make_events(branch, 3)
    warm = {}
    for size in (2, 50):
        page = f"{url}?page_size={size}"
        anon_client.get(page)
        warm["anonymous", size, "few"] = queries(anon_client, page)
        staff_client.get(page)
        warm["staff", size, "few"] = queries(staff_client, page)
    make_events(branch, 30, first_day=4)
    for size in (2, 50):
        page = f"{url}?page_size={size}"
        anon_client.get(page)
        warm["anonymous", size, "many"] = queries(anon_client, page)
        staff_client.get(page)
        warm["staff", size, "many"] = queries(staff_client, page)
    # Anonymous: the page's keys and versions, nothing else (no count, no rows, no prefetch).
    assert {n for (who, *_), n in warm.items() if who == "anonymous"} == {1}
    # Staff add only what they may see (their branches and groups): still one number.
    assert len({n for (who, *_), n in warm.items() if who == "staff"}) == 1


@pytest.mark.parametrize("url", [EVENTS, OCCURRENCES])
def test_a_cold_page_runs_as_many_queries_at_any_size(anon_client, branch, url):
    make_events(branch, 3)
    few = queries(anon_client, url)
    make_events(branch, 30, first_day=4)
    assert queries(anon_client, url) == few


@pytest.mark.parametrize("url", [EVENTS, OCCURRENCES, f"{OCCURRENCES}?page_size=1&page=2"])
def test_a_kept_page_is_the_same_bytes_and_headers(anon_client, published, other_published, url):
    built = anon_client.get(url)
    kept = anon_client.get(url)
    assert kept.content == built.content
    for header in ("Content-Type", "Vary", "Allow", "Content-Language"):
        assert kept.headers.get(header) == built.headers.get(header), header


def test_the_query_is_normalised_but_each_value_keeps_its_order(anon_client, published, branch):
    make_events(branch, 3)
    first = anon_client.get(f"{EVENTS}?page_size=2&branch={branch.slug}")
    assert anon_client.get(f"{EVENTS}?branch={branch.slug}&page_size=2").content == first.content
    assert len(results(first)) == 2
    assert (
        results(anon_client.get(f"{EVENTS}?page_size=2&page=2"))[0]["title"]
        != (results(first)[0]["title"])
    )


def test_a_change_of_an_event_is_on_the_next_request(anon_client, published):
    anon_client.get(EVENTS)
    anon_client.get(OCCURRENCES)
    services.event_update(event=published, title="Læsekreds om Blixen")
    assert titles(anon_client.get(EVENTS)) == ["Læsekreds om Blixen"]
    assert titles(anon_client.get(OCCURRENCES)) == ["Læsekreds om Blixen"]

    published.refresh_from_db()
    services.event_update(event=published, tracks=[track("indgang-til-faellesskab")])
    (shown,) = results(anon_client.get(EVENTS))
    assert [t["slug"] for t in shown["tracks"]] == ["indgang-til-faellesskab"]
    (shown,) = results(anon_client.get(OCCURRENCES))
    assert [t["slug"] for t in shown["tracks"]] == ["indgang-til-faellesskab"]


def test_a_cancelled_occurrence_is_on_the_next_request(anon_client, published):
    (before,) = results(anon_client.get(OCCURRENCES))
    assert before["cancelled"] is False
    services.occurrence_cancel(occurrence=published.occurrences.get(), reason="Sygdom")
    (after,) = results(anon_client.get(OCCURRENCES))
    assert (after["cancelled"], after["cancel_reason"]) == (True, "Sygdom")
    assert results(anon_client.get(f"{OCCURRENCES}?cancelled=false")) == []


def test_a_draft_published_and_unpublished_is_on_the_next_request(anon_client, published, draft):
    assert titles(anon_client.get(EVENTS)) == ["Læsekreds"]
    assert titles(anon_client.get(OCCURRENCES)) == ["Læsekreds"]
    draft = services.event_publish(event=draft)
    assert titles(anon_client.get(EVENTS)) == ["Læsekreds", "Hemmelig kladde"]
    assert anon_client.get(EVENTS).json()["count"] == 2
    assert titles(anon_client.get(OCCURRENCES)) == ["Læsekreds", "Hemmelig kladde"]
    services.event_update(event=draft, status=Event.Status.DRAFT)
    assert titles(anon_client.get(EVENTS)) == ["Læsekreds"]
    assert anon_client.get(EVENTS).json()["count"] == 1
    assert titles(anon_client.get(OCCURRENCES)) == ["Læsekreds"]


def test_an_event_added_beyond_the_page_changes_its_count(anon_client, published, branch):
    first = anon_client.get(f"{EVENTS}?page_size=1").json()
    assert (first["count"], first["next"]) == (1, None)
    make_event(branch=branch, title="Senere", start=local(2027, 6, 1, 10, 0))
    second = anon_client.get(f"{EVENTS}?page_size=1").json()
    assert second["count"] == 2
    assert second["next"] is not None


def test_a_renamed_partner_is_on_the_next_request(anon_client, published):
    partner = Partner.objects.create(name="Foreningen")
    services.event_update(event=published, partners=[partner])
    anon_client.get(EVENTS)
    partner.name = "Foreningen Norden"
    partner.save()
    (shown,) = results(anon_client.get(EVENTS))
    assert "Foreningen Norden" in str(shown["partners"])


@pytest.mark.parametrize("url", [EVENTS, OCCURRENCES, f"{EVENTS}?status=draft,published"])
def test_a_page_staff_made_is_never_given_to_anonymous(
    anon_client, staff_client, other_staff_client, published, draft, url
):
    assert "Hemmelig kladde" in titles(staff_client.get(url))
    assert "Hemmelig kladde" in titles(staff_client.get(url))  # kept for staff
    assert "Hemmelig kladde" not in titles(anon_client.get(url))
    assert "Hemmelig kladde" not in titles(anon_client.get(url))
    assert "Hemmelig kladde" not in titles(other_staff_client.get(url))
    # and the other way round: staff do not get the anonymous page
    assert "Hemmelig kladde" in titles(staff_client.get(url))


def test_each_language_has_its_own_page(anon_client, published):
    english = anon_client.get(EVENTS, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    danish = anon_client.get(EVENTS, HTTP_ACCEPT_LANGUAGE="da").json()["results"][0]
    assert english["tracks"] != danish["tracks"]
    again = anon_client.get(EVENTS, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert again == english


def test_the_browsable_api_is_not_kept(anon_client, published):
    json_body = anon_client.get(EVENTS).content
    html = anon_client.get(EVENTS, HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert anon_client.get(EVENTS).content == json_body


def test_a_warm_occurrence_page_reads_each_event_once_in_the_order_of_an_index(
    anon_client, staff_client, branch
):
    """The occurrence list's visibility is a condition on the event it joins anyway, not a
    second look-up of every event through a subquery, and its order (start, id) is an index's
    (migration events.0012): at 50,000 events the light query was the difference between a
    kept occurrence page and a kept event page."""
    make_events(branch, 3)
    for client in (anon_client, staff_client):
        client.get(OCCURRENCES)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(OCCURRENCES).status_code == 200
        light = captured[-1]["sql"]
        assert len(re.findall(r'(?:FROM|JOIN) "events_event"', light)) == 1, light
        assert "IN (SELECT" not in light.upper(), light
    indexes = connection.introspection.get_constraints(connection.cursor(), "events_occurrence")
    assert any(info["index"] and info["columns"] == ["start", "id"] for info in indexes.values()), (
        indexes
    )
