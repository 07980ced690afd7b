"""Staff decide: take in (a co-created draft event with the association as partner; the
proposer is told with the event's link once it is published), decline with a reason (told at
once), or pass on to another branch (with a note). Mails reach a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from events import services as event_services
from events.models import Event
from proposals import services
from proposals.models import Proposal
from tests.factories import audience, past, track
from tests.proposals.util import DISTINCT, make_proposal

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_take_in_makes_a_co_created_draft_event_with_the_association_as_partner(
    branch, staff_user, smtp_server, django_capture_on_commit_callbacks
):
    proposal = make_proposal(branch, audiences=[audience("voksne")])
    start = past(weeks=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(staff_user).post(
            f"/personale/forslag/sag/{proposal.pk}/tag-ind/",
            {
                "take-tracks": [track("en-lokal-aktoer").pk, track("hygge").pk],
                "take-start": start.strftime("%Y-%m-%dT%H:%M"),
                "take-end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            },
        )

    proposal.refresh_from_db()
    event = proposal.event
    assert response.status_code == 302
    assert response["Location"] == f"/admin/events/event/{event.pk}/change/"
    assert proposal.status == Proposal.Status.TAKEN_IN
    assert proposal.decided_by == staff_user
    assert (event.status, event.co_created, event.branch) == (Event.Status.DRAFT, True, branch)
    assert (event.title, event.description) == (DISTINCT["title"], DISTINCT["description"])
    assert [p.name for p in event.partners.all()] == [DISTINCT["name"]]
    assert [a.slug for a in event.audiences.all()] == ["voksne"]
    assert {t.slug for t in event.tracks.all()} == {"en-lokal-aktoer", "hygge"}
    assert event.start == start
    # the contact details never reach the event
    for value in (DISTINCT["email"], DISTINCT["phone"]):
        assert value not in f"{event.title} {event.description} {event.place} {event.url}"
    assert smtp_server.messages == []  # not told before it is published

    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_publish(event=event, user=staff_user)

    [mail] = smtp_server.to(DISTINCT["email"])
    assert f"http://127.0.0.1:8000/arrangementer/{event.pk}/" in mail.text
    assert f"http://127.0.0.1:8000/arrangementer/{event.pk}/" in mail.html
    proposal.refresh_from_db()
    assert proposal.outcome_sent_at is not None
    # a later change of the event sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        event_services.event_update(event=event, user=staff_user, title="Strikkecafé")
    assert len(smtp_server.messages) == 1


def test_a_person_is_no_partner(branch, staff_user):
    proposal = make_proposal(branch, proposer_kind="person", name="Anna Jensen")
    event = services.proposal_take_in(
        proposal=proposal,
        user=staff_user,
        tracks=[track("hygge")],
        start=past(weeks=1),
        end=past(weeks=1) + timedelta(hours=1),
    )
    assert event.co_created is True
    assert event.partners.count() == 0


def test_take_in_refuses_a_bad_time_and_keeps_the_proposal_open(branch, staff_user):
    proposal = make_proposal(branch)
    start = past(weeks=1)
    response = _client(staff_user).post(
        f"/personale/forslag/sag/{proposal.pk}/tag-ind/",
        {
            "take-tracks": [track("hygge").pk],
            "take-start": start.strftime("%Y-%m-%dT%H:%M"),
            "take-end": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.NEW
    assert Event.objects.count() == 0


def test_decline_sends_the_reason(
    branch, staff_user, smtp_server, django_capture_on_commit_callbacks
):
    proposal = make_proposal(branch)
    reason = "Vi har allerede en strikkeklub om tirsdagen <b>hver uge</b>."
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(staff_user).post(
            f"/personale/forslag/sag/{proposal.pk}/afvis/",
            {"decline-reason": reason, "decline-tracks": [track("hygge").pk]},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (Proposal.Status.DECLINED, reason)
    assert [t.slug for t in proposal.tracks.all()] == ["hygge"]
    [mail] = smtp_server.to(DISTINCT["email"])
    assert reason in mail.text
    assert "&lt;b&gt;hver uge&lt;/b&gt;" in mail.html  # the staff's text is escaped
    # a decided proposal cannot be decided again
    with pytest.raises(ValidationError):
        services.proposal_decline(proposal=proposal, user=staff_user, reason="igen")


def test_decline_needs_a_reason(branch, staff_user):
    proposal = make_proposal(branch)
    response = _client(staff_user).post(
        f"/personale/forslag/sag/{proposal.pk}/afvis/", {"decline-reason": ""}
    )
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.NEW


def test_pass_on_moves_it_to_the_other_branchs_queue(
    branch, other_branch, staff_user, other_staff_user
):
    proposal = make_proposal(branch)
    response = _client(staff_user).post(
        f"/personale/forslag/sag/{proposal.pk}/videregiv/",
        {"pass-branch": other_branch.pk, "pass-note": "Det passer bedre i Viby."},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.branch, proposal.passed_from) == (other_branch, branch)
    assert proposal.status == Proposal.Status.NEW
    theirs = _client(other_staff_user).get(f"/personale/forslag/{other_branch.slug}/")
    text = theirs.content.decode()
    assert DISTINCT["title"] in text
    assert "Jyllinge Bibliotek" in text  # passed on from
    detail = _client(other_staff_user).get(f"/personale/forslag/sag/{proposal.pk}/")
    assert "Det passer bedre i Viby." in detail.content.decode()
    # and it has left the first queue: its staff may no longer open it
    assert (
        DISTINCT["title"]
        not in _client(staff_user).get(f"/personale/forslag/{branch.slug}/").content.decode()
    )
    assert _client(staff_user).get(f"/personale/forslag/sag/{proposal.pk}/").status_code == 404


def test_another_branchs_staff_may_not_decide(branch, other_staff_user, management_user):
    proposal = make_proposal(branch)
    for user in (other_staff_user, management_user):
        with pytest.raises(PermissionDenied):
            services.proposal_decline(proposal=proposal, user=user, reason="nej")
        for action, data in (
            ("afvis", {"decline-reason": "nej"}),
            ("videregiv", {"pass-branch": branch.pk}),
            ("tag-ind", {}),
        ):
            response = _client(user).post(f"/personale/forslag/sag/{proposal.pk}/{action}/", data)
            assert response.status_code in (403, 404)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.NEW


def test_the_mail_sweep_sends_what_was_lost(branch, staff_user, smtp_server):
    """Without the after-commit messages (as when Redis was away), the sweep sends the receipt
    and the outcome once, and never twice."""
    from django.utils import timezone

    from proposals.tasks import proposals_mail_sweep_task

    proposal = make_proposal(branch)
    Proposal.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    services.proposal_decline(proposal=proposal, user=staff_user, reason="Ikke i år.")

    assert proposals_mail_sweep_task() == {"receipts": 1, "outcomes": 1}
    assert proposals_mail_sweep_task() == {"receipts": 0, "outcomes": 0}
    assert len(smtp_server.to(DISTINCT["email"])) == 2


def test_a_failed_send_is_tried_again(branch, settings):
    from proposals.tasks import proposals_mail_sweep_task

    proposal = make_proposal(branch)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    with pytest.raises(ConnectionRefusedError):
        services.proposal_receipt_send(proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.receipt_sent_at is None  # released for the sweep
    assert services.proposals_mail_due(older_than=timedelta(0))["receipts"] == [proposal.pk]
    Proposal.objects.update(created_at=proposal.created_at - timedelta(minutes=10))
    assert proposals_mail_sweep_task() == {"receipts": 0, "outcomes": 0}  # logged, kept
    proposal.refresh_from_db()
    assert proposal.receipt_sent_at is None


def test_a_bookmobile_proposal_is_taken_in_at_one_of_its_stops(bookmobile, admin_user):
    from tests.factories import StopFactory

    stop = StopFactory(branch=bookmobile, name="Svogerslev", slug="svogerslev")
    proposal = make_proposal(bookmobile)
    start = past(weeks=1)
    data = {
        "take-tracks": [track("hygge").pk],
        "take-start": start.strftime("%Y-%m-%dT%H:%M"),
        "take-end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    url = f"/personale/forslag/sag/{proposal.pk}/tag-ind/"
    missing = _client(admin_user).post(url, data)
    assert missing.status_code == 400  # a bookmobile event needs a stop
    assert _client(admin_user).post(url, {**data, "take-stop": stop.pk}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.event.stop == stop
