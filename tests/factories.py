"""factory-boy factories for the domain. Events go through the service layer so that tests
see the same occurrences the product makes."""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from events import services
from events.models import LOCAL_TZ, Audience, Branch, Event, Room, Stop, Track


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])

    @factory.post_generation
    def branches(self, create, extracted, **kwargs):
        if create and extracted:
            for branch in extracted:
                branch.staff.add(self)
            self.groups.add(Group.objects.get_or_create(name="staff")[0])
        if create:
            self.save()


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Bibliotek {n}")
    slug = factory.Sequence(lambda n: f"bibliotek-{n}")
    kind = Branch.Kind.LIBRARY
    address = "Dronning Margrethes Vej 14"
    postal_code = "4000"
    city = "Roskilde"
    latitude = "55.641900"
    longitude = "12.080300"


class BookmobileFactory(BranchFactory):
    name = "Bogbussen"
    slug = "bogbussen"
    kind = Branch.Kind.BOOKMOBILE


class StopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stop
        django_get_or_create = ("slug",)

    branch = factory.SubFactory(BookmobileFactory)
    name = factory.Sequence(lambda n: f"Holdeplads {n}")
    slug = factory.Sequence(lambda n: f"holdeplads-{n}")
    address = "Bygaden 1"
    postal_code = "4000"
    city = "Svogerslev"
    latitude = "55.634000"
    longitude = "12.010000"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ("branch", "name")

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Lokale {n}")
    capacity = 40


def track(slug: str = "hygge") -> Track:
    return Track.objects.get(slug=slug)


def audience(slug: str = "voksne") -> Audience:
    return Audience.objects.get(slug=slug)


def local(*args: int) -> datetime:
    """An aware Copenhagen time: local(2026, 3, 24, 19, 0)."""
    return datetime(*args, tzinfo=LOCAL_TZ)


def make_event(
    *,
    branch: Branch | None = None,
    title: str = "Læsekreds",
    start: datetime | None = None,
    duration: timedelta = timedelta(hours=2),
    tracks=None,
    status: str = Event.Status.PUBLISHED,
    **kwargs,
) -> Event:
    """Create an event through the service layer (occurrences included)."""
    branch = branch or BranchFactory()
    start = start or local(2026, 9, 1, 19, 0)
    if branch.is_bookmobile and "stop" not in kwargs:
        kwargs["stop"] = StopFactory(branch=branch)
    return services.event_create(
        branch=branch,
        title=title,
        start=start,
        end=kwargs.pop("end", start + duration),
        tracks=tracks if tracks is not None else [track("hygge")],
        status=status,
        **kwargs,
    )


def upcoming(*, weekday: int = 1, hour: int = 19, weeks: int = 2) -> datetime:
    """An aware Copenhagen time in the future: the first ``weekday`` (0 Monday) at ``hour``
    at least ``weeks`` weeks from today, so tests of changes to the future stay in the future."""
    from django.utils import timezone

    day = timezone.localdate() + timedelta(weeks=weeks)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_TZ)


def past(*, weekday: int = 1, hour: int = 19, weeks: int = 4) -> datetime:
    """An aware Copenhagen time on the first ``weekday`` at or after ``weeks`` weeks ago."""
    from django.utils import timezone

    day = timezone.localdate() - timedelta(weeks=weeks)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_TZ)
