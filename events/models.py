"""The domain core: tracks, places, events, occurrences and attendance.

Rules live in ``events/services.py`` (writes) and ``events/selectors.py`` (reads); the models
hold structure, constraints and small derived properties only.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .clock import LOCAL_TZ, local_date_of


class BilingualNameMixin(models.Model):
    """Danish and English names; ``name`` follows the active language, Danish first."""

    name_da = models.CharField(_("name (Danish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_da

    @property
    def name(self) -> str:
        if (get_language() or "da").startswith("en") and self.name_en:
            return self.name_en
        return self.name_da


class Track(BilingualNameMixin):
    """One of the strategy's seven tracks (spor). Seeded by a data migration."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    description_da = models.TextField(_("description (Danish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    @property
    def description(self) -> str:
        if (get_language() or "da").startswith("en") and self.description_en:
            return self.description_en
        return self.description_da


class Audience(BilingualNameMixin):
    """Who an event is for (children, families, adults, ...). Seeded by a data migration."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")


class Branch(models.Model):
    """A local library, or the bookmobile (Bogbussen)."""

    class Kind(models.TextChoices):
        LIBRARY = "library", _("Local library")
        BOOKMOBILE = "bookmobile", _("Bookmobile")

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.LIBRARY)
    area = models.CharField(_("local area"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    dpl_cms_names = models.TextField(
        _("names on the library website"),
        blank=True,
        help_text=_(
            "The branch's name(s) as the library website (dpl-cms) spells them, one per line; "
            "imported events are placed here by them."
        ),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        related_name="branches",
        blank=True,
        help_text=_("Staff who may schedule events and record attendance here."),
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name

    @property
    def is_bookmobile(self) -> bool:
        return self.kind == self.Kind.BOOKMOBILE

    @property
    def full_address(self) -> str:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join(p for p in (self.address, place) if p)


class Stop(models.Model):
    """A bookmobile stop (holdeplads)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("bookmobile"), on_delete=models.PROTECT, related_name="stops"
    )
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["branch", "order", "name"]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join(p for p in (self.address, place) if p)


class Room(models.Model):
    """A room or place inside a branch."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)

    class Meta:
        ordering = ["branch", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="room_unique_name_per_branch")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.branch.name})"


class Partner(models.Model):
    """A local partner an event is made with (samskabelse)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    url = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


MAX_COUNT = 100_000  # a head count or capacity larger than this is a typo (events.services)


def new_event_uid() -> str:
    return f"{uuid.uuid4()}@{settings.EVENT_UID_DOMAIN}"


IMAGE_LARGE_WIDTH = 1200  # the event page, JSON-LD and feeds
IMAGE_THUMBNAIL_WIDTH = 400  # lists


def scaled_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """A picture's size when it is made at most ``max_width`` wide (never upscaled)."""
    if width <= max_width:
        return width, height
    return max_width, max(1, round(height * max_width / width))


def event_image_path(event: Event, filename: str) -> str:
    return f"events/{filename}"


class EventQuerySet(models.QuerySet["Event"]):
    def public(self) -> EventQuerySet:
        """What citizens may see: never drafts (``public_q``)."""
        return self.filter(public_q())


class Event(models.Model):
    """What is announced: a single event or a recurring series."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        """What the national statistics count by (DESIGN.md, N1-N3)."""

        ARRANGEMENT = "arrangement", _("Event (arrangement)")
        EXHIBITION = "exhibition", _("Exhibition")
        TEACHING = "teaching", _("User teaching (announced course)")
        OTHER = "other", _("Other")

    class Venue(models.TextChoices):
        LIBRARY = "library", _("In the library")
        COMMUNITY = "community", _("Out in the local community")
        ONLINE = "online", _("Online")

    class BarometerType(models.TextChoices):
        """Slots- og Kulturstyrelsen's library barometer asks for these types."""

        LITERATURE = "literature", _("Literature")
        TALK = "talk", _("Talk")
        MUSIC = "music", _("Music")
        AUTHOR = "author", _("Author event")
        DEBATE = "debate", _("Debate")
        READING_CLUB = "reading_club", _("Reading club")
        OTHER = "other", _("Other")

    class InitiatedBy(models.TextChoices):
        LIBRARY = "library", _("The library")
        USERS = "users", _("Users")

    uid = models.CharField(
        _("UID"), max_length=255, unique=True, default=new_event_uid, editable=False
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="events"
    )
    stop = models.ForeignKey(
        Stop,
        verbose_name=_("stop"),
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    place = models.CharField(
        _("place"),
        max_length=300,
        blank=True,
        help_text=_("Optional: where in or outside the branch, if not a room."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    tracks = models.ManyToManyField(Track, verbose_name=_("tracks"), related_name="events")
    audiences = models.ManyToManyField(
        Audience, verbose_name=_("audiences"), related_name="events", blank=True
    )
    partners = models.ManyToManyField(
        Partner, verbose_name=_("partners"), related_name="events", blank=True
    )
    co_created = models.BooleanField(
        _("co-created"),
        default=False,
        help_text=_("Made together with citizens or a local partner."),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.ARRANGEMENT, db_index=True
    )
    venue = models.CharField(
        _("venue"),
        max_length=16,
        choices=Venue.choices,
        default=Venue.LIBRARY,
        help_text=_("Bookmobile events are held out in the local community."),
    )
    barometer_type = models.CharField(
        _("barometer type"), max_length=16, choices=BarometerType.choices, blank=True
    )
    initiated_by = models.CharField(
        _("started by"),
        max_length=16,
        choices=InitiatedBy.choices,
        blank=True,
        help_text=_("Optional: whether the library or its users started it (e.g. a reading club)."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    all_day = models.BooleanField(_("all day"), default=False)
    rrule = models.CharField(
        _("recurrence (RRULE)"),
        max_length=500,
        blank=True,
        help_text=_("RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10. Empty for a single event."),
    )
    exdates = models.JSONField(
        _("excluded dates"),
        default=list,
        blank=True,
        help_text=_("Local dates (YYYY-MM-DD) on which the series is not held."),
    )
    rdates = models.JSONField(
        _("explicit dates"),
        default=list,
        blank=True,
        help_text=_(
            "Further local start times (YYYY-MM-DDTHH:MM:SS) of a series without a rule, "
            "e.g. one imported from the library website; each on a date of its own."
        ),
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True)
    # The picture (events/images.py makes both files from the upload, without its metadata).
    image = models.ImageField(
        _("picture"),
        upload_to=event_image_path,
        max_length=200,
        blank=True,
        help_text=_(
            "Optional. JPEG, PNG, WebP or GIF; it is resized to 1200 pixels wide and its "
            "metadata (camera, position) removed."
        ),
    )
    image_alt = models.CharField(
        _("picture description (alt text)"),
        max_length=300,
        blank=True,
        help_text=_(
            "Required with a picture: what it shows, for those who cannot see it "
            "(e.g. “Children building with LEGO at a table”)."
        ),
    )
    image_thumbnail = models.ImageField(
        _("thumbnail"), upload_to=event_image_path, max_length=200, blank=True, editable=False
    )
    image_width = models.PositiveIntegerField(_("picture width"), null=True, editable=False)
    image_height = models.PositiveIntegerField(_("picture height"), null=True, editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(
        _("modified"), default=timezone.now, editable=False, db_index=True
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["branch", "status", "start"]),
            # The API's event list in its order: a page (and its light query, issue 19) reads
            # the first rows of the index instead of sorting every event.
            models.Index(fields=["start", "id"], name="event_start_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="event_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("pages:event-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        if self.image and not self.image_alt.strip():
            raise ValidationError(
                {
                    "image_alt": [
                        _("Describe the picture (alt text): it is required when there is one.")
                    ]
                },
                code="alt_required",
            )

    @property
    def thumbnail_size(self) -> tuple[int, int] | None:
        """Width and height of the thumbnail (IMAGE_THUMBNAIL_WIDTH wide at most)."""
        if not (self.image_thumbnail and self.image_width and self.image_height):
            return None
        return scaled_size(self.image_width, self.image_height, IMAGE_THUMBNAIL_WIDTH)

    @property
    def is_recurring(self) -> bool:
        """A series: by a rule, or by an explicit list of dates."""
        return bool(self.rrule or self.rdates)

    @property
    def duration(self):
        return self.end - self.start

    @property
    def is_public(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def is_cancelled(self) -> bool:
        """The whole event is cancelled (its part of counting rule 4)."""
        return self.status == self.Status.CANCELLED


class OccurrenceQuerySet(models.QuerySet["Occurrence"]):
    def public(self) -> OccurrenceQuerySet:
        return self.filter(public_q(prefix="event__"))

    def held(self, *, now: datetime | None = None) -> OccurrenceQuerySet:
        """Counting rule 1: ended and not cancelled (nor the whole event cancelled)."""
        return self.filter(held_q(now=now))


def public_q(*, prefix: str = "") -> Q:
    """What citizens may see of events, as a condition: never drafts. ``prefix`` reaches the
    event through a relation (``"event__"`` from an occurrence)."""
    return ~Q(**{f"{prefix}status": Event.Status.DRAFT})


def held_q(*, now: datetime | None = None, prefix: str = "") -> Q:
    """Counting rule 1 as a condition, usable in ``filter()`` and in an aggregate's ``filter=``
    (status figures count held and cancelled occurrences in one pass). ``prefix`` reaches the
    occurrence through a relation, e.g. ``"occurrence__"``. A draft's occurrences are never
    held: a draft was never announced, and no attendance can be recorded for it.

    The occurrence's part and its event's part are also given alone
    (``occurrence_held_q``, ``event_counted_q``), for queries that read them apart."""
    return occurrence_held_q(now=now, prefix=prefix) & event_counted_q(prefix=f"{prefix}event__")


def occurrence_held_q(*, now: datetime | None = None, prefix: str = "") -> Q:
    """The occurrence's own part of rule 1: it has ended and is not cancelled itself."""
    now = now or timezone.now()
    return Q(**{f"{prefix}end__lte": now, f"{prefix}status": Occurrence.Status.SCHEDULED})


def event_counted_q(*, prefix: str = "") -> Q:
    """The event's part of rule 1: the event is neither cancelled as a whole nor a draft.
    ``prefix`` reaches the event through a relation, e.g. ``"event__"``."""
    return ~Q(**{f"{prefix}status__in": (Event.Status.CANCELLED, Event.Status.DRAFT)})


def cancelled_q(*, prefix: str = "") -> Q:
    """Counting rule 4: the occurrence, or its whole event, is cancelled (the two parts alone:
    ``occurrence_cancelled_q``, ``event_cancelled_q``)."""
    return occurrence_cancelled_q(prefix=prefix) | event_cancelled_q(prefix=f"{prefix}event__")


def occurrence_cancelled_q(*, prefix: str = "") -> Q:
    """The occurrence's own part of rule 4: this one occurrence is cancelled."""
    return Q(**{f"{prefix}status": Occurrence.Status.CANCELLED})


def event_cancelled_q(*, prefix: str = "") -> Q:
    """The event's part of rule 4: the whole event is cancelled."""
    return Q(**{f"{prefix}status": Event.Status.CANCELLED})


class Occurrence(models.Model):
    """One dated happening of an event, materialised from its recurrence."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="occurrences"
    )
    original_start = models.DateTimeField(
        _("original start"), help_text=_("The time given by the recurrence rule (RECURRENCE-ID).")
    )
    start = models.DateTimeField(_("start"))  # indexed with the id: Meta.indexes
    end = models.DateTimeField(_("end"))
    local_date = models.DateField(_("local date"), editable=False)
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        on_delete=models.PROTECT,
        related_name="occurrences",
        null=True,
        blank=True,
        help_text=_("Only if different from the event's room."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    moved = models.BooleanField(_("moved"), default=False)
    detached = models.BooleanField(
        _("outside the rule"),
        default=False,
        help_text=_(
            "No longer fits the series' rule but is kept (for instance because it has attendance)."
        ),
    )
    updated_at = models.DateTimeField(_("modified"), default=timezone.now, editable=False)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="occurrence_unique_original_start"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="occurrence_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["local_date", "status"]),
            # By local date, with what the status figures read of each occurrence, so that a
            # year's occurrences are read from the index alone
            # (tasks.services.figures._figures_into); it also serves every lookup by local date.
            models.Index(
                fields=["local_date", "event", "status", "end", "id"],
                name="occurrence_counts_idx",
            ),
            # The occurrences that ended since the figures were last brought up to date: they
            # became held by the clock alone (tasks.services.figures.status_update).
            models.Index(fields=["end"], name="occurrence_end_idx"),
            # Every list of occurrences is ordered by (start, id): a page of the API's list
            # reads its rows from the index in order, with no sort (issue 19).
            models.Index(fields=["start", "id"], name="occurrence_start_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event.title} {self.start.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        self.local_date = local_date_of(self.start)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "start" in update_fields:
            kwargs["update_fields"] = {*update_fields, "local_date"}
        super().save(*args, **kwargs)

    @property
    def is_cancelled(self) -> bool:
        """Counting rule 4: this occurrence, or its whole event, is cancelled (in a query:
        ``cancelled_q``). Pages, feeds and the API ask this instead of reading the statuses."""
        return self.status == self.Status.CANCELLED or self.event.is_cancelled

    @property
    def counted_years(self) -> set[int]:
        """The years whose status figures may count this occurrence: that of its local date
        (rule 3), and that of its original slot, in case it was moved across New Year."""
        return {self.local_date.year, self.original_start.astimezone(LOCAL_TZ).year}

    @property
    def effective_room(self) -> Room | None:
        return self.room or self.event.room


class AgeGroupsMixin(models.Model):
    children = models.PositiveIntegerField(_("children (0-12)"), null=True, blank=True)
    youth = models.PositiveIntegerField(_("youth (13-17)"), null=True, blank=True)
    adults = models.PositiveIntegerField(_("adults (18-64)"), null=True, blank=True)
    seniors = models.PositiveIntegerField(_("seniors (65+)"), null=True, blank=True)

    AGE_GROUPS = ("children", "youth", "adults", "seniors")

    class Meta:
        abstract = True

    @property
    def by_age(self) -> dict[str, int] | None:
        values = {g: getattr(self, g) for g in self.AGE_GROUPS}
        if all(v is None for v in values.values()):
            return None
        return {g: v or 0 for g, v in values.items()}


class Attendance(AgeGroupsMixin):
    """The head count of one occurrence; corrections keep the earlier values in history."""

    occurrence = models.OneToOneField(
        Occurrence,
        verbose_name=_("occurrence"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    total = models.PositiveIntegerField(_("total attendance"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance records")
        indexes = [
            # The counts by occurrence, so that a year's status figures look up each of the
            # year's occurrences in the index alone (tasks.services.figures._figures_into)
            # instead of reading every attendance record ever made.
            models.Index(
                fields=["occurrence", "total", "children", "youth", "adults", "seniors"],
                name="attendance_counts_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    children__isnull=True,
                    youth__isnull=True,
                    adults__isnull=True,
                    seniors__isnull=True,
                )
                | Q(
                    total=models.F("children")
                    + models.F("youth")
                    + models.F("adults")
                    + models.F("seniors")
                ),
                name="attendance_age_groups_add_up",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurrence}: {self.total}"


class AttendanceRevision(AgeGroupsMixin):
    """An earlier value of an attendance record, kept when it was corrected."""

    attendance = models.ForeignKey(
        Attendance, verbose_name=_("attendance"), on_delete=models.CASCADE, related_name="revisions"
    )
    total = models.PositiveIntegerField(_("total attendance"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"))
    superseded_at = models.DateTimeField(_("superseded"), default=timezone.now)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("superseded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-superseded_at", "-pk"]
        verbose_name = _("earlier attendance value")
        verbose_name_plural = _("earlier attendance values")

    def __str__(self) -> str:
        return f"{self.total} ({self.recorded_at:%Y-%m-%d %H:%M})"


class Change(models.Model):
    """Who changed what, and when: one row for each write of an event, one of its occurrences or
    their attendance, saved in the write's own transaction (``events.services``). The event's
    UID and title are copied, so the trail of a deleted event stays readable."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Changed")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        RESTORED = "restored", _("Published again")
        DELETED = "deleted", _("Deleted")
        OCCURRENCE_CANCELLED = "occurrence_cancelled", _("Occurrence cancelled")
        OCCURRENCE_REASON = "occurrence_reason", _("Reason for cancellation corrected")
        OCCURRENCE_RESTORED = "occurrence_restored", _("Occurrence restored")
        OCCURRENCE_MOVED = "occurrence_moved", _("Occurrence moved")
        ATTENDANCE_RECORDED = "attendance_recorded", _("Attendance recorded")
        ATTENDANCE_CORRECTED = "attendance_corrected", _("Attendance corrected")

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    event_uid = models.CharField(_("event UID"), max_length=255)
    event_title = models.CharField(_("event title"), max_length=200)
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("occurrence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [models.Index(fields=["event", "at"], name="change_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.event_title}"


class TouchedYear(models.Model):
    """A local year whose counted occurrences a write changed (created, moved, re-timed,
    cancelled, deleted, or given attendance), saved in the write's own transaction: the durable
    record that the year's stored status figures are stale. Append-only; the recompute of the
    year deletes the rows it has seen (``tasks.services.figures.status_recompute``), so a
    change made while it runs keeps the year marked."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    # The event whose occurrences changed (a plain number: the event may be deleted since), so
    # that the figures can be updated for that event alone; empty when the write does not say,
    # and then the year is recomputed as a whole (tasks.services.figures.status_refresh).
    event_id = models.PositiveIntegerField(_("event"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("year with stale figures")
        verbose_name_plural = _("years with stale figures")

    def __str__(self) -> str:
        return f"{self.year} ({self.created_at:%Y-%m-%d %H:%M:%S})"
