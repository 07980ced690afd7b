"""Demo proposals from citizens and associations, in each state: waiting (one passed on from
another branch), declined with a reason, taken in as a draft, and taken in and held (so the
dashboard counts it as proposal-born and co-created). Made through ``proposals.services`` like
a real one; idempotent (a proposal with the same title is left as it is). The contact details
are invented (example.org)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from events import services as event_services
from events.models import LOCAL_TZ, Audience, Branch, Track
from proposals import services
from proposals.models import Proposal

from .events import demo_uid

# key, title, branch, kind, name, description, dates, audiences, received (days ago)
DEMO = [
    (
        "waiting",
        "Strikkecafé for begyndere",
        "jyllinge",
        "association",
        "Jyllinge Strikkeklub",
        "Vi vil gerne lære nye at strikke: hver anden torsdag, med garn og pinde til låns.",
        "Torsdage i det nye år",
        ["voksne", "seniorer"],
        3,
    ),
    (
        "passed",
        "Fortællinger fra fjorden",
        "viby",
        "person",
        "Karen Fisker",
        "Jeg fortæller om livet ved Roskilde Fjord, med gamle billeder.",
        "",
        ["voksne"],
        9,
    ),
    (
        "declined",
        "Salg af hjemmelavede smykker",
        "roskilde",
        "person",
        "Per Smed",
        "Et marked hvor jeg kan sælge mine smykker.",
        "En lørdag i foråret",
        [],
        30,
    ),
    (
        "draft",
        "Brætspilsaften for familier",
        "gundsoemagle",
        "association",
        "Gundsømagle Spilleklub",
        "Vi tager spil med og lærer familier nye brætspil.",
        "Fredage kl. 17-20",
        ["familier"],
        12,
    ),
    (
        "held",
        "Kom godt i gang med elcyklen",
        "jyllinge",
        "association",
        "Cyklistforbundet Roskilde",
        "Et foredrag om elcykler: opladning, sikkerhed og gode ruter i kommunen.",
        "",
        ["voksne", "seniorer"],
        60,
    ),
]


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=LOCAL_TZ)


def _make(spec, today: date) -> Proposal:
    key, title, slug, kind, name, text, dates, audiences, days_ago = spec
    proposal = services.proposal_submit(
        title=title,
        description=text,
        proposer_kind=kind,
        name=name,
        branch=Branch.objects.get(slug=slug),
        email=f"{key}.forslag@example.org",
        preferred_dates=dates,
        flexible=not dates,
        audiences=list(Audience.objects.filter(slug__in=audiences)),
        needs_room=True,
        needs_promotion=key in ("waiting", "held"),
    )
    received = _local(today - timedelta(days=days_ago), 10)
    Proposal.objects.filter(pk=proposal.pk).update(created_at=received, receipt_sent_at=received)
    return proposal


def _decide(key: str, proposal: Proposal, admin, today: date) -> str:
    hygge, aktoer = Track.objects.get(slug="hygge"), Track.objects.get(slug="en-lokal-aktoer")
    if key == "passed":
        services.proposal_pass(
            proposal=proposal,
            user=admin,
            branch=Branch.objects.get(slug="jyllinge"),
            note="Jyllinge ligger ved fjorden; passer bedre der.",
        )
        return "passed on to Jyllinge"
    if key == "declined":
        services.proposal_decline(
            proposal=proposal,
            user=admin,
            reason="Biblioteket lægger ikke lokaler til salg; prøv byens kunsthåndværkermarked.",
            tracks=[aktoer],
        )
        return "declined"
    if key in ("draft", "held"):
        start = _local(
            today + timedelta(days=21) if key == "draft" else today - timedelta(days=20), 17
        )
        event = services.proposal_take_in(
            proposal=proposal,
            user=admin,
            tracks=[hygge, aktoer] if key == "draft" else [aktoer],
            start=start,
            end=start + timedelta(hours=2),
            uid=demo_uid(f"proposal-{key}"),
        )
        if key == "held":
            event_services.event_publish(event=event, user=admin)
            Proposal.objects.filter(pk=proposal.pk).update(outcome_sent_at=timezone.now())
        return "taken in" + (", published" if key == "held" else " (draft)")
    return "waiting"


def seed_proposals(*, today: date) -> list[str]:
    """Make the demo proposals that are not there yet; returns lines for the command."""
    admin = get_user_model().objects.filter(username="admin").first()
    lines = []
    for spec in DEMO:
        key, title = spec[0], spec[1]
        existing = Proposal.objects.filter(title=title).first()
        if existing is not None and (
            existing.status != Proposal.Status.TAKEN_IN or existing.event_id
        ):
            continue
        if existing is not None:  # its event was deleted: made again, like the demo's events
            existing.delete()
        proposal = _make(spec, today)
        lines.append(f"  + proposal {title}: {_decide(key, proposal, admin, today)}")
    return lines
