"""Helpers for the status tests: events with attendance, and reading one stored figure."""

from __future__ import annotations

from events import services as events_services
from events.models import Branch, Track
from tasks.models import StatusFigure
from tests.factories import local, make_event, track

# All of 2026 has ended by then, so every scheduled occurrence of 2026 is held.
NOW = local(2027, 1, 15, 12, 0)


def tracks(*slugs: str) -> list[Track]:
    return [track(s) for s in slugs]


def event_with(
    *, branch: Branch, start, slugs=("hygge",), counts=(), by_age=None, now=NOW, **kwargs
):
    """An event through the service layer; ``counts`` are head counts for its occurrences in
    order (None: not recorded)."""
    event = make_event(branch=branch, start=start, tracks=tracks(*slugs), **kwargs)
    occurrences = list(event.occurrences.order_by("start"))
    for occurrence, count in zip(occurrences, counts, strict=False):
        if count is not None:
            events_services.attendance_record(
                occurrence=occurrence, total=count, by_age=by_age, now=now
            )
    return event


def figure(year: int, kind: str, index: int, branch: Branch | None = None, slug: str | None = None):
    """The stored figure of one scope, or None when nothing was counted there."""
    return StatusFigure.objects.filter(
        year=year,
        period_kind=kind,
        period_index=index,
        branch=branch,
        track=track(slug) if slug else None,
    ).first()


def values(fig, *names: str) -> tuple:
    return tuple(getattr(fig, n) for n in names)


__all__ = ["NOW", "event_with", "figure", "local", "tracks", "values"]


def reseed() -> None:
    """Put back the seeded tracks, audiences and groups: a transactional test's flush removes
    what the data migration made."""
    import importlib

    from django.apps import apps

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
