"""Branch pages (the bookmobile's with its route) and track pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from events import services
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


def html_of(client, url, language="da") -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_branch_list_links_every_branch(client, branch, other_branch, bookmobile):
    html = html_of(client, reverse("pages:branch-list"))
    for b in (branch, other_branch, bookmobile):
        assert f'href="{reverse("pages:branch-detail", args=[b.slug])}"' in html


def test_branch_page_lists_its_events_only_with_address_map_and_feed(client, branch, other_branch):
    factories.make_event(branch=branch, title="Lokalt foredrag", start=soon(2))
    factories.make_event(branch=other_branch, title="Andet sted", start=soon(2))
    html = html_of(client, reverse("pages:branch-detail", args=[branch.slug]))
    assert "Lokalt foredrag" in html
    assert "Andet sted" not in html
    assert "Dronning Margrethes Vej 14, 4000 Roskilde" in html
    assert "openstreetmap.org" in html
    assert 'value="http://testserver/feeds/branch/jyllinge.ics"' in html
    assert 'href="http://testserver/feeds/branch/jyllinge.rss"' in html


def test_bookmobile_page_shows_its_route_with_stops_and_times(client, bookmobile):
    svogerslev = factories.StopFactory(
        branch=bookmobile, name="Svogerslev", slug="svogerslev", order=1
    )
    vindinge = factories.StopFactory(branch=bookmobile, name="Vindinge", slug="vindinge", order=2)
    factories.StopFactory(branch=bookmobile, name="Dåstrup", slug="daastrup", order=3)
    factories.make_event(
        branch=bookmobile,
        stop=svogerslev,
        title="Bogbussen i Svogerslev",
        start=soon(1, 14),
        duration=timedelta(hours=1, minutes=30),
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    visits = factories.make_event(
        branch=bookmobile,
        stop=vindinge,
        title="Bogbussen i Vindinge",
        start=soon(2, 16),
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    services.occurrence_cancel(
        occurrence=visits.occurrences.order_by("start").first(), reason="Vejarbejde"
    )
    html = html_of(client, reverse("pages:branch-detail", args=[bookmobile.slug]))
    route = html[html.index('id="route-title"') : html.index('id="upcoming-title"')]
    assert route.index("Svogerslev") < route.index("Vindinge") < route.index("Dåstrup")
    assert "14:00\u201315:30" in route  # usual time at Svogerslev
    assert "16:00\u201318:00" in route
    assert f'datetime="{soon(1, 14).isoformat()}"' in route
    assert "badge-cancelled" in route  # the cancelled visit is marked
    assert "Ingen besøg planlagt" in route or "No visits planned" in route  # Dåstrup


def test_unknown_branch_and_track_are_404(client, db):
    assert client.get(reverse("pages:branch-detail", args=["atlantis"])).status_code == 404
    assert client.get(reverse("pages:track-detail", args=["atlantis"])).status_code == 404


def test_track_list_shows_the_seven_tracks_with_their_meaning(client, db):
    html = html_of(client, reverse("pages:track-list"))
    for slug in (
        "fordybelse",
        "hygge",
        "viden-og-vejledning",
        "struktur-for-livet",
        "en-lokal-aktoer",
        "indgang-til-faellesskab",
        "digitale-forbindelser",
    ):
        assert f'href="{reverse("pages:track-detail", args=[slug])}"' in html
    assert factories.track("hygge").description_da in html


def test_track_page_shows_meaning_and_events_at_every_branch(client, branch, other_branch):
    factories.make_event(
        branch=branch, title="Hygge i Jyllinge", start=soon(1), tracks=[factories.track("hygge")]
    )
    factories.make_event(
        branch=other_branch, title="Hygge i Viby", start=soon(2), tracks=[factories.track("hygge")]
    )
    factories.make_event(
        branch=branch,
        title="Kodeklub",
        start=soon(2),
        tracks=[factories.track("digitale-forbindelser")],
    )
    html = html_of(client, reverse("pages:track-detail", args=["hygge"]))
    assert factories.track("hygge").description_da in html
    assert "Hygge i Jyllinge" in html
    assert "Hygge i Viby" in html
    assert "Kodeklub" not in html
    assert 'value="http://testserver/feeds/track/hygge.ics"' in html


def test_track_page_in_english_uses_the_english_name_and_meaning(client, db):
    hygge = factories.track("hygge")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = html_of(client, reverse("pages:track-detail", args=["hygge"]), language="en")
    with translation.override("en"):
        assert hygge.name_en in html
        assert hygge.description_en in html
    assert '<html lang="en">' in html


def test_bookmobile_route_gives_no_usual_time_for_a_cancelled_event(client, bookmobile):
    """The visits of an event cancelled as a whole are cancelled visits (counting rule 4): the
    route marks them and does not call their time the stop's usual time."""
    stop = factories.StopFactory(branch=bookmobile, name="Kirke Syv", slug="kirke-syv", order=1)
    visits = factories.make_event(
        branch=bookmobile,
        stop=stop,
        title="Bogbussen i Kirke Syv",
        start=soon(1, 10),
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    services.event_cancel(event=visits, reason="Ruten er lagt om")
    html = html_of(client, reverse("pages:branch-detail", args=[bookmobile.slug]))
    route = html[html.index('id="route-title"') : html.index('id="upcoming-title"')]
    assert "badge-cancelled" in route
    assert "10:00\u201312:00" not in route.split("<td>")[1]  # the "usually" column
