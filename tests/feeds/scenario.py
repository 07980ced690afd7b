"""A small library calendar with every case a feed must get right, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from events import services
from events.models import Event
from tests import factories
from tests.factories import local, make_event, track


@dataclass
class Scenario:
    jyllinge: object
    viby: object
    bookmobile: object
    stop: object
    weekly: Event
    detaching: Event
    all_day: Event
    all_day_series: Event
    at_stop: Event
    cancelled: Event
    draft: Event
    old: Event
    long_running: Event
    single_moved: Event
    explicit: Event | None = None


def build() -> Scenario:
    jyllinge = factories.BranchFactory(
        name="Jyllinge Bibliotek",
        slug="jyllinge",
        email="jyllinge@example.org",
        address="Bygaden 2",
        postal_code="4040",
        city="Jyllinge",
    )
    viby = factories.BranchFactory(name="Viby Bibliotek", slug="viby", city="Viby Sj.")
    bookmobile = factories.BookmobileFactory()
    stop = factories.StopFactory(branch=bookmobile, name="Svogerslev", slug="svogerslev")
    room = factories.RoomFactory(branch=jyllinge, name="Salen")
    other_room = factories.RoomFactory(branch=jyllinge, name="Læsesalen")

    # Weekly at 19:00 on Tuesdays across both daylight-saving changes of 2026, open-ended.
    weekly = make_event(
        branch=jyllinge,
        title="Strikkecafé",
        start=local(2026, 2, 3, 19, 0),
        room=room,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        exdates=["2026-04-07"],
        tracks=[track("hygge"), track("indgang-til-faellesskab")],
        audiences=[factories.audience("voksne")],
        description="Tag dit strikketøj med.",
    )
    occ = {
        o.original_start.astimezone(local(2026, 1, 1).tzinfo).date().isoformat(): o
        for o in weekly.occurrences.all()
    }
    services.occurrence_cancel(occurrence=occ["2026-03-10"], reason="Sygdom")
    services.occurrence_move(occurrence=occ["2026-03-31"], start=local(2026, 4, 1, 17, 30))
    services.occurrence_move(
        occurrence=occ["2026-10-27"], start=local(2026, 10, 27, 19, 0), room=other_room
    )

    # A daily series of five; one day gets attendance and is then excluded: it is kept,
    # detached, and published as an event of its own.
    detaching = make_event(
        branch=viby,
        title="Sommerlæsning",
        start=local(2026, 2, 2, 10, 0),
        duration=timedelta(hours=1),
        rrule="FREQ=DAILY;COUNT=5",
        tracks=[track("fordybelse")],
        audiences=[factories.audience("boern")],
    )
    kept = detaching.occurrences.get(local_date="2026-02-03")
    services.attendance_record(occurrence=kept, total=12)
    detaching = services.event_update(event=detaching, exdates=["2026-02-03"])

    all_day = make_event(
        branch=viby,
        title="Bogudsalg",
        start=local(2026, 5, 1, 0, 0),
        end=local(2026, 5, 2, 0, 0),
        all_day=True,
        tracks=[track("en-lokal-aktoer")],
    )
    all_day_series = make_event(
        branch=viby,
        title="Udstilling",
        start=local(2026, 6, 8, 0, 0),
        end=local(2026, 6, 9, 0, 0),
        all_day=True,
        rrule="FREQ=DAILY;UNTIL=20260612",
        tracks=[track("fordybelse")],
    )
    at_stop = make_event(
        branch=bookmobile,
        stop=stop,
        title="Bogbussen holder",
        start=local(2026, 3, 5, 15, 0),
        rrule="FREQ=WEEKLY;COUNT=6",
        tracks=[track("struktur-for-livet")],
    )
    cancelled = make_event(branch=jyllinge, title="Foredrag", start=local(2026, 4, 20, 19, 0))
    cancelled = services.event_cancel(event=cancelled, reason="Foredragsholderen er syg")
    draft = make_event(
        branch=jyllinge,
        title="Hemmeligt",
        start=local(2026, 4, 21, 19, 0),
        status=Event.Status.DRAFT,
    )
    old = make_event(branch=jyllinge, title="Gammelt", start=local(2025, 6, 1, 19, 0))
    long_running = make_event(
        branch=viby,
        title="Lektiecafé",
        start=local(2025, 10, 7, 16, 0),
        rrule="FREQ=WEEKLY;INTERVAL=2",
        tracks=[track("viden-og-vejledning")],
    )
    single_moved = make_event(
        branch=viby, title="Koncert", start=local(2026, 9, 1, 19, 0), tracks=[track("hygge")]
    )
    services.occurrence_move(
        occurrence=single_moved.occurrences.get(), start=local(2026, 9, 2, 20, 0)
    )
    # Same rule and time as "Strikkecafé" in another branch, with its own cancellation: readers
    # must keep each event's overrides to its own UID (ical.js does not unless told to).
    twin = make_event(
        branch=viby,
        title="Strikkecafé i Viby",
        start=local(2026, 2, 3, 19, 0),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=20",
        tracks=[track("hygge")],
    )
    services.occurrence_cancel(occurrence=twin.occurrences.get(local_date="2026-03-17"))
    # A series of explicit dates (as dpl-cms sends them): arbitrary days and times, across the
    # spring change; one date cancelled, one moved.
    explicit = make_event(
        branch=jyllinge,
        title="Sprogcafé",
        start=local(2026, 3, 4, 16, 0),
        rdates=[local(2026, 3, 12, 10, 30), local(2026, 3, 30, 16, 0), local(2026, 5, 2, 11, 0)],
        tracks=[track("indgang-til-faellesskab")],
    )
    explicit_occ = {o.local_date.isoformat(): o for o in explicit.occurrences.all()}
    services.occurrence_cancel(occurrence=explicit_occ["2026-03-12"], reason="Lukket")
    services.occurrence_move(occurrence=explicit_occ["2026-05-02"], start=local(2026, 5, 3, 12, 0))
    for e in (weekly, detaching, single_moved, explicit):
        e.refresh_from_db()
    return Scenario(
        jyllinge,
        viby,
        bookmobile,
        stop,
        weekly,
        detaching,
        all_day,
        all_day_series,
        at_stop,
        cancelled,
        draft,
        old,
        long_running,
        single_moved,
        explicit,
    )
