"""Per-event pieces: rebuilt when the core reports a change, rebuilt on read when stale,
dropped when the branch, room or track they name changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from events.models import Event
from feeds.models import EventPiece
from tests import factories
from tests.factories import local, make_event, track

pytestmark = pytest.mark.django_db


def test_piece_is_built_after_commit_and_dropped_for_drafts(django_capture_on_commit_callbacks):
    branch = factories.BranchFactory(name="Gadstrup Bibliotek", slug="gadstrup")
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(branch=branch, title="Spilaften", start=local(2026, 3, 10, 18, 0))
    piece = EventPiece.objects.get(event=event)
    assert "SUMMARY:Spilaften\r\n" in bytes(piece.vevent).decode()
    assert piece.source_updated_at == event.updated_at
    from events import services

    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=event, status=Event.Status.DRAFT)
    assert not EventPiece.objects.filter(event=event).exists()


def test_stale_piece_is_rebuilt_on_read(client):
    branch = factories.BranchFactory(name="Gadstrup Bibliotek", slug="gadstrup")
    event = make_event(branch=branch, title="Spilaften", start=local(2026, 3, 10, 18, 0))
    assert "SUMMARY:Spilaften\r\n" in client.get("/feeds/branch/gadstrup.ics").content.decode()
    # A change that bypassed the notification (no on-commit here): the feed cache is keyed on
    # the generation, so start cold, and the piece must notice its event is newer.
    Event.objects.filter(pk=event.pk).update(title="Brætspilsaften", updated_at=timezone.now())
    from django.core.cache import cache

    import feeds.cache

    cache.clear()
    feeds.cache.memo.clear()
    body = client.get("/feeds/branch/gadstrup.ics").content.decode()
    assert "SUMMARY:Brætspilsaften\r\n" in body
    assert (
        EventPiece.objects.get(event=event).source_updated_at
        == Event.objects.get(pk=event.pk).updated_at
    )


def test_renaming_a_branch_room_or_track_reaches_the_feed(client):
    branch = factories.BranchFactory(name="Gadstrup Bibliotek", slug="gadstrup")
    room = factories.RoomFactory(branch=branch, name="Mødelokalet")
    make_event(
        branch=branch,
        title="Spilaften",
        room=room,
        start=local(2026, 3, 10, 18, 0),
        tracks=[track("hygge")],
    )
    assert "Gadstrup Bibliotek" in client.get("/feeds/branch/gadstrup.ics").content.decode()
    branch.name = "Gadstrup Lokalbibliotek"
    branch.save()
    room.name = "Store sal"
    room.save()
    hygge = track("hygge")
    hygge.name_da = "Hygge og samvær"
    hygge.save()
    body = client.get("/feeds/branch/gadstrup.ics").content.decode()
    assert "LOCATION:Store sal\\, Gadstrup Lokalbibliotek" in body
    assert "CATEGORIES:Hygge og samvær" in body
