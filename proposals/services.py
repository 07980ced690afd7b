"""Writes of proposals: submit, take in, decline, pass on, mail the proposer, erase contact
details. Plain functions with keyword-only arguments (STYLE.md); who may decide is checked
here, once (``may_handle``). They raise ``ValidationError`` (with field names) for bad input and
``PermissionDenied`` for a user who may not; either way nothing is saved.

Mail is sent by the Celery entry points (``proposals.tasks``) after commit; what is still to be
sent is recorded on the row (``receipt_sent_at``, ``outcome_sent_at`` empty) and swept up by
``proposals_mail_due``, so a lost message or an SMTP server away delays a mail, never loses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events import roles
from events import services as event_services
from events.models import Audience, Branch, Event, Partner, Stop, Track

from . import mail
from .models import Proposal

TOKEN_SALT = "proposals.follow"


# --- the proposer's private link -----------------------------------------------------------


def follow_token(proposal: Proposal) -> str:
    """An unguessable token for the proposer's link: the proposal's id signed with
    SECRET_KEY (``django.core.signing``); only the one who got the receipt can know it."""
    return signing.dumps(proposal.pk, salt=TOKEN_SALT)


def proposal_from_token(token: str) -> Proposal | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return Proposal.objects.filter(pk=pk).select_related("branch", "event").first()


# --- who may decide ------------------------------------------------------------------------


def may_handle(user, proposal: Proposal) -> bool:
    """Staff of the proposal's branch and administrators; nobody else (not management)."""
    return roles.can_edit_branch(user, proposal.branch_id)


def _require_handler(user, proposal: Proposal) -> None:
    if not may_handle(user, proposal):
        raise PermissionDenied(
            _("Only staff of %(branch)s and administrators may handle this proposal.")
            % {"branch": proposal.branch.name}
        )


def _require_open(proposal: Proposal) -> None:
    if not proposal.is_open:
        raise ValidationError(
            {"status": [_("This proposal has already been decided.")]}, code="decided"
        )


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("branch").get(pk=proposal.pk)


# --- writes --------------------------------------------------------------------------------


@transaction.atomic
def proposal_submit(
    *,
    title: str,
    description: str,
    proposer_kind: str,
    name: str,
    branch: Branch,
    email: str,
    phone: str = "",
    preferred_dates: str = "",
    flexible: bool = False,
    audiences: Sequence[Audience] = (),
    needs_room: bool = False,
    needs_equipment: bool = False,
    needs_promotion: bool = False,
    language: str = "da",
) -> Proposal:
    """Save a citizen's proposal (the form has checked the spam guards and the lengths)."""
    if not preferred_dates.strip() and not flexible:
        raise ValidationError(
            {"preferred_dates": [_("Give preferred dates, or tick that you are flexible.")]}
        )
    proposal = Proposal(
        title=title.strip(),
        description=description.strip(),
        proposer_kind=proposer_kind,
        name=name.strip(),
        branch=branch,
        email=email.strip(),
        phone=phone.strip(),
        preferred_dates=preferred_dates.strip(),
        flexible=flexible,
        needs_room=needs_room,
        needs_equipment=needs_equipment,
        needs_promotion=needs_promotion,
        language="en" if language.startswith("en") else "da",
    )
    proposal.full_clean(exclude=["audiences", "tracks"])
    proposal.save()
    proposal.audiences.set(audiences)
    return proposal


def _partner_for(proposal: Proposal) -> list[Partner]:
    """The association as the event's partner (found by name, or made)."""
    if not proposal.is_association or not proposal.name.strip():
        return []
    partner, _created = Partner.objects.get_or_create(name=proposal.name.strip()[:200])
    return [partner]


@transaction.atomic
def proposal_take_in(
    *,
    proposal: Proposal,
    user,
    tracks: Sequence[Track],
    start: datetime,
    end: datetime,
    stop: Stop | None = None,
    uid: str | None = None,
) -> Event:
    """Make a draft event of the proposal (``events.services.event_create``): its title and
    description, its audiences, co-created, with the association as partner. Staff then choose
    the room, check the text and publish it as any other event; the proposer is told when it is
    published (``proposal_outcome_send``). ``uid``: a stable identity (demo data), else new."""
    proposal = _locked(proposal)
    _require_handler(user, proposal)
    _require_open(proposal)
    event = event_services.event_create(
        branch=proposal.branch,
        title=proposal.title,
        description=proposal.description,
        start=start,
        end=end,
        tracks=tracks,
        stop=stop,
        audiences=list(proposal.audiences.all()),
        partners=_partner_for(proposal),
        co_created=True,
        status=Event.Status.DRAFT,
        user=user,
        uid=uid,
    )
    proposal.event = event
    proposal.status = Proposal.Status.TAKEN_IN
    proposal.decided_at = timezone.now()
    proposal.decided_by = user
    proposal.save(update_fields=["event", "status", "decided_at", "decided_by"])
    proposal.tracks.set(tracks)
    return event


@transaction.atomic
def proposal_decline(
    *, proposal: Proposal, user, reason: str, tracks: Sequence[Track] = ()
) -> Proposal:
    """Decline with a reason the proposer is sent."""
    proposal = _locked(proposal)
    _require_handler(user, proposal)
    _require_open(proposal)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why, for the proposer.")]})
    proposal.status = Proposal.Status.DECLINED
    proposal.decline_reason = reason.strip()
    proposal.decided_at = timezone.now()
    proposal.decided_by = user
    proposal.save(update_fields=["status", "decline_reason", "decided_at", "decided_by"])
    proposal.tracks.set(tracks)
    return proposal


@transaction.atomic
def proposal_pass(*, proposal: Proposal, user, branch: Branch, note: str = "") -> Proposal:
    """Pass an open proposal to another branch's queue, with a note for its staff."""
    proposal = _locked(proposal)
    _require_handler(user, proposal)
    _require_open(proposal)
    if branch.pk == proposal.branch_id:
        raise ValidationError({"branch": [_("Choose another branch.")]})
    proposal.passed_from = proposal.branch
    proposal.branch = branch
    proposal.pass_note = (note or "").strip()
    proposal.save(update_fields=["passed_from", "branch", "pass_note"])
    return proposal


# --- mail ----------------------------------------------------------------------------------


def _claim(proposal_id: int, flag: str, condition: Q) -> Proposal | None:
    """Mark a mail as sent before sending it, so that two workers never send it twice; the mark
    is taken back when the sending fails (the sweep tries again)."""
    claimed = (
        Proposal.objects.filter(condition, pk=proposal_id, **{f"{flag}__isnull": True})
        .exclude(email="")
        .update(**{flag: timezone.now()})
    )
    if not claimed:
        return None
    return Proposal.objects.select_related("branch", "event").get(pk=proposal_id)


def _send_or_release(proposal: Proposal, flag: str, send) -> bool:
    try:
        send(proposal, follow_url=follow_url(proposal))
    except Exception:
        Proposal.objects.filter(pk=proposal.pk).update(**{flag: None})
        raise
    return True


def follow_url(proposal: Proposal) -> str:
    path = reverse("proposals:follow", kwargs={"token": follow_token(proposal)})
    return f"{settings.SITE_URL}{path}"


def proposal_receipt_send(*, proposal_id: int) -> bool:
    """Send the receipt with the private link, once. False when there is nothing to send."""
    proposal = _claim(proposal_id, "receipt_sent_at", Q())
    if proposal is None:
        return False
    return _send_or_release(proposal, "receipt_sent_at", mail.receipt_send)


def outcome_due_q() -> Q:
    """A declined proposal, or one taken in whose event is published: the proposer is told."""
    return Q(status=Proposal.Status.DECLINED) | Q(
        status=Proposal.Status.TAKEN_IN, event__status=Event.Status.PUBLISHED
    )


def proposal_outcome_send(*, proposal_id: int) -> bool:
    """Tell the proposer the outcome, once it is due. False when it is not (yet) or was sent."""
    proposal = _claim(proposal_id, "outcome_sent_at", outcome_due_q())
    if proposal is None:
        return False
    return _send_or_release(proposal, "outcome_sent_at", mail.outcome_send)


def proposals_mail_due(*, older_than: timedelta = timedelta(minutes=2)) -> dict[str, list[int]]:
    """The proposals whose receipt or outcome mail is still to be sent (for the sweep)."""
    before = timezone.now() - older_than
    pending = Proposal.objects.exclude(email="").filter(created_at__lte=before)
    return {
        "receipts": list(pending.filter(receipt_sent_at__isnull=True).values_list("pk", flat=True)),
        "outcomes": list(
            pending.filter(outcome_due_q(), outcome_sent_at__isnull=True).values_list(
                "pk", flat=True
            )
        ),
    }


def outcomes_due_for_events(event_ids: Sequence[int]) -> list[int]:
    """The proposals of these events whose outcome mail is now due (their event published)."""
    return list(
        Proposal.objects.filter(outcome_due_q(), event_id__in=list(event_ids))
        .filter(outcome_sent_at__isnull=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )


# --- personal data -------------------------------------------------------------------------

ERASED: dict[str, Any] = {
    "name": "",
    "email": "",
    "phone": "",
    "description": "",
    "preferred_dates": "",
    "pass_note": "",
    "decline_reason": "",
}


def proposals_erase(*, now: datetime | None = None) -> int:
    """Erase the contact details, and what the proposer wrote beyond the title, of proposals
    decided more than ``PROPOSAL_RETENTION_DAYS`` ago. The anonymised row is kept for the
    statistics (branch, state, tracks, audiences, dates, its event). Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PROPOSAL_RETENTION_DAYS)
    return Proposal.objects.filter(decided_at__lte=cutoff, erased_at__isnull=True).update(
        **ERASED, erased_at=now
    )
