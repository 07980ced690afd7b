"""Reads of proposals: the staff's queues, and the dashboard's figures. No proposal is ever
read for the public: only staff of its branch and administrators see one (``queue_branches``,
``proposal_for``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q
from django.http import Http404

from events import roles
from events.clock import LOCAL_TZ
from events.models import Branch, Occurrence, Track, held_q

from . import services
from .models import Proposal


def queue_branches(user) -> list[dict[str, Any]]:
    """The branches whose queue the user sees (administrators: all; staff: their own), each
    with its number of open proposals."""
    branches = Branch.objects.all()
    if not roles.is_admin(user):
        branches = branches.filter(pk__in=roles.branch_ids(user))
    open_counts = dict(
        Proposal.objects.filter(status=Proposal.Status.NEW, branch__in=branches)
        .values_list("branch")
        .annotate(n=Count("pk"))
    )
    return [{"branch": b, "open": open_counts.get(b.pk, 0)} for b in branches]


def queue(*, branch: Branch) -> dict[str, list[Proposal]]:
    """One branch's queue: the open proposals, oldest first, and the last decided ones."""
    rows = Proposal.objects.filter(branch=branch).select_related("passed_from", "event")
    return {
        "open": list(rows.filter(status=Proposal.Status.NEW).prefetch_related("audiences")),
        "decided": list(rows.exclude(status=Proposal.Status.NEW).order_by("-decided_at")[:20]),
    }


def proposal_for(*, user, pk: int) -> Proposal:
    """One proposal for a user who may handle it; a 404 for anyone else, so that nobody learns
    that it exists."""
    proposal = (
        Proposal.objects.select_related("branch", "passed_from", "event", "decided_by")
        .prefetch_related("audiences", "tracks")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not services.may_handle(user, proposal):
        raise Http404
    return proposal


# --- the dashboard's figures ---------------------------------------------------------------


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, tzinfo=LOCAL_TZ),
        datetime.combine(last, time.max, tzinfo=LOCAL_TZ),
    )


def proposal_figures(*, first: date, last: date, now: datetime | None = None) -> dict[str, Any]:
    """Proposals received (by the local date they came in), taken in and declined (by the local
    date of the decision) from ``first`` to ``last``, per branch (where each is now) and per
    track (tagged by staff when they decide); and the share of held occurrences (counting rule
    1, by local date, rule 3) whose event began as a proposal, next to the co-created share
    (rule 6) of the same occurrences."""
    start, end = _bounds(first, last)
    received = Q(created_at__range=(start, end))
    decided = Q(decided_at__range=(start, end))
    counts = {
        "received": Count("pk", filter=received, distinct=True),
        "taken_in": Count("pk", filter=decided & Q(status=Proposal.Status.TAKEN_IN), distinct=True),
        "declined": Count("pk", filter=decided & Q(status=Proposal.Status.DECLINED), distinct=True),
    }
    rows = Proposal.objects.all()
    by_branch = _grouped(rows.values("branch").annotate(**counts), "branch")
    by_track = _grouped(
        rows.filter(tracks__isnull=False).values("tracks").annotate(**counts), "tracks"
    )
    empty = {"received": 0, "taken_in": 0, "declined": 0}
    return {
        "total": {**empty, **rows.aggregate(**counts)},
        "branches": [
            {"branch": b, **empty, **by_branch.get(b.pk, {})} for b in Branch.objects.all()
        ],
        "tracks": [{"track": t, **empty, **by_track.get(t.pk, {})} for t in Track.objects.all()],
        "occurrences": held_shares(first=first, last=last, now=now),
    }


def _grouped(rows, key: str) -> dict[int, dict[str, int]]:
    """Rows of ``values(key).annotate(...)`` by their key, each without it."""
    grouped: dict[int, dict[str, int]] = {}
    for row in rows:
        counts = dict(row)
        grouped[counts.pop(key)] = counts
    return grouped


def held_shares(*, first: date, last: date, now: datetime | None = None) -> dict[str, Any]:
    held = Occurrence.objects.filter(held_q(now=now), local_date__range=(first, last))
    figures = held.aggregate(
        held=Count("pk"),
        co_created=Count("pk", filter=Q(event__co_created=True)),
        from_proposal=Count("pk", filter=Q(event__proposal__isnull=False)),
    )

    def share(n: int) -> dict[str, Any]:
        value = n / figures["held"] if figures["held"] else None
        return {
            "count": n,
            "share": value,
            "percent": None if value is None else round(value * 100),
        }

    return {
        "held": figures["held"],
        "co_created": share(figures["co_created"]),
        "from_proposal": share(figures["from_proposal"]),
    }
