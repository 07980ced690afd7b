"""seed_demo: Roskilde's demo data, idempotent and deterministic for a day."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from demo import events as demo
from events import roles
from events.models import (
    LOCAL_TZ,
    Attendance,
    Branch,
    Event,
    Occurrence,
    Partner,
    Room,
    Stop,
    Track,
)

TODAY = "2026-11-25"
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MODELS = (Branch, Stop, Room, Partner, Event, Occurrence, Attendance, get_user_model())


def _seed(today: str = TODAY) -> str:
    out = StringIO()
    call_command("seed_demo", today=today, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _snapshot() -> list[tuple]:
    return sorted(
        Occurrence.objects.values_list(
            "event__uid",
            "event__title",
            "event__status",
            "start",
            "end",
            "status",
            "cancel_reason",
            "moved",
            "attendance__total",
            "attendance__children",
        )
    )


def test_seed_demo_twice_creates_nothing_the_second_time():
    first = _seed()
    counts = _counts()
    snapshot = _snapshot()
    second = _seed()

    assert _counts() == counts
    assert _snapshot() == snapshot
    assert "Created: nothing." in second
    assert "events: 46" in first
    assert counts["Event"] >= 40
    for username, password in demo.DEMO_PASSWORDS.items():
        assert f"{username} / {password}" in first
        assert f"{username} / {password}" in second


def test_seed_demo_is_deterministic_for_a_day_and_differs_between_days():
    assert demo.plan(date(2026, 11, 25)) == demo.plan(date(2026, 11, 25))
    assert demo.plan(date(2026, 11, 25)) != demo.plan(date(2026, 11, 26))

    _seed()
    snapshot = _snapshot()
    Attendance.objects.all().delete()
    Event.objects.all().delete()
    _seed()

    assert _snapshot() == snapshot


def test_seed_demo_lays_out_a_living_year_around_the_day_with_a_user_per_role():
    output = _seed()
    today = date.fromisoformat(TODAY)
    local_dates = list(Occurrence.objects.values_list("local_date", flat=True))

    assert {b.slug for b in Branch.objects.all()} == {
        "roskilde",
        "jyllinge",
        "viby",
        "gundsoemagle",
        "gadstrup",
        "bogbussen",
    }
    bus = Branch.objects.get(slug="bogbussen")
    assert bus.is_bookmobile
    assert {s.name for s in bus.stops.all()} >= {
        "Svogerslev",
        "Vindinge",
        "Kirke Syv",
        "Snoldelev",
        "Ørsted",
        "Dåstrup",
    }
    assert all(s.latitude and s.longitude and s.address for s in Stop.objects.all())
    for branch in Branch.objects.filter(kind=Branch.Kind.LIBRARY):
        assert branch.rooms.exists(), branch
    # About eight months back and five months ahead, past and upcoming.
    assert min(local_dates) <= today - timedelta(days=200)
    assert max(local_dates) >= today + timedelta(days=140)
    # Every track at more than one branch.
    for track in Track.objects.all():
        branches = set(Event.objects.filter(tracks=track).values_list("branch", flat=True))
        assert len(branches) >= 2, track.slug
    # Single events and weekly and monthly series; bookmobile stops as weekly series.
    assert Event.objects.filter(rrule="").count() >= 15
    assert Event.objects.filter(rrule__contains="FREQ=WEEKLY").count() >= 8
    assert Event.objects.filter(rrule__contains="FREQ=MONTHLY").count() >= 4
    bus_series = Event.objects.filter(branch=bus, stop__isnull=False, rrule__contains="WEEKLY")
    assert bus_series.count() == 6
    # Drafts, a cancelled event, co-creation with named partners.
    assert Event.objects.filter(status=Event.Status.DRAFT).exists()
    cancelled_event = Event.objects.get(status=Event.Status.CANCELLED)
    assert cancelled_event.cancel_reason
    assert Event.objects.filter(co_created=True, partners__isnull=False).distinct().count() >= 5
    # Cancelled occurrences with reasons, moved ones.
    cancelled = Occurrence.objects.filter(status=Occurrence.Status.CANCELLED)
    assert cancelled.count() >= 3
    assert not cancelled.filter(cancel_reason="").exists()
    assert Occurrence.objects.filter(moved=True).exists()
    # Every kind, venue, barometer type and starter the national statistics count by, and the
    # bookmobile's events out in the local community.
    for name, choices in (
        ("kind", Event.Kind),
        ("venue", Event.Venue),
        ("barometer_type", Event.BarometerType),
        ("initiated_by", Event.InitiatedBy),
    ):
        used = set(Event.objects.values_list(name, flat=True))
        assert used >= set(choices.values), name
    assert set(Event.objects.filter(branch=bus).values_list("venue", flat=True)) == {"community"}
    exhibition = Event.objects.get(kind=Event.Kind.EXHIBITION)
    assert exhibition.occurrences.count() > 1
    # Attendance on most past occurrences, some with an age breakdown, some still missing.
    now = min(timezone.now(), demo._local(today, demo.time(12, 0)))
    held = Occurrence.objects.held(now=now).filter(event__status=Event.Status.PUBLISHED)
    with_attendance = held.filter(attendance__isnull=False).count()
    assert with_attendance >= 0.75 * held.count()
    assert held.filter(attendance__isnull=True).exists()
    assert Attendance.objects.filter(children__isnull=False).exists()
    for attendance in Attendance.objects.filter(children__isnull=False):
        assert sum(attendance.by_age.values()) == attendance.total
    assert not Attendance.objects.filter(occurrence__start__gt=now).exists()
    # Danish titles, local times.
    assert Event.objects.filter(title="Strikkecafé").exists()
    strikke = Event.objects.get(title="Strikkecafé").occurrences.first()
    assert strikke.start.astimezone(LOCAL_TZ).hour == 14
    assert "Strikkecafé" in output
    # A user per role, who can log in with the printed password.
    User = get_user_model()
    admin, staff, management = (
        User.objects.get(username=u) for u in ("admin", "medarbejder", "ledelse")
    )

    assert roles.is_admin(admin)
    assert staff.is_staff
    assert not staff.is_superuser
    assert roles.branch_ids(staff) == {Branch.objects.get(slug="jyllinge").pk}
    assert roles.is_management(management)
    assert not roles.is_admin(management)
    assert management.is_staff
    for user in (admin, staff, management):
        assert user.check_password(demo.DEMO_PASSWORDS[user.username])


def test_seed_demo_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("seed_demo", today="25-11-2026", stdout=StringIO())


def test_seed_demo_shows_the_library_website_connector_off():
    """Branches' website names, the staff's mapping rules, events imported from the website
    (read only, with the link to edit them there), one waiting in "Mangler spor", and the last
    run with its counts and one error in words; the connector itself stays off."""
    from django.conf import settings

    from demo import dplcms as demo_dplcms
    from dplcms import services as dpl_services
    from dplcms.models import ImportedInstance, ImportedSeries, MappingRule, SyncRun

    _seed()
    assert not settings.DPL_CMS_URL
    assert Branch.objects.get(slug="viby").dpl_cms_names == "Viby Bibliotek"
    assert "Hovedbiblioteket" in Branch.objects.get(slug="roskilde").dpl_cms_names
    children = MappingRule.objects.get(source="category", name="Børn")
    assert [a.slug for a in children.audiences.all()] == ["boern"]
    knit = MappingRule.objects.get(source="tag", name="Strikkecafé")
    assert {t.slug for t in knit.tracks.all()} == {"hygge", "indgang-til-faellesskab"}

    knitting = ImportedSeries.objects.get(event__title="Strikkecafé i Viby").event
    assert knitting.is_public
    assert knitting.occurrences.count() == 3
    assert {t.slug for t in knitting.tracks.all()} == {"hygge", "indgang-til-faellesskab"}
    story = ImportedSeries.objects.get(event__title="Højtlæsning for de mindste").event
    assert [a.slug for a in story.audiences.all()] == ["boern"]
    queued = dpl_services.queue().get()
    assert queued.event is None
    assert queued.queue_reason  # in words, in the language the seeding ran in
    assert queued.instances.get().title == "Koncert med Roskilde Musikskole"
    run = SyncRun.objects.get()
    assert (run.state, run.created, run.queued, run.failed) == ("succeeded", 5, 1, 1)
    errors = [e for e in run.errors if e.get("level") != "notice"]
    assert len(errors) == 1
    assert errors[0]["uuid"] == demo_dplcms.uid("filmklub-jyllinge")  # its dates are wrong
    assert errors[0]["message"]
    assert ImportedInstance.objects.count() == 6

    snapshot, uids = _snapshot(), sorted(Event.objects.values_list("uid", flat=True))
    _seed()  # idempotent: no second run, nothing new
    assert SyncRun.objects.count() == 1
    assert (_snapshot(), sorted(Event.objects.values_list("uid", flat=True))) == (snapshot, uids)
