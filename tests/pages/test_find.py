"""Issue 17 on the public pages: search kept in the URL and combined with the filters, week and
month views, the Today / This week / Weekend presets, the next matching event on an empty page,
a front page that stays small with 10,000 events, unambiguous English dates, Danish text marked
lang="da", adding one event to Google and Outlook, bookmobile stop subscriptions, /was."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import LOCAL_TZ, Event, Occurrence, Track
from pages import public
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


def english(client) -> None:
    """The language switch's choice (Danish first: the Accept-Language header is not read)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def get(client, name: str = "pages:calendar", lang: str = "da", **params):
    if lang == "en":
        english(client)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def titles(html: str) -> list[str]:
    found = re.findall(r'class="occ-title"><a href="[^"]+" lang="da">([^<]+)<', html)
    return [unescape(t) for t in found]


@pytest.fixture
def scene(branch, other_branch):
    knit = factories.make_event(
        branch=branch,
        title="Strikkecafé",
        description="Vi strikker og drikker kaffe.",
        start=soon(1, 14),
        audiences=[factories.audience("voksne")],
    )
    factories.make_event(branch=other_branch, title="Strikkeklub i Viby", start=soon(2, 10))
    factories.make_event(branch=branch, title="Lektiecafé", start=soon(2, 15))
    return knit


# --- search ---------------------------------------------------------------------------------


def test_search_combines_with_filters_and_stays_in_the_url(client, scene):
    html = get(client, q="Strikkecafé")
    assert titles(html) == ["Strikkecafé"]
    assert 'name="q" id="f-q" form="filters-form" maxlength="200" value="Strikkecafé"' in html
    assert "søgning: “Strikkecafé”" in html  # a chip to remove it
    html = get(client, q="lektiecafé", branch="viby")
    assert titles(html) == []
    html = get(client, q="lektiecafé", branch="jyllinge")
    assert titles(html) == ["Lektiecafé"]
    # the view links keep the search
    assert 'href="/uge/?branch=jyllinge&amp;q=lektiecaf%C3%A9"' in html


def test_a_too_long_search_is_a_clear_message_and_ignored(client, scene):
    html = get(client, q="x" * 201)
    assert "Søgningen er for lang: højst 200 tegn." in html
    assert set(titles(html)) == {"Strikkecafé", "Strikkeklub i Viby", "Lektiecafé"}


# --- presets, week and month ----------------------------------------------------------------


def d(day: int) -> date:
    return date(2026, 12, day)


@pytest.mark.parametrize(
    ("today", "week", "weekend"),
    [
        (d(2), (d(2), d(6)), (d(5), d(6))),  # a Wednesday
        (d(5), (d(5), d(6)), (d(5), d(6))),  # Saturday
        (d(6), (d(6), d(6)), (d(6), d(6))),  # Sunday
        (d(7), (d(7), d(13)), (d(12), d(13))),  # Monday
    ],
)
def test_presets_today_this_week_and_weekend(today, week, weekend):
    filters = public.Filters(params={"branch": ["jyllinge"]})
    got = {p["label"]: parse_qs(p["query"][1:]) for p in public.presets(filters, today)}
    expected = {
        "I dag": (today, today),
        "Denne uge": week,
        "Weekend": weekend,
    }
    assert list(got) == list(expected)
    for label, (first, last) in expected.items():
        assert got[label] == {
            "branch": ["jyllinge"],
            "from": [first.isoformat()],
            "to": [last.isoformat()],
        }, label


def test_the_week_view_shows_each_day_of_the_week(client, scene):
    day = soon(1).date()
    html = get(client, "pages:calendar-week", from_=day.isoformat(), **{"from": day.isoformat()})
    monday = day - timedelta(days=day.weekday())
    headings = re.findall(r'<h3 class="day-heading" id="day-([0-9-]+)"', html)
    assert headings == [(monday + timedelta(days=n)).isoformat() for n in range(7)]
    assert "Strikkecafé" in html
    section = html.split(f'id="day-{day.isoformat()}"')[1].split("</section>")[0]
    assert "Strikkecafé" in section
    assert f"Uge {monday.isocalendar().week}" in html
    previous = (monday - timedelta(days=7)).isoformat()
    assert f'href="/uge/?from={previous}"' in html


def test_the_month_view_is_a_table_with_at_most_three_events_a_day(client, branch):
    day = soon(3).date()
    for hour in range(9, 15):  # six events on one day
        factories.make_event(branch=branch, title=f"Kl. {hour}", start=soon(3, hour))
    html = get(client, "pages:calendar-month", **{"from": day.isoformat()})
    assert '<table class="month">' in html
    assert html.count('<th scope="col">') == 7
    assert html.count("<tr>") - 1 in (4, 5, 6)  # the weeks of the month
    # The day's own cell (the "this week" chip links to the same day when it is a Sunday).
    at = html.index(f'class="day-link" href="/?from={day.isoformat()}&amp;to={day.isoformat()}"')
    cell = html[at : html.index("</td>", at)]
    assert [t for t in ("Kl. 9", "Kl. 10", "Kl. 11", "Kl. 12") if t in cell] == [
        "Kl. 9",
        "Kl. 10",
        "Kl. 11",
    ]
    assert "+ 3 mere" in cell


def test_an_empty_period_names_the_next_matching_event(client, branch):
    later = soon(70, 10)
    factories.make_event(
        branch=branch,
        title="Fastelavn for børn",
        start=later,
        audiences=[factories.audience("boern")],
    )
    factories.make_event(branch=branch, title="Voksenforedrag", start=soon(2, 10))
    html = get(client, branch="jyllinge", audience="boern")
    assert "Ingen arrangementer i denne periode." in html
    assert "Næste arrangement, der passer:" in html
    match = html.split('class="next-match"')[1].split("</p>")[0]
    assert "Fastelavn for børn" in match
    assert f"from={later.date().isoformat()}" in match
    # the week and month views say it too
    html = get(client, "pages:calendar-week", branch="jyllinge", audience="boern")
    assert "Fastelavn for børn" in html.split('class="next-match"')[1]
    # nothing later: no promise
    html = get(client, branch="jyllinge", audience="boern", q="nothingatall")
    assert "next-match" not in html


# --- the front page stays small ----------------------------------------------------------------


def _many_events(branch, n: int, prefix: str) -> None:
    """``n`` published one-off events in the next four weeks, written in bulk."""
    now = timezone.now()
    events = Event.objects.bulk_create(
        Event(
            branch=branch,
            title=f"Arrangement nummer {i} med en ganske lang titel",
            description="Beskrivelse " * 20,
            start=now + timedelta(hours=2 + i % 600),
            end=now + timedelta(hours=3 + i % 600),
            status=Event.Status.PUBLISHED,
            uid=f"{prefix}-{i}@test",
        )
        for i in range(n)
    )
    Occurrence.objects.bulk_create(
        Occurrence(
            event=e,
            original_start=e.start,
            start=e.start,
            end=e.end,
            local_date=e.start.astimezone(LOCAL_TZ).date(),
        )
        for e in events
    )
    hygge = Track.objects.get(slug="hygge")
    Event.tracks.through.objects.bulk_create(
        Event.tracks.through(event_id=e.pk, track_id=hygge.pk) for e in events
    )


def _front_page(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 200
    return len(response.content), len(queries)


def test_the_front_page_stays_under_100_kb_with_10000_events_in_constant_queries(client, branch):
    _many_events(branch, 10, "a")
    small_size, small_queries = _front_page(client)
    _many_events(branch, 10_000 - 10, "b")
    size, queries = _front_page(client)
    assert size < 100_000, size
    assert queries == small_queries
    html = client.get("/").content.decode()
    assert len(titles(html)) == public.PAGE_ROWS
    assert 'href="?page=2"' in html  # "show more"
    html2 = client.get("/", {"page": 2}).content.decode()
    assert len(titles(html2)) == public.PAGE_ROWS
    assert not set(titles(html)) & set(titles(html2))
    month_size = len(client.get("/maaned/").content)
    week_size = len(client.get("/uge/").content)
    assert month_size < 150_000
    assert week_size < 150_000
    assert small_size < size


def test_a_bad_page_number_is_a_message(client, scene):
    html = get(client, page="x")
    assert "er ikke et sidetal" in html
    assert "Strikkecafé" in html


# --- English dates and lang="da" ----------------------------------------------------------------


def test_english_dates_are_unambiguous_and_danish_text_is_marked(client, scene, bookmobile):
    stop = factories.StopFactory(branch=bookmobile, name="Svogerslev", slug="svogerslev")
    for weeks in (1, 2):
        factories.make_event(
            branch=bookmobile,
            stop=stop,
            title="Bogbussen holder",
            start=soon(7 * weeks, 15),
        )
    pages = [
        get(client, lang="en"),
        get(client, "pages:calendar-week", lang="en"),
        client.get(f"/arrangementer/{scene.pk}/").content.decode(),
        client.get("/biblioteker/bogbussen/").content.decode(),
    ]
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    short = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    for html in pages:
        text = re.sub(r"<[^>]+>", " ", html)
        assert not re.search(r"\b\d{1,2}/\d{1,2}\b", text)  # no 7/12
        assert not re.search(rf"\b({short})\. \d", text)  # not "Dec. 7"
        assert re.search(rf"\b\d{{1,2}} ({months}|{short})\b", text)
    day = soon(1).date()
    assert f"{day.day} {day.strftime('%B')} {day.year}" in pages[0]
    visit = soon(7, 15)
    assert f"{visit.strftime('%a')} {visit.day} {visit.strftime('%b')}" in pages[3]
    assert '<h1 id="event-title" lang="da">Strikkecafé</h1>' in pages[2]
    assert '<div class="event-description" lang="da">' in pages[2]
    assert 'lang="da">Strikkecafé</a>' in pages[0]
    assert '<p class="occ-place" lang="da">' in pages[0]


# --- adding one event; subscribing ---------------------------------------------------------------


def test_the_event_page_adds_one_event_to_google_and_outlook(client, branch):
    event = factories.make_event(
        branch=branch,
        title="Strik & snak",
        description="Tag dit strikketøj med.",
        place="Læsesalen",
        start=soon(3, 14),
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    first = event.occurrences.order_by("start").first()
    services.occurrence_cancel(occurrence=first, reason="Sygdom")
    second = event.occurrences.order_by("start")[1]
    html = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    links = {
        urlsplit(unescape(href)).netloc + urlsplit(unescape(href)).path: parse_qs(
            urlsplit(unescape(href)).query
        )
        for href in re.findall(r'<a href="(https://(?:calendar\.google|outlook)[^"]+)"', html)
    }
    google = links["calendar.google.com/calendar/render"]
    start = second.start.astimezone(LOCAL_TZ)
    utc = lambda moment, fmt: moment.astimezone(UTC).strftime(fmt)  # noqa: E731
    assert google["action"] == ["TEMPLATE"]
    assert google["text"] == ["Strik & snak"]
    assert google["dates"] == [
        f"{utc(second.start, '%Y%m%dT%H%M%SZ')}/{utc(second.end, '%Y%m%dT%H%M%SZ')}"
    ]
    assert google["details"][0].startswith("Tag dit strikketøj med.")
    assert google["details"][0].endswith(event.get_absolute_url())
    assert "Læsesalen" in google["location"][0]
    assert "Jyllinge Bibliotek" in google["location"][0]
    for host in ("outlook.live.com", "outlook.office.com"):
        outlook = links[f"{host}/calendar/0/deeplink/compose"]
        assert outlook["rru"] == ["addevent"]
        assert outlook["subject"] == ["Strik & snak"]
        assert outlook["startdt"] == [utc(second.start, "%Y-%m-%dT%H:%M:%SZ")]
        assert outlook["enddt"] == [utc(second.end, "%Y-%m-%dT%H:%M:%SZ")]
    assert f'href="http://testserver/feeds/event/{event.pk}.ics" download' in html
    assert "Google og Outlook får den næste dato" in html
    assert start.strftime("%Y") in html
    # the subscription says it is one, and what it covers
    assert "Abonnér på kalenderen" in html
    assert "Abonnementet omfatter arrangementerne i: Jyllinge Bibliotek." in html
    assert "Abonnér i Google Kalender" in html


def test_the_calendar_says_what_its_subscription_covers(client, scene):
    html = get(client)
    assert "Abonnementet omfatter alle arrangementer på alle bibliotekerne og i bogbussen." in html
    html = get(client, branch="jyllinge", track="hygge", q="strik")
    assert "Abonnementet omfatter arrangementerne i: Jyllinge Bibliotek; Hygge." in html
    assert "Søgeord og datoer indgår ikke i et abonnement." in html


def test_each_bookmobile_stop_has_a_subscribe_link(client, bookmobile):
    stops = [
        factories.StopFactory(branch=bookmobile, name=name, slug=slug)
        for name, slug in (("Svogerslev", "svogerslev"), ("Vindinge", "vindinge"))
    ]
    factories.make_event(branch=bookmobile, stop=stops[0], title="Bogbussen", start=soon(2, 15))
    html = client.get("/biblioteker/bogbussen/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    for stop in stops:
        assert f'href="webcal://testserver/feeds/stop/{stop.slug}.ics"' in html
        assert f'href="http://testserver/feeds/stop/{stop.slug}.ics"' in html
    response = client.get("/feeds/stop/svogerslev.ics")
    assert response.status_code == 200
    assert b"Bogbussen" in response.content


# --- accessibility statement ----------------------------------------------------------------------


def test_was_redirects_to_the_statement_and_the_footer_links_it(client, settings):
    settings.WAS_URL = "https://www.was.digst.dk/roskildebib-dk"
    response = client.get("/was")
    assert response.status_code == 302
    assert response["Location"] == "https://www.was.digst.dk/roskildebib-dk"
    html = get(client)
    assert '<a href="https://www.was.digst.dk/roskildebib-dk">Tilgængelighedserklæring</a>' in html
    html = get(client, lang="en")
    assert ">Accessibility statement</a>" in html
    client.cookies.clear()
    settings.WAS_URL = ""
    assert client.get("/was").status_code == 404
    assert "Tilgængelighedserklæring" not in get(client)


def test_the_api_docs_page_has_a_language(client):
    html = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<html lang="da">' in html
    assert "pages/api-docs" in html
    assert '"deepLinking": false' in html
