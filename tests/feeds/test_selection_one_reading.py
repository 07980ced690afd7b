"""The feeds, the calendar page and the API read a selection from the query string the same
way (``events.selectors.selection_parse``): what one refuses, the others refuse too (the page
by a message, the feeds and the API by a 400), and what one accepts, the others accept."""

from __future__ import annotations

from html import unescape

import pytest

from events import selectors
from tests.factories import local, make_event, track

pytestmark = pytest.mark.django_db

REFUSED = [
    "branch=jyllinge,<script>",
    "track=%C3%A6",
    "branch=a%00b",
    "audience=a%25b",
    "stop=" + ",".join(f"s{i}" for i in range(selectors.MAX_SLUGS + 1)),
    "branch="
    + ",".join(f"b{i}" for i in range(26))
    + "&track="
    + ",".join(f"t{i}" for i in range(25)),
]


@pytest.mark.parametrize("query", REFUSED)
def test_what_one_interface_refuses_every_interface_refuses(client, branch, query):
    feed = client.get(f"/feeds/calendar.ics?{query}")
    assert feed.status_code == 400
    api = client.get(f"/api/v1/occurrences/?{query}")
    assert api.status_code == 400
    name = query.split("=")[0]
    assert name in api.json()
    page = client.get(f"/?{query}", HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    assert "Det filter blev ignoreret." in unescape(page.content.decode())


def test_what_one_accepts_every_interface_accepts(client, branch):
    make_event(
        branch=branch, title="Strikkecafé", start=local(2027, 3, 2, 10), tracks=[track("hygge")]
    )
    query = "branch=jyllinge&track=hygge,fordybelse&track=viden-og-vejledning"
    parsed = selectors.selection_parse(
        {"branch": ["jyllinge"], "track": ["hygge,fordybelse", "viden-og-vejledning"]}
    )
    assert parsed.errors == {}
    assert parsed.selection.tracks == ("fordybelse", "hygge", "viden-og-vejledning")
    assert client.get(f"/feeds/calendar.ics?{query}").status_code == 200
    assert client.get(f"/api/v1/occurrences/?{query}").status_code == 200
    page = client.get(f"/?{query}&from=2027-03-01", HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    assert "Strikkecafé" in unescape(page.content.decode())
    assert "ignoreret" not in unescape(page.content.decode())
