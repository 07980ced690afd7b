"""The demo's proposals: one in each state, made through the services, counted on the
dashboard, and idempotent."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from demo import events as demo_events
from demo import proposals as demo
from proposals import selectors
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def test_the_demo_has_proposals_in_each_state_counted_on_the_dashboard():
    today = timezone.localdate()
    demo_events._places(demo_events.Report())
    demo_events._users(demo_events.Report())

    lines = demo.seed_proposals(today=today)

    assert len(lines) == 5
    states = dict(Proposal.objects.values_list("title", "status"))
    assert sorted(states.values()) == ["declined", "new", "new", "taken_in", "taken_in"]
    passed = Proposal.objects.get(title="Fortællinger fra fjorden")
    assert (passed.branch.slug, passed.passed_from.slug) == ("jyllinge", "viby")
    held = Proposal.objects.get(title="Kom godt i gang med elcyklen")
    assert held.event.status == "published"
    assert held.event.co_created
    figures = selectors.proposal_figures(first=date(today.year - 1, 1, 1), last=today)
    assert figures["total"]["received"] == 5
    assert figures["occurrences"]["from_proposal"]["count"] == 1
    assert demo.seed_proposals(today=today) == []  # idempotent
    assert Proposal.objects.count() == 5
