"""The event page: dates, place and map link, tracks, audience, partners, notices, the .ics
link and schema.org JSON-LD."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from events import services
from events.models import Event, Partner
from tests import factories
from tests.pages.conftest import jsonld_blocks, soon

pytestmark = pytest.mark.django_db


def get(client, event, **headers):
    return client.get(
        reverse("pages:event-detail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="da", **headers
    )


@pytest.fixture
def series(branch):
    room = factories.RoomFactory(branch=branch, name="Store sal")
    return factories.make_event(
        branch=branch,
        title="Læsekreds",
        start=soon(1, 19),
        rrule="FREQ=WEEKLY;COUNT=4",
        room=room,
        description="Vi læser og taler.",
        tracks=[factories.track("fordybelse"), factories.track("hygge")],
        audiences=[factories.audience("voksne")],
        partners=[
            Partner.objects.create(name="Jyllinge Lokalråd", url="https://lokalraad.example")
        ],
        co_created=True,
    )


def test_shows_upcoming_dates_place_tracks_audience_partners(client, series):
    html = get(client, series).content.decode()
    assert html.count('<li class="">') == 4  # four upcoming dates
    for week in range(4):
        assert f'datetime="{(soon(1, 19) + timedelta(weeks=week)).isoformat()}"' in html
    assert "Store sal" in html
    assert "Dronning Margrethes Vej 14, 4000 Roskilde" in html
    assert "https://www.openstreetmap.org/?mlat=55.641900&amp;mlon=12.080300" in html
    assert "Fordybelse" in html
    assert "Hygge" in html
    assert reverse("pages:track-detail", args=["fordybelse"]) in html
    assert "Voksne" in html
    assert 'href="https://lokalraad.example"' in html
    assert "Jyllinge Lokalråd" in html


def test_add_to_calendar_links_the_events_ics(client, series):
    html = get(client, series).content.decode()
    assert f'href="http://testserver/feeds/event/{series.pk}.ics" download' in html


def test_jsonld_is_valid_schema_org_event(client, series):
    (data,) = jsonld_blocks(get(client, series).content.decode())
    assert isinstance(data, list)
    assert len(data) == 4
    first = data[0]
    assert first["@context"] == "https://schema.org"
    assert first["@type"] == "Event"
    assert first["name"] == "Læsekreds"
    assert first["startDate"] == soon(1, 19).isoformat()
    assert first["endDate"] == (soon(1, 19) + timedelta(hours=2)).isoformat()
    assert first["eventStatus"] == "https://schema.org/EventScheduled"
    assert first["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    location = first["location"]
    assert location["@type"] == "Place"
    assert location["address"]["streetAddress"] == "Dronning Margrethes Vej 14"
    assert location["address"]["postalCode"] == "4000"
    assert location["geo"]["latitude"] == pytest.approx(55.6419)
    assert first["url"] == f"http://testserver{series.get_absolute_url()}"
    assert first["organizer"]["name"] == series.branch.name


def test_cancelled_occurrence_is_noticed_and_marked_in_jsonld(client, series):
    second = series.occurrences.order_by("start")[1]
    services.occurrence_cancel(occurrence=second, reason="Forfatteren er syg")
    html = get(client, series).content.decode()
    assert "Forfatteren er syg" in html
    assert 'role="alert"' in html
    statuses = [item["eventStatus"] for item in jsonld_blocks(html)[0]]
    assert statuses == [
        "https://schema.org/EventScheduled",
        "https://schema.org/EventCancelled",
        "https://schema.org/EventScheduled",
        "https://schema.org/EventScheduled",
    ]


def test_cancelled_event_is_noticed_and_marked_in_jsonld(client, branch):
    event = factories.make_event(branch=branch, title="Koncert", start=soon(2))
    services.event_cancel(event=event, reason="Aflyst pga. vejret")
    html = get(client, event).content.decode()
    assert "Aflyst pga. vejret" in html
    (data,) = jsonld_blocks(html)
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_moved_occurrence_is_rescheduled_with_previous_start(client, series):
    first = series.occurrences.order_by("start")[0]
    services.occurrence_move(occurrence=first, start=first.start + timedelta(hours=1))
    html = get(client, series).content.decode()
    data = jsonld_blocks(html)[0][0]
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == soon(1, 19).isoformat()
    assert "badge-moved" in html


def test_bookmobile_event_shows_the_stop_and_its_address(client, bookmobile):
    stop = factories.StopFactory(
        branch=bookmobile, name="Kirke Syv", slug="kirke-syv", address="Kirkevej 3"
    )
    event = factories.make_event(
        branch=bookmobile, stop=stop, title="Bogbussen i Kirke Syv", start=soon(1, 15)
    )
    html = get(client, event).content.decode()
    assert "Kirke Syv" in html
    assert "Kirkevej 3, 4000 Svogerslev" in html
    assert "https://www.openstreetmap.org/?mlat=55.634000&amp;mlon=12.010000" in html
    (data,) = jsonld_blocks(html)
    assert data["location"]["address"]["streetAddress"] == "Kirkevej 3"


def test_title_and_description_are_escaped_in_html_and_jsonld(client, branch):
    title = '</script><script>alert("x")</script>'
    event = factories.make_event(
        branch=branch, title=title, description="<img src=x onerror=alert(1)>", start=soon(1)
    )
    html = get(client, event).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    (data,) = jsonld_blocks(html)
    assert data["name"] == title  # escaped for HTML, still the same text as data
    assert data["description"] == "<img src=x onerror=alert(1)>"


def test_jsonld_carries_the_csp_nonce(client, series):
    """The inline JSON-LD runs under the page's policy: the Content-Security-Policy allows
    scripts by a nonce and the JSON-LD tag carries it. A policy without a script nonce is a
    failure here, never a skip: it means the header or the middleware is broken."""
    response = get(client, series)
    html = response.content.decode()
    policy = response.headers.get("Content-Security-Policy", "")
    found = re.search(r"(?:^|;)\s*script-src [^;]*'nonce-([^']+)'", policy)
    assert found, f"no script nonce in the Content-Security-Policy: {policy!r}"
    assert f'<script type="application/ld+json" nonce="{found[1]}">' in html


def test_passed_event_says_so(client, branch):
    event = factories.make_event(branch=branch, title="Gammelt foredrag", start=soon(-3))
    html = get(client, event).content.decode()
    assert "Gammelt foredrag" in html
    assert 'class="empty"' in html
    (data,) = jsonld_blocks(html)
    assert data["startDate"] == soon(-3).isoformat()


def test_draft_is_hidden_from_citizens_and_shown_to_management(client, branch, management_user):
    event = factories.make_event(
        branch=branch, title="Kladde", start=soon(1), status=Event.Status.DRAFT
    )
    assert get(client, event).status_code == 404
    client.force_login(management_user)
    response = get(client, event)
    assert response.status_code == 200
    assert "notice-draft" in response.content.decode()
    assert jsonld_blocks(response.content.decode()) == []


def test_unknown_event_is_404(client, db):
    assert client.get(reverse("pages:event-detail", args=[999999])).status_code == 404


def test_each_date_of_a_cancelled_event_is_marked_cancelled_not_moved(client, series):
    """Counting rule 4 on the page: an occurrence of a cancelled event is cancelled, even one
    that was moved before the event was cancelled."""
    first = series.occurrences.order_by("start")[0]
    services.occurrence_move(occurrence=first, start=first.start + timedelta(hours=1))
    services.event_cancel(event=series, reason="Aflyst")
    html = get(client, series).content.decode()
    first = html.index('class="dates"')
    dates = html[first : html.index("</section>", first)]
    assert dates.count("badge-cancelled") == 4
    assert "badge-moved" not in dates
