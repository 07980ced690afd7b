"""The calendar page: upcoming occurrences by local day, filters that combine and stay in the
URL, track labels, unknown slugs as messages, subscribe links for the selection."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse

from events import services
from events.models import Event
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


def page(client, **params) -> str:
    response = client.get(reverse("pages:calendar"), params, HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def scene(branch, other_branch):
    jyllinge_hygge = factories.make_event(
        branch=branch,
        title="Strikkecafé",
        start=soon(1, 14),
        tracks=[factories.track("hygge"), factories.track("indgang-til-faellesskab")],
        audiences=[factories.audience("seniorer")],
    )
    jyllinge_digital = factories.make_event(
        branch=branch,
        title="IT-hjælp",
        start=soon(2, 10),
        tracks=[factories.track("digitale-forbindelser")],
        audiences=[factories.audience("voksne")],
    )
    viby_hygge = factories.make_event(
        branch=other_branch,
        title="Fredagshygge",
        start=soon(3, 16),
        tracks=[factories.track("hygge")],
        audiences=[factories.audience("familier")],
    )
    return jyllinge_hygge, jyllinge_digital, viby_hygge


def test_groups_upcoming_occurrences_by_local_day(client, scene):
    html = page(client)
    for title in ("Strikkecafé", "IT-hjælp", "Fredagshygge"):
        assert title in html
    first_day = soon(1).date().isoformat()
    assert f'<time datetime="{first_day}">' in html
    # in start order
    assert html.index("Strikkecafé") < html.index("IT-hjælp") < html.index("Fredagshygge")
    # 23:30 local on day 4 belongs to day 4, not to the UTC date
    factories.make_event(
        branch=scene[0].branch, title="Natlæsning", start=soon(4, 23) + timedelta(minutes=30)
    )
    html = page(client)
    day4 = soon(4).date().isoformat()
    section = html[html.index(f'id="day-{day4}"') :]
    assert "Natlæsning" in section.split('class="day"')[0]


def test_each_event_shows_its_tracks_as_labels_linking_to_the_track(client, scene):
    html = page(client)
    assert f'href="{reverse("pages:track-detail", args=["indgang-til-faellesskab"])}"' in html
    assert "Indgang til fællesskab" in html


def test_filter_by_branch(client, scene):
    html = page(client, branch="jyllinge")
    assert "Strikkecafé" in html
    assert "IT-hjælp" in html
    assert "Fredagshygge" not in html


def test_filter_by_track(client, scene):
    html = page(client, track="hygge")
    assert "Strikkecafé" in html
    assert "Fredagshygge" in html
    assert "IT-hjælp" not in html


def test_filter_by_audience(client, scene):
    html = page(client, audience="familier")
    assert "Fredagshygge" in html
    assert "Strikkecafé" not in html
    assert "IT-hjælp" not in html


def test_branch_and_track_combine_and_stay_in_the_form(client, scene):
    html = page(client, branch="jyllinge", track="hygge")
    assert "Strikkecafé" in html
    assert "IT-hjælp" not in html
    assert "Fredagshygge" not in html
    assert 'value="jyllinge" id="f-branch-jyllinge" checked' in html
    assert 'value="hygge" id="f-track-hygge" checked' in html
    assert 'value="viby" id="f-branch-viby">' in html  # not checked


def test_several_values_of_one_filter_are_any_of(client, scene):
    html = page(client, branch=["jyllinge", "viby"], track="hygge")
    assert "Strikkecafé" in html
    assert "Fredagshygge" in html
    assert "IT-hjælp" not in html


def test_date_filters(client, scene):
    day2 = soon(2).date().isoformat()
    html = page(client, **{"from": day2, "to": day2})
    assert "IT-hjælp" in html
    assert "Strikkecafé" not in html
    assert "Fredagshygge" not in html
    assert f'name="from" id="f-from" value="{day2}"' in html


def test_next_weeks_link_keeps_the_filters(client, scene):
    html = unescape(page(client, branch="jyllinge"))
    start = (soon(0).date() + timedelta(days=28)).isoformat()
    assert f"?branch=jyllinge&from={start}" in html


def test_unknown_slugs_give_a_message_not_an_error(client, scene):
    html = page(client, branch=["jyllinge", "atlantis"], track="nope")
    assert "atlantis" in html
    assert "nope" in html
    assert 'role="alert"' in html
    # the known part of the filter still applies
    assert "Strikkecafé" in html
    assert "IT-hjælp" in html
    assert "Fredagshygge" not in html


def test_a_bad_date_gives_a_message(client, scene):
    html = page(client, **{"from": "31-12-2026"})
    assert "31-12-2026" in html
    assert "Strikkecafé" in html


def test_drafts_are_not_shown(client, branch):
    factories.make_event(
        branch=branch, title="Hemmelig kladde", start=soon(1), status=Event.Status.DRAFT
    )
    assert "Hemmelig kladde" not in page(client)


def test_past_occurrences_are_not_shown(client, branch):
    factories.make_event(branch=branch, title="Det var i går", start=soon(-1, 10))
    assert "Det var i går" not in page(client)


def test_cancelled_occurrence_is_shown_as_cancelled_with_reason(client, branch):
    event = factories.make_event(
        branch=branch, title="Foredrag", start=soon(1), rrule="FREQ=DAILY;COUNT=2"
    )
    services.occurrence_cancel(
        occurrence=event.occurrences.order_by("start").first(), reason="Sygdom"
    )
    html = page(client)
    assert "is-cancelled" in html
    assert "Sygdom" in html


def test_user_text_is_escaped(client, branch):
    factories.make_event(
        branch=branch,
        title='<script>alert("x")</script> & <b>fed</b>',
        start=soon(1),
    )
    html = page(client)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;fed&lt;/b&gt;" in html


def test_subscribe_panel_and_alternate_links_follow_the_filters(client, scene):
    html = unescape(page(client, branch="jyllinge", track="hygge"))
    ics = "http://testserver/feeds/calendar.ics?branch=jyllinge&track=hygge"
    assert f'value="{ics}"' in html
    assert "webcal://testserver/feeds/calendar.ics?branch=jyllinge&track=hygge" in html
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Ftestserver" in html
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="http://testserver/feeds/calendar.rss?branch=jyllinge&track=hygge"' in html
    assert 'href="http://testserver/feeds/calendar.atom?branch=jyllinge&track=hygge"' in html
    for app in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert f"<summary>{app}</summary>" in html
    assert 'data-copy="subscribe-ics"' in html


def test_unfiltered_subscribe_link_is_the_whole_calendar(client, scene):
    assert 'value="http://testserver/feeds/calendar.ics"' in page(client)


def test_every_filter_control_has_a_label(client, scene):
    html = page(client)
    import re

    ids = re.findall(r'<input[^>]* id="([^"]+)"', html)
    assert ids
    for control_id in ids:
        assert f'for="{control_id}"' in html, control_id


def test_page_has_no_inline_script_or_style(client, scene):
    html = page(client)
    import re

    assert " style=" not in html
    assert "<style" not in html
    for attrs in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attrs or "application/ld+json" in attrs
