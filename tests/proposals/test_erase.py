"""GDPR: PROPOSAL_RETENTION_DAYS after the decision, the daily beat job erases the proposer's
contact details (and what they wrote beyond the title); the anonymised proposal stays for the
statistics. Afterwards no column of any table holds them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from proposals import selectors, services
from proposals.models import Proposal
from proposals.tasks import proposals_erase_task
from tasks.schedule import BEAT_SCHEDULE
from tests.factories import past, track
from tests.proposals.util import make_proposal

pytestmark = pytest.mark.django_db

GONE = {
    "name": "Erasmus Sletmigsen",
    "email": "erasmus.sletmigsen@example.org",
    "phone": "+45 11 22 33 44",
    "description": "Slettekage med Qzxv-fyld",
    "preferred_dates": "Onsdage i Wqrtmaaned",
}


def _everything_in_the_database() -> str:
    """Every value of every column of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks += [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    return "\n".join(chunks)


def _decided(proposal, *, days_ago: int):
    Proposal.objects.filter(pk=proposal.pk).update(
        decided_at=timezone.now() - timedelta(days=days_ago)
    )


def test_erasure_after_the_retention_period_leaves_no_contact_data(branch, staff_user, settings):
    settings.PROPOSAL_RETENTION_DAYS = 90
    declined = make_proposal(branch, proposer_kind="person", **GONE)
    services.proposal_decline(
        proposal=declined, user=staff_user, reason="Nej.", tracks=[track("hygge")]
    )
    _decided(declined, days_ago=91)
    taken = make_proposal(
        branch, proposer_kind="person", name=GONE["name"], email=GONE["email"], phone=GONE["phone"]
    )
    services.proposal_take_in(
        proposal=taken,
        user=staff_user,
        tracks=[track("hygge")],
        start=past(weeks=20),
        end=past(weeks=20) + timedelta(hours=1),
    )
    _decided(taken, days_ago=120)
    kept = make_proposal(branch, email="still.here@example.org")
    services.proposal_decline(proposal=kept, user=staff_user, reason="Ikke nu.")
    _decided(kept, days_ago=89)
    still_open = make_proposal(branch, email="waiting@example.org")
    Proposal.objects.filter(pk=still_open.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    before = selectors.proposal_figures(
        first=(timezone.localdate() - timedelta(days=400)), last=timezone.localdate()
    )
    assert GONE["email"] in _everything_in_the_database()

    assert proposals_erase_task() == 2

    everything = _everything_in_the_database()
    for key, value in GONE.items():
        assert value not in everything, key
    assert "still.here@example.org" in everything  # decided 89 days ago: kept
    assert "waiting@example.org" in everything  # not decided: kept
    declined.refresh_from_db()
    assert declined.erased_at is not None
    assert declined.title  # the anonymised proposal stays
    assert [t.slug for t in declined.tracks.all()] == ["hygge"]
    # the statistics are the same
    after = selectors.proposal_figures(
        first=(timezone.localdate() - timedelta(days=400)), last=timezone.localdate()
    )
    assert after["total"] == before["total"]
    assert proposals_erase_task() == 0  # idempotent


def test_the_erasure_runs_daily_by_beat():
    entry = BEAT_SCHEDULE["proposals-erase-daily"]
    assert entry["task"] == "proposals.tasks.proposals_erase_task"
    assert entry["options"]["expires"]
    from calendar_service.celery import app

    app.loader.import_default_modules()
    assert "proposals.tasks.proposals_erase_task" in app.tasks
    assert "proposals.tasks.proposals_mail_sweep_task" in app.tasks
