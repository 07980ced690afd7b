"""Serializers: output shapes of the resources, and input shapes that check types only.

The rules of the domain (a bookmobile event needs a stop, age groups add up, ...) live in
``events/services.py``; input serializers turn JSON into the services' arguments and nothing
more. Every field carries a description for the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events import roles, selectors
from events.models import (
    MAX_COUNT,
    Attendance,
    Audience,
    Branch,
    Change,
    Event,
    Occurrence,
    Partner,
    Room,
    Stop,
    Track,
)

from .fields import BoundedDateField, LocalDateTimeField
from .representations import CachedRepresentation


def _model_help(model: type[Model], name: str) -> Any:
    """The (lazy) help text of a model's field: a field the model describes is described there
    once, for the admin and the API schema alike (ModelSerializer fields take it by themselves)."""
    return getattr(model._meta.get_field(name), "help_text", "")


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class BlankableURLField(serializers.CharField):
    """A link that may be empty: "" is not a URI, so the schema says "a URI or nothing".
    Otherwise DRF's URLField (a CharField with Django's URL validator)."""

    default_error_messages = serializers.URLField.default_error_messages

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # checked here, not as a validator, which the schema would state as "format: uri"
        if value:
            try:
                URLValidator()(value)
            except DjangoValidationError:
                self.fail("invalid")
        return value


# ModelSerializers map the models' optional links to BlankableURLField.
URL_MAPPING = {**serializers.ModelSerializer.serializer_field_mapping}
URL_MAPPING[models.URLField] = BlankableURLField


class CountField(serializers.IntegerField):
    """A head count or capacity: 0 or more. Its upper bound, MAX_COUNT, is the services' rule
    (the admin and the API refuse alike, with the service's message); it is set after the
    field's validators are made, so that the schema states it without the field checking it a
    second time. (Set in ``__init__``: DRF copies a field by calling it again with its
    arguments, so an attribute set from outside would be lost in every serializer instance.)"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, **kwargs)
        self.max_value = MAX_COUNT


def _count(**kwargs: Any) -> serializers.IntegerField:
    return CountField(**kwargs)


def _translated_name() -> serializers.CharField:
    """A track's or audience's name (the model gives it in the language of the request)."""
    return serializers.CharField(
        read_only=True, help_text=_("Name in the language of the request.")
    )


# --- subscription links -------------------------------------------------------------------


class CalendarLinksSerializer(serializers.Serializer):
    ics = serializers.URLField(help_text=_("iCalendar feed over https (Outlook, Thunderbird)."))
    webcal = serializers.CharField(
        help_text=_("The same feed as a webcal:// link (Apple Calendar, Outlook).")
    )
    google = serializers.URLField(help_text=_("Adds the feed to Google Calendar."))
    rss = serializers.URLField(help_text=_("RSS 2.0 feed for feed readers."))
    atom = serializers.URLField(help_text=_("Atom feed for feed readers."))


class EventLinksSerializer(serializers.Serializer):
    ics = serializers.URLField(help_text=_("This event as an iCalendar file."))
    webcal = serializers.CharField(help_text=_("The same as a webcal:// link."))
    google = serializers.URLField(help_text=_("Adds the event's calendar file to Google Calendar."))


def _links(serializer: serializers.Serializer, **selection: Any) -> dict[str, str]:
    from feeds.links import calendar_links  # feeds builds on events, not the other way round

    return calendar_links(request=serializer.context.get("request"), **selection)


# --- compact references -------------------------------------------------------------------


class TrackRefSerializer(serializers.ModelSerializer):
    name = _translated_name()

    class Meta:
        model = Track
        fields = ["slug", "name"]
        extra_kwargs = {"slug": {"help_text": _("Identifier of the track.")}}


class AudienceRefSerializer(serializers.ModelSerializer):
    name = _translated_name()

    class Meta:
        model = Audience
        fields = ["slug", "name"]
        extra_kwargs = {"slug": {"help_text": _("Identifier of the audience.")}}


class BranchRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Branch
        fields = ["slug", "name", "kind"]
        extra_kwargs = {
            "slug": {"help_text": _("Identifier of the branch.")},
            "name": {"help_text": _("Name of the branch.")},
            "kind": {"help_text": _("A local library or the bookmobile.")},
        }


class StopRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stop
        fields = ["slug", "name"]
        extra_kwargs = {
            "slug": {"help_text": _("Identifier of the bookmobile stop.")},
            "name": {"help_text": _("Name of the stop.")},
        }


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name", "capacity"]
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the room.")},
            "name": {"help_text": _("Name of the room.")},
            "capacity": {"help_text": _("How many people the room holds, if known.")},
        }


class PartnerRefSerializer(serializers.ModelSerializer):
    serializer_field_mapping = URL_MAPPING

    class Meta:
        model = Partner
        fields = ["id", "name", "url"]
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the partner.")},
            "name": {"help_text": _("Name of the partner.")},
            "url": {"help_text": _("The partner's website.")},
        }


# --- tracks, audiences, branches, stops ---------------------------------------------------


class TrackSerializer(serializers.ModelSerializer):
    name = _translated_name()
    description = serializers.CharField(
        read_only=True, help_text=_("What the track stands for, in the language of the request.")
    )
    links = serializers.SerializerMethodField(help_text=_("Subscribe to this track's calendar."))

    class Meta:
        model = Track
        fields = ["slug", "name", "name_da", "name_en", "description", "order", "links"]
        extra_kwargs = {
            "slug": {"help_text": _("Identifier of the track, used in filters and feeds.")},
            "name_da": {"help_text": _("Danish name.")},
            "name_en": {"help_text": _("English name.")},
            "order": {"help_text": _("Position in lists.")},
        }

    @extend_schema_field(CalendarLinksSerializer)
    def get_links(self, obj: Track) -> dict[str, str]:
        return _links(self, tracks=[obj.slug])


class AudienceSerializer(serializers.ModelSerializer):
    name = _translated_name()

    class Meta:
        model = Audience
        fields = ["slug", "name", "name_da", "name_en", "order"]
        extra_kwargs = {
            "slug": {"help_text": _("Identifier of the audience, used in filters.")},
            "name_da": {"help_text": _("Danish name.")},
            "name_en": {"help_text": _("English name.")},
            "order": {"help_text": _("Position in lists.")},
        }


_PLACE_HELP = {
    "slug": {"help_text": _("Identifier, used in filters and feeds.")},
    "name": {"help_text": _("Name.")},
    "address": {"help_text": _("Street address.")},
    "postal_code": {"help_text": _("Postal code.")},
    "city": {"help_text": _("City.")},
    "latitude": {"help_text": _("Latitude (WGS 84).")},
    "longitude": {"help_text": _("Longitude (WGS 84).")},
}


# The fields of a branch and of a stop that the API reads and an administrator writes.
BRANCH_FIELDS = (
    "slug",
    "name",
    "kind",
    "area",
    "address",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "email",
    "phone",
    "url",
    "description",
)
STOP_FIELDS = ("slug", "name", "branch", "address", "postal_code", "city", "latitude", "longitude")


class StopSerializer(serializers.ModelSerializer):
    branch: serializers.SlugRelatedField[Branch] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        help_text=_("The bookmobile (branch) this stop belongs to."),
    )
    links = serializers.SerializerMethodField(help_text=_("Subscribe to this stop's calendar."))

    class Meta:
        model = Stop
        fields = [*STOP_FIELDS, "links"]
        extra_kwargs = _PLACE_HELP

    @extend_schema_field(CalendarLinksSerializer)
    def get_links(self, obj: Stop) -> dict[str, str]:
        return _links(self, stops=[obj.slug])


class BranchSerializer(serializers.ModelSerializer):
    serializer_field_mapping = URL_MAPPING

    stops = StopSerializer(
        many=True, read_only=True, help_text=_("The bookmobile's stops (empty for a library).")
    )
    rooms = RoomSerializer(
        many=True, read_only=True, help_text=_("Rooms and places in the branch.")
    )
    links = serializers.SerializerMethodField(help_text=_("Subscribe to this branch's calendar."))

    class Meta:
        model = Branch
        fields = [*BRANCH_FIELDS, "stops", "rooms", "links"]
        extra_kwargs = {
            **_PLACE_HELP,
            "kind": {"help_text": _("A local library or the bookmobile.")},
            "area": {"help_text": _("The local area the branch serves.")},
            "email": {"help_text": _("Contact email.")},
            "phone": {"help_text": _("Contact phone number.")},
            "url": {"help_text": _("The branch's web page.")},
            "description": {"help_text": _("About the branch.")},
        }

    @extend_schema_field(CalendarLinksSerializer)
    def get_links(self, obj: Branch) -> dict[str, str]:
        return _links(self, branches=[obj.slug])


# --- events -------------------------------------------------------------------------------


class PictureSizeSerializer(serializers.Serializer):
    url = serializers.URLField(help_text=_("Absolute URL of the JPEG."))
    width = serializers.IntegerField(help_text=_("Width in pixels."))
    height = serializers.IntegerField(help_text=_("Height in pixels."))


class PictureSerializer(PictureSizeSerializer):
    alt = serializers.CharField(help_text=_("What the picture shows (alt text)."))
    thumbnail = PictureSizeSerializer(help_text=_("A small version for lists."))


def picture_data(event: Event, request=None) -> dict[str, Any] | None:
    """An event's picture as the API and the embed endpoint give it, or None."""
    from feeds.links import absolute

    thumbnail = event.thumbnail_size
    if not event.image or thumbnail is None:
        return None
    return {
        "url": absolute(event.image.url, request),
        "width": event.image_width,
        "height": event.image_height,
        "alt": event.image_alt,
        "thumbnail": {
            "url": absolute(event.image_thumbnail.url, request),
            "width": thumbnail[0],
            "height": thumbnail[1],
        },
    }


KIND_HELP = _(
    "What the national statistics count the event as: arrangement, exhibition, teaching "
    "(announced user teaching) or other."
)
VENUE_HELP = _(
    "library (in the library), community (out in the local community) or online. Left out "
    "when creating: community for the bookmobile, else library."
)
BAROMETER_HELP = _(
    "Optional type for the library barometer: literature, talk, music, author, debate, "
    "reading_club or other; empty for none."
)
INITIATED_BY_HELP = _("Optional: library or users (who started it); empty for not said.")


class EventSerializer(CachedRepresentation, serializers.ModelSerializer):
    serializer_field_mapping = URL_MAPPING
    cache_related = ("branch", "stop", "room", "tracks", "audiences", "partners")

    branch = BranchRefSerializer(read_only=True, help_text=_("Where the event is held."))
    stop = StopRefSerializer(
        read_only=True, allow_null=True, help_text=_("The bookmobile stop, for a bookmobile event.")
    )
    room = RoomSerializer(read_only=True, allow_null=True, help_text=_("The room, if any."))
    tracks = TrackRefSerializer(
        many=True, read_only=True, help_text=_("The strategy's tracks the event serves.")
    )
    audiences = AudienceRefSerializer(
        many=True, read_only=True, help_text=_("Who the event is for.")
    )
    partners = PartnerRefSerializer(
        many=True, read_only=True, help_text=_("Partners the event is made with.")
    )
    start = LocalDateTimeField(
        read_only=True, help_text=_("Start of the first occurrence, Copenhagen time with offset.")
    )
    end = LocalDateTimeField(
        read_only=True, help_text=_("End of the first occurrence, Copenhagen time with offset.")
    )
    created_at = LocalDateTimeField(read_only=True, help_text=_("When the event was created."))
    updated_at = LocalDateTimeField(read_only=True, help_text=_("When the event was last changed."))
    links = serializers.SerializerMethodField(help_text=_("Add this event to a calendar."))
    image = serializers.SerializerMethodField(help_text=_("The event's picture, if any."))
    # Optional choices: empty when not said (a read-only field from the model would not say so).
    barometer_type = serializers.ChoiceField(
        choices=Event.BarometerType.choices,
        allow_blank=True,
        read_only=True,
        help_text=BAROMETER_HELP,
    )
    initiated_by = serializers.ChoiceField(
        choices=Event.InitiatedBy.choices,
        allow_blank=True,
        read_only=True,
        help_text=INITIATED_BY_HELP,
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "title",
            "description",
            "status",
            "cancel_reason",
            "branch",
            "stop",
            "room",
            "place",
            "tracks",
            "audiences",
            "partners",
            "co_created",
            "kind",
            "venue",
            "barometer_type",
            "initiated_by",
            "start",
            "end",
            "all_day",
            "rrule",
            "exdates",
            "rdates",
            "capacity",
            "url",
            "image",
            "sequence",
            "created_at",
            "updated_at",
            "links",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the event.")},
            "uid": {"help_text": _("Stable iCalendar UID.")},
            "title": {"help_text": _("Title.")},
            "description": {"help_text": _("Description (plain text).")},
            "status": {"help_text": _("draft (staff only), published or cancelled.")},
            "cancel_reason": {"help_text": _("Why the event was cancelled.")},
            "kind": {"help_text": KIND_HELP},
            "venue": {"help_text": VENUE_HELP},
            "all_day": {"help_text": _("An all-day event.")},
            "capacity": {"help_text": _("How many can take part, if limited.")},
            "url": {"help_text": _("A link with more information or sign-up.")},
            "sequence": {
                "help_text": _("iCalendar SEQUENCE: grows with each change subscribers must see.")
            },
        }

    @extend_schema_field(EventLinksSerializer)
    def get_links(self, obj: Event) -> dict[str, str]:
        from feeds.links import event_links

        return event_links(event=obj, request=self.context.get("request"))

    @extend_schema_field(PictureSerializer(allow_null=True))
    def get_image(self, obj: Event) -> dict[str, Any] | None:
        return picture_data(obj, self.context.get("request"))


def _json_type_matches(field: serializers.Field, value: Any) -> bool:
    """Whether a JSON value has the type the schema gives the field. DRF itself reads 0 as the
    text "0", "5" as the number 5 and "yes" as true; the API takes what its schema says."""
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, serializers.CharField):
        return isinstance(value, str)
    if isinstance(field, serializers.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(field, serializers.FloatField):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        return isinstance(value, list)
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return isinstance(value, Mapping)
    return True


class StrictTypesMixin:
    """Refuse a JSON value of another type than the field's (400 naming the field)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {
                name: [_("Give a value of the type the schema states.")]
                for name, field in self.fields.items()  # type: ignore[attr-defined]
                if name in data
                and data[name] is not None
                and not field.read_only
                and not _json_type_matches(field, data[name])
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictFieldsMixin(StrictTypesMixin):
    """Refuse fields the endpoint does not take, instead of silently ignoring them, and values
    of the wrong type."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(k) for k in data if k not in self.fields)  # type: ignore[attr-defined]
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not accepted here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class SlugField(serializers.SlugRelatedField):
    """A slug naming an object. The text is checked to be a slug before the database is asked
    (PostgreSQL refuses some characters, such as NUL, in a query)."""

    default_error_messages = {"invalid_slug": _("“{value}” is not a valid slug.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not selectors.slug_is_valid(data):
            self.fail("invalid_slug", value=str(data)[:50].replace("\x00", "\\x00"))
        return super().to_internal_value(data)


class _PlaceWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Input of a place: types only; ``services.place_save`` checks it (a unique slug and the
    rest), naming the field."""

    serializer_field_mapping = URL_MAPPING

    class Meta:
        validators: list = []  # uniqueness is the service's (after the slug is known a slug)


def _place_kwargs(fields: list[str], described: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Help texts as the read shape has them; no uniqueness validators (the service's)."""
    kwargs: dict[str, dict[str, Any]] = {name: dict(described.get(name, {})) for name in fields}
    kwargs.setdefault("order", {})["help_text"] = _("Place in lists, lowest first.")
    for name in ("slug", "name"):
        if name in kwargs:
            kwargs[name]["validators"] = []
    return {name: value for name, value in kwargs.items() if name in fields and value}


class BranchWriteSerializer(_PlaceWriteSerializer):
    class Meta(_PlaceWriteSerializer.Meta):
        model = Branch
        fields = [*BRANCH_FIELDS, "order"]
        extra_kwargs = _place_kwargs(fields, BranchSerializer.Meta.extra_kwargs)


class StopWriteSerializer(_PlaceWriteSerializer):
    branch: SlugField = SlugField(
        queryset=Branch.objects.all(), help_text=_("Slug of the bookmobile.")
    )

    class Meta(_PlaceWriteSerializer.Meta):
        model = Stop
        fields = [*STOP_FIELDS, "order"]
        extra_kwargs = _place_kwargs(fields, _PLACE_HELP)


class RoomWriteSerializer(_PlaceWriteSerializer):
    branch: SlugField = SlugField(
        queryset=Branch.objects.all(), help_text=_("Slug of the branch the room is in.")
    )

    class Meta(_PlaceWriteSerializer.Meta):
        model = Room
        fields = ["branch", "name", "capacity"]
        extra_kwargs = {
            "name": {"validators": [], "help_text": _("Name of the room.")},
            "capacity": {"help_text": _("How many people the room holds, if known.")},
        }


class RoomDetailSerializer(RoomSerializer):
    branch: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("Slug of the branch the room is in.")
    )

    class Meta(RoomSerializer.Meta):
        fields = ["id", "branch", "name", "capacity"]


class EventWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    """What staff send to create an event (all fields) or change one (PATCH, any subset but
    ``status``: use publish and cancel)."""

    branch = SlugField(queryset=Branch.objects.all(), help_text=_("Slug of the branch."))
    title = serializers.CharField(max_length=200, help_text=_("Title."))
    description = serializers.CharField(
        max_length=20_000,
        allow_blank=True,
        required=False,
        help_text=_("Description (plain text)."),
    )
    start = LocalDateTimeField(
        help_text=_(
            "Start of the first occurrence. Without an offset it is read as Copenhagen time."
        )
    )
    end = LocalDateTimeField(help_text=_("End of the first occurrence; after the start."))
    tracks = SlugField(
        many=True,
        queryset=Track.objects.all(),
        help_text=_("Slugs of the tracks the event serves (at least one)."),
    )
    stop = SlugField(
        queryset=Stop.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Slug of the bookmobile stop; required for a bookmobile event, else empty."),
    )
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Id of a room of the branch."),
    )
    place = serializers.CharField(
        max_length=300, allow_blank=True, required=False, help_text=_model_help(Event, "place")
    )
    audiences = SlugField(
        many=True,
        queryset=Audience.objects.all(),
        required=False,
        help_text=_("Slugs of the audiences."),
    )
    partners = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Partner.objects.all(),
        required=False,
        help_text=_("Ids of partners."),
    )
    co_created = serializers.BooleanField(
        required=False, help_text=_model_help(Event, "co_created")
    )
    kind = serializers.ChoiceField(choices=Event.Kind.choices, required=False, help_text=KIND_HELP)
    venue = serializers.ChoiceField(
        choices=Event.Venue.choices, required=False, help_text=VENUE_HELP
    )
    barometer_type = serializers.ChoiceField(
        choices=Event.BarometerType.choices,
        allow_blank=True,
        required=False,
        help_text=BAROMETER_HELP,
    )
    initiated_by = serializers.ChoiceField(
        choices=Event.InitiatedBy.choices,
        allow_blank=True,
        required=False,
        help_text=INITIATED_BY_HELP,
    )
    status = serializers.ChoiceField(
        choices=[Event.Status.DRAFT, Event.Status.PUBLISHED],
        required=False,
        help_text=_("draft (the default) or published. Only when creating."),
    )
    all_day = serializers.BooleanField(required=False, help_text=_("An all-day event."))
    rrule = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text=_model_help(Event, "rrule"),
    )
    exdates = serializers.ListField(
        child=BoundedDateField(),
        max_length=1000,
        required=False,
        help_text=_model_help(Event, "exdates"),
    )
    capacity = _count(
        allow_null=True, required=False, help_text=_("How many can take part, if limited.")
    )
    url = BlankableURLField(
        max_length=200,
        allow_blank=True,
        required=False,
        help_text=_("A link with more information or sign-up."),
    )
    image_alt = serializers.CharField(
        max_length=300,
        allow_blank=True,
        required=False,
        help_text=_(
            "What the picture shows, for those who cannot see it; required while the event has "
            "a picture (the picture itself: POST /events/{id}/image/)."
        ),
    )


class EventImageSerializer(StrictFieldsMixin, serializers.Serializer):
    """A picture upload (multipart/form-data): the file and its alt text."""

    image = serializers.FileField(
        help_text=_("JPEG, PNG, WebP or GIF; resized to 1200 pixels wide, metadata removed.")
    )
    image_alt = serializers.CharField(
        max_length=300, help_text=_("What the picture shows, for those who cannot see it.")
    )


class EventUpdateSerializer(EventWriteSerializer):
    class Meta:
        ref_name = "EventUpdate"

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("status")
        return fields


class ReasonSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=300,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Why, shown to citizens."),
    )


class EventCopySerializer(StrictFieldsMixin, serializers.Serializer):
    """Copy an event to a new start (``services.event_copy``)."""

    start = LocalDateTimeField(
        help_text=_(
            "Start of the copy's first occurrence. Without an offset it is read as Copenhagen "
            "time. The duration, the rule and the excluded dates move with it."
        )
    )
    publish = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Publish the copy at once; by default it is a draft."),
    )


# --- occurrences and attendance -----------------------------------------------------------


class AgeGroupsSerializer(StrictFieldsMixin, serializers.Serializer):
    children = _count(required=False, help_text=_("Children (0-12)."))
    youth = _count(required=False, help_text=_("Youth (13-17)."))
    adults = _count(required=False, help_text=_("Adults (18-64)."))
    seniors = _count(required=False, help_text=_("Seniors (65+)."))


class AttendanceSerializer(serializers.ModelSerializer):
    by_age = AgeGroupsSerializer(
        read_only=True, allow_null=True, help_text=_("Breakdown by age group, if recorded.")
    )
    recorded_at = LocalDateTimeField(
        read_only=True, help_text=_("When the count was last recorded or corrected.")
    )
    recorded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(  # a user
        slug_field="username", read_only=True, allow_null=True, help_text=_("Who recorded it.")
    )
    corrections = serializers.SerializerMethodField(
        help_text=_("How many times the count was corrected.")
    )

    class Meta:
        model = Attendance
        fields = [
            "occurrence",
            "total",
            "by_age",
            "note",
            "recorded_at",
            "recorded_by",
            "corrections",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "occurrence": {"help_text": _("Id of the occurrence.")},
            "total": {"help_text": _("Head count.")},
            "note": {"help_text": _("A remark from staff.")},
        }

    def get_corrections(self, obj: Attendance) -> int:
        return obj.revisions.count()


class AttendanceListSerializer(AttendanceSerializer):
    """A head count in the attendance list, with where and when its occurrence was."""

    event = serializers.IntegerField(
        source="occurrence.event_id", read_only=True, help_text=_("Id of the event.")
    )
    branch = serializers.SlugField(
        source="occurrence.event.branch.slug", read_only=True, help_text=_("Slug of the branch.")
    )
    start = LocalDateTimeField(
        source="occurrence.start",
        read_only=True,
        help_text=_("Start of the occurrence, Copenhagen time with offset."),
    )

    class Meta(AttendanceSerializer.Meta):
        fields = ["occurrence", "event", "branch", "start", *AttendanceSerializer.Meta.fields[1:]]
        read_only_fields = fields

    def get_corrections(self, obj: Attendance) -> int:
        count = getattr(obj, "correction_count", None)  # annotated by selectors.attendance_list
        return count if count is not None else obj.revisions.count()


class AttendanceWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    total = _count(help_text=_("Head count."))
    by_age = AgeGroupsSerializer(
        required=False,
        allow_null=True,
        help_text=_("Optional breakdown by age group; it must add up to the total."),
    )
    note = serializers.CharField(
        max_length=500, allow_blank=True, required=False, default="", help_text=_("A remark.")
    )


class VisibleOccurrenceField(serializers.PrimaryKeyRelatedField):
    """An occurrence id; occurrences of drafts the user may not see do not exist."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Occurrence.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        events = selectors.visible_events(user=getattr(request, "user", None))
        return Occurrence.objects.filter(event__in=events.values("pk")).select_related(
            "event", "event__branch"
        )


class AttendanceBulkItemSerializer(AttendanceWriteSerializer):
    occurrence = VisibleOccurrenceField(help_text=_("Id of the occurrence."))


class AttendanceBulkSerializer(StrictFieldsMixin, serializers.Serializer):
    branch = SlugField(
        queryset=Branch.objects.all(),
        help_text=_("Slug of the branch; every occurrence must be one of its events'."),
    )
    items = serializers.ListField(
        child=AttendanceBulkItemSerializer(),
        min_length=1,
        max_length=500,
        help_text=_("Head counts to record, all or nothing. Errors are reported per item index."),
    )


def _has_attendance(obj: Occurrence) -> bool:
    try:
        obj.attendance  # noqa: B018 - loaded by select_related
    except Attendance.DoesNotExist:
        return False
    return True


class AttendanceSummarySerializer(AttendanceSerializer):
    """Attendance inside an occurrence (no corrections count: that would cost a query each)."""

    class Meta(AttendanceSerializer.Meta):
        fields = ["total", "by_age", "note", "recorded_at"]
        read_only_fields = fields


class OccurrenceSerializer(CachedRepresentation, serializers.ModelSerializer):
    cache_related = (
        "event",
        "room",
        "event.branch",
        "event.stop",
        "event.room",
        "event.tracks",
        "event.audiences",
    )
    cache_per_request = ("attendance",)  # who asks decides whether it is shown
    title = serializers.CharField(
        source="event.title", read_only=True, help_text=_("Title of the event.")
    )
    event_status = serializers.CharField(
        source="event.status",
        read_only=True,
        help_text=_("Status of the event: draft, published or cancelled."),
    )
    cancelled = serializers.BooleanField(
        source="is_cancelled",
        read_only=True,
        help_text=_("True if this occurrence or its whole event is cancelled."),
    )
    start = LocalDateTimeField(read_only=True, help_text=_("Start, Copenhagen time with offset."))
    end = LocalDateTimeField(read_only=True, help_text=_("End, Copenhagen time with offset."))
    original_start = LocalDateTimeField(
        read_only=True, help_text=_model_help(Occurrence, "original_start")
    )
    branch = BranchRefSerializer(
        source="event.branch", read_only=True, help_text=_("Where it is held.")
    )
    stop = StopRefSerializer(
        source="event.stop", read_only=True, allow_null=True, help_text=_("The bookmobile stop.")
    )
    room = RoomSerializer(
        source="effective_room", read_only=True, allow_null=True, help_text=_("The room, if any.")
    )
    place = serializers.CharField(
        source="event.place", read_only=True, help_text=_("Where, if not a room.")
    )
    tracks = TrackRefSerializer(
        source="event.tracks", many=True, read_only=True, help_text=_("Tracks of the event.")
    )
    audiences = AudienceRefSerializer(
        source="event.audiences", many=True, read_only=True, help_text=_("Audiences of the event.")
    )
    co_created = serializers.BooleanField(
        source="event.co_created", read_only=True, help_text=_("Co-created event.")
    )
    all_day = serializers.BooleanField(
        source="event.all_day", read_only=True, help_text=_("An all-day event.")
    )
    attendance = serializers.SerializerMethodField(
        help_text=_("The recorded head count; shown to staff and management only, else null.")
    )

    class Meta:
        model = Occurrence
        fields = [
            "id",
            "event",
            "title",
            "event_status",
            "status",
            "cancelled",
            "cancel_reason",
            "start",
            "end",
            "original_start",
            "local_date",
            "moved",
            "detached",
            "all_day",
            "branch",
            "stop",
            "room",
            "place",
            "tracks",
            "audiences",
            "co_created",
            "attendance",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the occurrence.")},
            "event": {"help_text": _("Id of the event.")},
            "status": {"help_text": _("scheduled or cancelled (this occurrence only).")},
            "cancel_reason": {"help_text": _("Why this occurrence was cancelled.")},
            "local_date": {"help_text": _("The local date of the start.")},
            "moved": {"help_text": _("Moved from the time or room the series gives.")},
        }

    @extend_schema_field(AttendanceSummarySerializer(allow_null=True))
    def get_attendance(self, obj: Occurrence) -> dict[str, Any] | None:
        request = self.context.get("request")
        if request is None or not roles.may_read_attendance(request.user):
            return None
        attendance = getattr(obj, "attendance", None) if _has_attendance(obj) else None
        if attendance is None:
            return None
        return AttendanceSummarySerializer(attendance, context=self.context).data


class OccurrenceMoveSerializer(StrictFieldsMixin, serializers.Serializer):
    start = LocalDateTimeField(
        help_text=_("New start. Without an offset it is read as Copenhagen time.")
    )
    end = LocalDateTimeField(
        required=False,
        allow_null=True,
        help_text=_("New end; by default the start plus the same duration."),
    )
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Id of another room of the branch; empty keeps the room."),
    )


class ChangeSerializer(serializers.ModelSerializer):
    """One entry of an event's history: who changed what, and when."""

    action_label = serializers.CharField(
        source="get_action_display", help_text=_("The action, in the request's language.")
    )
    actor = serializers.SerializerMethodField(
        help_text=_("The user name of who made the change; empty for the system or a deleted user.")
    )

    class Meta:
        model = Change
        fields = ["id", "at", "action", "action_label", "actor", "occurrence", "details"]
        extra_kwargs = {
            "id": {"help_text": _("The change's id; a later change has a higher one.")},
            "action": {"help_text": _("What was done, as a code (see action_label).")},
            "at": {"help_text": _("When the change was saved.")},
            "occurrence": {
                "help_text": _("The occurrence it concerned; empty for the whole event.")
            },
            "details": {
                "help_text": _(
                    "What changed: e.g. the fields given, the reason, the old and new start of "
                    "a move, the head count."
                )
            },
        }

    def get_actor(self, change) -> str | None:
        return change.actor.get_username() if change.actor_id else None
