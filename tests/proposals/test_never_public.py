"""A proposal never appears in public: not in the feeds, the public pages (with their JSON-LD),
nor the public API; only through the event staff make of it. And the permission matrix of the
staff's queue: only staff of the proposal's branch and administrators see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from events import services as event_services
from proposals import services
from tests.factories import UserFactory, past, track
from tests.proposals.util import DISTINCT, make_proposal

pytestmark = pytest.mark.django_db

SECRET = {
    "open_title": "Hemmelig Xylofonworkshop",
    "open_description": "Quokka-instrumenter til alle",
    "declined_title": "Afvist Gobelinvævning",
    "person": "Bodil Qwxyzsen",
}


@pytest.fixture
def world(branch, other_branch, staff_user):
    """An open, a declined and a published taken-in proposal at Jyllinge."""
    make_proposal(branch, title=SECRET["open_title"], description=SECRET["open_description"])
    declined = make_proposal(
        branch, title=SECRET["declined_title"], proposer_kind="person", name=SECRET["person"]
    )
    services.proposal_decline(proposal=declined, user=staff_user, reason="Nej tak.")
    taken = make_proposal(branch, proposer_kind="person", name=SECRET["person"])
    start = past(weeks=1)
    event = services.proposal_take_in(
        proposal=taken,
        user=staff_user,
        tracks=[track("hygge")],
        start=start,
        end=start + timedelta(hours=2),
    )
    event_services.event_publish(event=event, user=staff_user)
    return {"event": event, "proposal": taken}


def _public_urls(branch, event) -> list[str]:
    return [
        "/",
        f"/?branch={branch.slug}",
        "/biblioteker/",
        f"/biblioteker/{branch.slug}/",
        "/spor/",
        "/spor/hygge/",
        f"/arrangementer/{event.pk}/",
        "/foreslaa/",
        "/feeds/calendar.ics",
        "/feeds/calendar.rss",
        "/feeds/calendar.atom",
        f"/feeds/branch/{branch.slug}.ics",
        f"/feeds/branch/{branch.slug}.rss",
        "/feeds/track/hygge.atom",
        f"/feeds/event/{event.pk}.ics",
        "/api/v1/events/",
        f"/api/v1/events/{event.pk}/",
        "/api/v1/occurrences/",
        "/api/v1/branches/",
        "/api/v1/",
    ]


def test_no_public_output_holds_a_proposal_or_its_proposer(world, branch):
    event = world["event"]
    forbidden = [
        SECRET["open_title"],
        SECRET["open_description"],
        SECRET["declined_title"],
        SECRET["person"],
        DISTINCT["email"],
        DISTINCT["phone"],
        DISTINCT["preferred_dates"],
        "Nej tak.",
    ]
    client = Client()
    seen_event = False
    for url in _public_urls(branch, event):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for text in forbidden:
            assert text not in body, (url, text)
        seen_event |= DISTINCT["title"] in body
    # the event staff made of a proposal is public like any other
    assert seen_event
    assert "application/ld+json" in client.get(f"/arrangementer/{event.pk}/").content.decode()


def test_the_api_has_no_proposal_resource(world):
    client = Client()
    assert client.get("/api/v1/proposals/").status_code == 404
    schema = client.get("/api/schema/").content.decode()
    assert "proposal" not in schema.lower()


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_permission_matrix(
    world, branch, other_branch, staff_user, other_staff_user, management_user, admin_user
):
    open_one = world["proposal"].__class__.objects.get(title=SECRET["open_title"])
    queue, index = f"/personale/forslag/{branch.slug}/", "/personale/forslag/"
    detail = f"/personale/forslag/sag/{open_one.pk}/"
    staff_of_both = UserFactory(username="both", branches=[branch, other_branch])
    # (user, index, queue, detail)
    matrix = [
        (None, 302, 302, 302),  # anonymous: to the login
        (other_staff_user, 200, 403, 404),  # another branch's staff
        (management_user, 403, 403, 403),  # management: the figures only, on the dashboard
        (staff_user, 200, 200, 200),
        (staff_of_both, 200, 200, 200),
        (admin_user, 200, 200, 200),
    ]
    for user, *expected in matrix:
        client = _client(user)
        got = [client.get(url).status_code for url in (index, queue, detail)]
        assert got == expected, user
        for url in (index, queue, detail):
            body = client.get(url).content.decode()
            sees = SECRET["open_title"] in body or DISTINCT["email"] in body
            assert sees == (expected[2] == 200 and url != index), (user, url)
    # the anonymous login redirect leaks nothing either
    assert SECRET["open_title"] not in _client().get(detail, follow=True).content.decode()


def test_the_staff_queue_shows_text_and_contact(world, branch, staff_user):
    body = _client(staff_user).get(f"/personale/forslag/{branch.slug}/").content.decode()
    assert SECRET["open_title"] in body
    assert DISTINCT["email"] in body
    assert DISTINCT["phone"] in body


def test_the_admin_shows_proposals_to_administrators_only(world, staff_user, admin_user):
    staff_user.is_staff = True
    staff_user.save()
    assert _client(staff_user).get("/admin/proposals/proposal/").status_code == 403
    assert (
        SECRET["open_title"]
        in _client(admin_user).get("/admin/proposals/proposal/").content.decode()
    )
