"""The dashboard's proposal figures: received, taken in and declined per branch and track, and
the share of held occurrences that began as a proposal next to the co-created share, checked
against counts made independently here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from events import services as event_services
from proposals import selectors, services
from proposals.models import Proposal
from tests.factories import local, make_event, track
from tests.proposals.util import make_proposal

pytestmark = pytest.mark.django_db
NOW = local(2026, 6, 30, 12, 0)


def _at(proposal, *, created, decided=None):
    Proposal.objects.filter(pk=proposal.pk).update(created_at=created, decided_at=decided)


def _take_in(proposal, user, *, start, tracks, publish=True):
    event = services.proposal_take_in(
        proposal=proposal, user=user, tracks=tracks, start=start, end=start + timedelta(hours=2)
    )
    if publish:
        event_services.event_publish(event=event, user=user)
    return event


@pytest.fixture
def scene(branch, other_branch, staff_user, admin_user):
    hygge, aktoer = track("hygge"), track("en-lokal-aktoer")
    # taken in: a weekly series of 4 held in May (2 tracks), at Jyllinge
    a = make_proposal(branch)
    series = _take_in(
        a, staff_user, start=local(2026, 5, 5, 19, 0), tracks=[hygge, aktoer], publish=False
    )
    event_services.event_update(event=series, user=staff_user, rrule="FREQ=WEEKLY;COUNT=4")
    event_services.event_publish(event=series, user=staff_user)
    _at(a, created=local(2026, 4, 2, 9, 0), decided=local(2026, 4, 10, 9, 0))
    # declined at Viby (one track), received in March
    b = make_proposal(other_branch)
    services.proposal_decline(proposal=b, user=admin_user, reason="Nej.", tracks=[hygge])
    _at(b, created=local(2026, 3, 1, 9, 0), decided=local(2026, 3, 3, 9, 0))
    # open, received in June at Jyllinge
    c = make_proposal(branch)
    _at(c, created=local(2026, 6, 1, 9, 0))
    # received in 2025, taken in in 2025: outside the period
    d = make_proposal(branch)
    _take_in(d, staff_user, start=local(2025, 11, 4, 19, 0), tracks=[hygge])
    _at(d, created=local(2025, 10, 1, 9, 0), decided=local(2025, 10, 20, 9, 0))
    # staff's own events: one co-created (not from a proposal), two plain, all held in 2026
    make_event(branch=branch, start=local(2026, 2, 3, 10, 0), co_created=True)
    make_event(branch=branch, start=local(2026, 2, 10, 10, 0))
    make_event(branch=other_branch, start=local(2026, 2, 17, 10, 0))
    # a proposal-born draft counts nowhere (rule 8)
    e = make_proposal(branch)
    _take_in(e, staff_user, start=local(2026, 5, 20, 19, 0), tracks=[hygge], publish=False)
    _at(e, created=local(2026, 5, 1, 9, 0), decided=local(2026, 5, 2, 9, 0))
    return {"branch": branch, "other": other_branch}


def test_the_figures_match_independent_counts(scene):
    figures = selectors.proposal_figures(first=date(2026, 1, 1), last=date(2026, 6, 30), now=NOW)

    assert figures["total"] == {"received": 4, "taken_in": 2, "declined": 1}  # a, b, c, e
    rows = {r["branch"].slug: r for r in figures["branches"]}
    assert (rows["jyllinge"]["received"], rows["jyllinge"]["taken_in"]) == (3, 2)
    assert (rows["viby"]["received"], rows["viby"]["declined"]) == (1, 1)
    tracks = {r["track"].slug: r for r in figures["tracks"]}
    assert tracks["hygge"]["taken_in"] == 2
    assert tracks["hygge"]["declined"] == 1
    assert tracks["en-lokal-aktoer"]["taken_in"] == 1
    assert tracks["fordybelse"] == {**tracks["fordybelse"], "received": 0, "taken_in": 0}

    occ = figures["occurrences"]
    # held in 2026 up to NOW: 4 of the series + 3 staff events (the draft never)
    assert occ["held"] == 7
    assert occ["from_proposal"]["count"] == 4
    assert occ["co_created"]["count"] == 5  # the series (co-created by take-in) + 1 of staff
    assert occ["from_proposal"]["percent"] == round(100 * 4 / 7)


def test_the_dashboard_shows_them(scene, management_user):
    client = Client()
    client.force_login(management_user)
    body = client.get("/ledelse/?year=2026&period=half-1").content.decode()
    assert 'id="proposals-title"' in body
    assert 'data-total="received">4<' in body
    # no proposal text nor contact on the dashboard
    assert "example.org" not in body
    assert "Foreningen Qwertzuiop" not in body
