"""The kept representations of events and occurrences (``events.api.representations``): a page
is read from the cache, a change is visible on the next request, drafts never leak from it,
each language has its own copy, and who may see a head count still decides per request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from events.api.representations import CachedRepresentation
from events.models import Branch, Event
from tests.factories import local, make_event, track

pytestmark = pytest.mark.django_db
EVENTS, OCCURRENCES = "/api/v1/events/", "/api/v1/occurrences/"


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def by_title(response) -> dict[str, dict]:
    return {e["title"]: e for e in results(response)}


def test_a_second_read_serializes_nothing_and_answers_the_same(
    anon_client, published, other_published
):
    first = anon_client.get(EVENTS).json()
    with mock.patch.object(CachedRepresentation, "cached_part", side_effect=AssertionError) as made:
        second = anon_client.get(EVENTS).json()
    assert second == first
    assert made.call_count == 0


def test_the_queries_per_page_do_not_grow_with_the_events(anon_client, branch):
    for day in range(1, 4):
        make_event(branch=branch, title=f"A{day}", start=local(2027, 3, day, 10, 0))
    anon_client.get(OCCURRENCES)
    with CaptureQueriesContext(connection) as few:
        anon_client.get(OCCURRENCES)
    for day in range(4, 20):
        make_event(branch=branch, title=f"B{day}", start=local(2027, 3, day, 10, 0))
    anon_client.get(OCCURRENCES)  # warm again: a kept page (page_cache) skips the page's queries
    with CaptureQueriesContext(connection) as many:
        assert len(results(anon_client.get(OCCURRENCES))) == 19
    assert len(many) == len(few)


def test_a_change_is_visible_on_the_next_request(anon_client, published):
    anon_client.get(EVENTS)
    anon_client.get(OCCURRENCES)
    services.event_update(event=published, title="Læsekreds om Blixen")
    assert "Læsekreds om Blixen" in by_title(anon_client.get(EVENTS))
    assert [o["title"] for o in results(anon_client.get(OCCURRENCES))] == ["Læsekreds om Blixen"]

    occurrence = published.occurrences.get()
    services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
    (shown,) = results(anon_client.get(OCCURRENCES))
    assert (shown["cancelled"], shown["cancel_reason"]) == (True, "Sygdom")


def test_a_renamed_branch_shows_at_once_in_every_kept_event(anon_client, published, branch):
    anon_client.get(EVENTS)
    anon_client.get(OCCURRENCES)
    services.place_save(instance=Branch.objects.get(pk=branch.pk), name="Jyllinge Lokalbibliotek")
    assert (
        by_title(anon_client.get(EVENTS))["Læsekreds"]["branch"]["name"]
        == "Jyllinge Lokalbibliotek"
    )
    (occurrence,) = results(anon_client.get(OCCURRENCES))
    assert occurrence["branch"]["name"] == "Jyllinge Lokalbibliotek"


def test_drafts_never_leak_from_the_cache(anon_client, staff_client, published, draft):
    # Staff read the draft first, so its representation is kept ...
    assert "Hemmelig kladde" in by_title(staff_client.get(EVENTS))
    assert staff_client.get(f"{EVENTS}{draft.pk}/").status_code == 200
    staff_titles = {o["title"] for o in results(staff_client.get(OCCURRENCES))}
    assert "Hemmelig kladde" in staff_titles
    # ... and still nobody else sees it, in a list or by its id.
    assert set(by_title(anon_client.get(EVENTS))) == {"Læsekreds"}
    assert {o["title"] for o in results(anon_client.get(OCCURRENCES))} == {"Læsekreds"}
    assert anon_client.get(f"{EVENTS}{draft.pk}/").status_code == 404
    # A published event made a draft again leaves the public lists at once.
    Event.objects.filter(pk=published.pk).update(status=Event.Status.DRAFT)
    assert results(anon_client.get(EVENTS)) == []


def test_each_language_has_its_own_copy(anon_client, published):
    english = by_title(anon_client.get(EVENTS, HTTP_ACCEPT_LANGUAGE="en"))["Læsekreds"]
    danish = by_title(anon_client.get(EVENTS, HTTP_ACCEPT_LANGUAGE="da"))["Læsekreds"]
    assert {t["name"] for t in english["tracks"]} == {
        track("hygge").name_en,
        track("fordybelse").name_en,
    }
    assert {t["name"] for t in danish["tracks"]} == {"Hygge", "Fordybelse"}
    (occ_en,) = results(anon_client.get(OCCURRENCES, HTTP_ACCEPT_LANGUAGE="en"))
    (occ_da,) = results(anon_client.get(OCCURRENCES, HTTP_ACCEPT_LANGUAGE="da"))
    assert {t["name"] for t in occ_en["tracks"]} != {t["name"] for t in occ_da["tracks"]}


def test_who_may_see_a_head_count_is_decided_per_request(
    anon_client, staff_client, branch, staff_user
):
    event = make_event(branch=branch, title="Foredrag", start=local(2026, 2, 3, 10, 0))
    services.attendance_record(occurrence=event.occurrences.get(), total=23, user=staff_user)
    (seen,) = results(staff_client.get(OCCURRENCES, {"from": "2026-01-01"}))
    assert seen["attendance"]["total"] == 23
    (hidden,) = results(anon_client.get(OCCURRENCES, {"from": "2026-01-01"}))
    assert hidden["attendance"] is None
    services.attendance_record(occurrence=event.occurrences.get(), total=25, user=staff_user)
    (seen,) = results(staff_client.get(OCCURRENCES, {"from": "2026-01-01"}))
    assert seen["attendance"]["total"] == 25
