"""Free-text search (issue 17): ``q`` read by the one query-string parser, and the events it
finds by title, description, place, room, branch, stop and partner, combined with the other
filters. PostgreSQL searches with the Danish configuration (stems, stop words) and uses the GIN
index of migration 0007; SQLite falls back to every word occurring in some field."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils import translation

from events import selectors
from events.models import Partner
from tests import factories
from tests.conftest import require, uses_postgres

pytestmark = pytest.mark.django_db


def found(text: str, **selection) -> set[str]:
    chosen = selectors.Selection(text=text, **selection)
    return {e.title for e in selectors.event_list(selection=chosen)}


@pytest.fixture
def scene(branch, other_branch):
    room = factories.RoomFactory(branch=branch, name="Eventyrsalen")
    knit = factories.make_event(
        branch=branch,
        title="Strikkecafé",
        description="Vi strikker og drikker kaffe sammen.",
        start=factories.upcoming(weekday=1),
    )
    lecture = factories.make_event(
        branch=other_branch,
        title="Foredrag om Roskilde Fjord",
        description="Historikeren fortæller om vikingeskibene.",
        place="Haven bag biblioteket",
        start=factories.upcoming(weekday=2),
    )
    chess = factories.make_event(
        branch=branch,
        title="Skakklub",
        room=room,
        start=factories.upcoming(weekday=3),
    )
    chess.partners.add(Partner.objects.create(name="Jyllinge Skakforening"))
    factories.make_event(
        branch=branch,
        title="Hemmelig kladde",
        description="strikker",
        status="draft",
        start=factories.upcoming(weekday=4),
    )
    return knit, lecture, chess


def test_search_finds_words_in_title_description_place_room_and_partner(scene):
    assert found("Strikkecafé") == {"Strikkecafé"}
    assert found("kaffe") == {"Strikkecafé"}  # description
    assert found("haven") == {"Foredrag om Roskilde Fjord"}  # place
    assert found("eventyrsalen") == {"Skakklub"}  # room name
    assert found("skakforening") == {"Skakklub"}  # partner
    assert found("vikingeskibene") == {"Foredrag om Roskilde Fjord"}
    assert found("ingenting her") == set()


def test_search_never_shows_drafts_and_combines_with_filters(scene):
    assert "Hemmelig kladde" not in found("strikker")
    assert found("strikker", branches=("viby",)) == set()
    assert found("strikker", branches=("jyllinge",)) == {"Strikkecafé"}
    assert found("Fjord", branches=("viby",)) == {"Foredrag om Roskilde Fjord"}


def test_postgres_search_is_danish_and_uses_the_gin_index(scene):
    require(uses_postgres(), "PostgreSQL's Danish text search needs PostgreSQL")
    # stemmed: "strikke" and "strikker" share the stem "strik"; "fortalte" is not needed
    assert found("strikke") == {"Strikkecafé"}
    assert found("vikingeskib") == {"Foredrag om Roskilde Fjord"}
    # stop words alone find nothing, and websearch syntax never raises
    assert found("og") == set()
    assert found('"kaffe sammen" -te') == {"Strikkecafé"}
    found("a & | ! ( :*")  # no syntax error: websearch_to_tsquery reads anything
    # Enough rows, freshly analysed, that the planner's choice does not depend on whatever
    # statistics autovacuum left from earlier tests: the GIN index is then the cheap way in.
    knit = scene[0]
    selectors.Event.objects.bulk_create(
        [
            selectors.Event(
                branch=knit.branch,
                title=f"Læseklub {i}",
                description="Vi læser en roman sammen.",
                status="published",
                start=knit.start,
                end=knit.end,
            )
            for i in range(2000)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")
        cursor.execute("SET enable_seqscan = off")
        sql, params = (
            selectors.Event.objects.annotate(_w=selectors.search_vector())
            .filter(_w=selectors._search_query("kaffe"))
            .values("pk")
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "event_search_danish_gin" in plan, plan


def test_the_simple_fallback_needs_every_word(scene):
    """What SQLite runs: plain ``icontains`` filters, so it is checked on every database (CI
    runs PostgreSQL). Every word must occur in some field; drafts are the selectors' business."""

    def titles(text: str) -> set[str]:
        return {e.title for e in selectors._event_search_simple(text)}

    assert titles("strikker kaffe") == {"Strikkecafé"}
    assert titles("strikker vikingeskibene") == set()
    assert titles("skakforening eventyrsalen") == {"Skakklub"}  # partner and room
    if not uses_postgres():
        assert found("strikker kaffe") == {"Strikkecafé"}  # and event_search chose it


def test_the_parser_reads_q_for_every_interface():
    parsed = selectors.selection_parse(QueryDict("q=++strik%0A+cafe++&branch=viby"), text=True)
    assert parsed.errors == {}
    assert parsed.selection.text == "strik cafe"
    assert parsed.values["q"] == ["strik cafe"]
    assert parsed.selection.branches == ("viby",)
    # without text=True, q is an unknown parameter (the feeds do not search)
    assert selectors.selection_parse(QueryDict("q=strik")).unknown == ["q"]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("q=" + "x" * 201, "too long"),
        ("q=a%00b", "control characters"),
        ("q=", "empty"),
    ],
)
def test_the_parser_refuses_bad_search_words(query, reason):
    with translation.override("en"):
        parsed = selectors.selection_parse(QueryDict(query), text=True)
    assert reason in " ".join(parsed.errors["q"])
    assert parsed.selection.text == ""


def test_a_blank_search_from_a_form_is_no_search():
    parsed = selectors.selection_parse(QueryDict("q=+++"), text=True, blank_ok=True)
    assert parsed.errors == {}
    assert parsed.selection.text == ""


def test_the_api_searches_and_refuses_a_too_long_search(client, scene):
    response = client.get("/api/v1/events/", {"q": "kaffe"})
    assert response.status_code == 200
    assert [e["title"] for e in response.json()["results"]] == ["Strikkecafé"]
    response = client.get("/api/v1/events/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "q" in response.json()
