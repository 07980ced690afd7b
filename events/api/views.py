"""The REST API of the calendar: ViewSets over the selectors, writes through the services.

Each write validates its input with a serializer, checks who may write, calls one service and
answers with the result read back through a selector. Errors from the services are turned into
400 and 409 answers by ``events.api.exceptions.api_exception_handler``.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from events import roles, selectors, services
from events.models import Attendance, Audience, Branch, Event, Occurrence, Room, Stop, Track

from . import permissions
from . import serializers as s
from .filters import (
    AttendanceFilterSet,
    EventFilterSet,
    KnownQueryParameters,
    OccurrenceFilterSet,
)
from .page_cache import KeptPages
from .pagination import BoundedPageNumberPagination
from .schema import DETAIL, FIELD_ERRORS

SLUG_REGEX = r"[-a-zA-Z0-9_]+"
ID_PARAM = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The numeric id.")
)
SLUG_PARAM = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The slug (identifier).")
)

# --- documented error answers -------------------------------------------------------------

_ERRORS = FIELD_ERRORS
_DETAIL = DETAIL
_CONFLICT = inline_serializer(
    "Conflict",
    fields={
        "detail": serializers.CharField(help_text=_("Names the conflicting event and its time.")),
        "code": serializers.CharField(help_text=_("Always “conflict”.")),
        "conflict": inline_serializer(
            "ConflictingOccurrence",
            fields={
                "event": serializers.IntegerField(help_text=_("Id of the conflicting event.")),
                "title": serializers.CharField(help_text=_("Title of the conflicting event.")),
                "occurrence": serializers.IntegerField(help_text=_("Id of its occurrence.")),
                "start": serializers.DateTimeField(help_text=_("Its start, Copenhagen time.")),
                "end": serializers.DateTimeField(help_text=_("Its end, Copenhagen time.")),
            },
            help_text=_("The occurrence this one would overlap."),
        ),
    },
)
READ_ERRORS = {400: OpenApiResponse(_ERRORS, description=_("A malformed or unknown parameter."))}
WRITE_ERRORS = {
    400: OpenApiResponse(_ERRORS, description=_("Invalid input; nothing was saved.")),
    401: OpenApiResponse(_DETAIL, description=_("Not logged in.")),
    403: OpenApiResponse(_DETAIL, description=_("Not staff of this branch.")),
    404: OpenApiResponse(_DETAIL, description=_("No such object, or not visible to you.")),
    409: OpenApiResponse(
        _CONFLICT, description=_("Overlaps another occurrence in the same place.")
    ),
    413: OpenApiResponse(_DETAIL, description=_("The request is too large.")),
}


IDEMPOTENCY_PARAM = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Optional. A client's unique key for this creation: a retry with the same key within "
        "24 hours answers 200 with the event created the first time instead of a duplicate."
    ),
)


class IdempotencyKey:
    """Remembers, per user and key, what a POST created, so that a client's retry after a
    lost answer does not create a second event."""

    TTL = 24 * 60 * 60

    def __init__(self, request, scope: str):
        raw = request.headers.get("Idempotency-Key", "")
        self.key = None
        if raw:
            if len(raw) > 255:
                raise ValidationError({"Idempotency-Key": [_("At most 255 characters.")]})
            digest = hashlib.sha256(raw.encode()).hexdigest()
            self.key = f"idempotency:{scope}:{request.user.pk}:{digest}"

    def earlier_result(self) -> int | None:
        return cache.get(self.key) if self.key else None

    def remember(self, pk: int) -> None:
        if self.key:
            cache.set(self.key, pk, self.TTL)


# --- places and tracks --------------------------------------------------------------------


# A short list read by slug: unpaginated and unfiltered. (A comment, not a docstring: the
# schema would take a docstring as the description of every subclass's operations.)
class SlugReadOnlyViewSet(KnownQueryParameters, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    pagination_class = None
    filter_backends: list = []


@extend_schema_view(
    list=extend_schema(summary=_("The strategy's tracks"), tags=["places and tracks"]),
    retrieve=extend_schema(
        summary=_("One track, with subscription links"),
        tags=["places and tracks"],
        parameters=[SLUG_PARAM],
    ),
)
class TrackViewSet(SlugReadOnlyViewSet):
    queryset = Track.objects.all()
    serializer_class = s.TrackSerializer


@extend_schema_view(
    list=extend_schema(summary=_("Audiences"), tags=["places and tracks"]),
    retrieve=extend_schema(
        summary=_("One audience"), tags=["places and tracks"], parameters=[SLUG_PARAM]
    ),
)
class AudienceViewSet(SlugReadOnlyViewSet):
    queryset = Audience.objects.all()
    serializer_class = s.AudienceSerializer


PLACE_PERMISSIONS = [permissions.ReadOrAdministrator]
PLACE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


class PlaceWrites:
    """Create (POST), change (PATCH) and delete places: administrators only, through
    ``services.place_save`` and ``services.place_delete``; answers with the read shape.
    A ViewSet using it sets ``permission_classes = PLACE_PERMISSIONS`` and
    ``http_method_names = PLACE_METHODS``."""

    write_serializer_class: type[serializers.Serializer]
    model: type

    def _answer(self, instance, code=status.HTTP_200_OK) -> Response:
        instance = self.get_queryset().get(pk=instance.pk)  # type: ignore[attr-defined]
        serializer = self.get_serializer(instance)  # type: ignore[attr-defined]
        return Response(serializer.data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.write_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        place = services.place_save(instance=self.model(), **serializer.validated_data)
        return self._answer(place, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        place = self.get_object()  # type: ignore[attr-defined]
        serializer = self.write_serializer_class(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        place = services.place_save(instance=place, **serializer.validated_data)
        return self._answer(place)

    def destroy(self, request, *args, **kwargs):
        services.place_delete(instance=self.get_object())  # type: ignore[attr-defined]
        return Response(status=status.HTTP_204_NO_CONTENT)


def _place_schema(noun, read, write, lookup):
    """The schema of a place's writes: administrators only."""
    return {
        "create": extend_schema(
            summary=format_lazy(_("Create a {} (administrators)"), noun),
            request=write,
            responses={201: read, **WRITE_ERRORS},
        ),
        "partial_update": extend_schema(
            summary=format_lazy(_("Change a {} (administrators)"), noun),
            parameters=[lookup],
            request=write,
            responses={200: read, **WRITE_ERRORS},
        ),
        "destroy": extend_schema(
            summary=format_lazy(_("Delete a {} (administrators)"), noun),
            description=_("Refused (400) while events, stops or rooms still refer to it."),
            parameters=[lookup],
            responses={204: None, **WRITE_ERRORS},
        ),
    }


@extend_schema_view(
    list=extend_schema(
        summary=_("Branches with their stops and rooms"), tags=["places and tracks"]
    ),
    retrieve=extend_schema(
        summary=_("One branch, with subscription links"),
        tags=["places and tracks"],
        parameters=[SLUG_PARAM],
    ),
    **_place_schema(_("branch"), s.BranchSerializer, s.BranchWriteSerializer, SLUG_PARAM),
)
class BranchViewSet(PlaceWrites, SlugReadOnlyViewSet, viewsets.ModelViewSet):
    queryset = Branch.objects.prefetch_related(
        Prefetch("stops", queryset=Stop.objects.order_by("order", "name")),
        Prefetch("rooms", queryset=Room.objects.order_by("name")),
    )
    serializer_class = s.BranchSerializer
    write_serializer_class = s.BranchWriteSerializer
    model = Branch
    permission_classes = PLACE_PERMISSIONS
    http_method_names = PLACE_METHODS


@extend_schema_view(
    list=extend_schema(summary=_("Bookmobile stops"), tags=["places and tracks"]),
    retrieve=extend_schema(
        summary=_("One stop, with subscription links"),
        tags=["places and tracks"],
        parameters=[SLUG_PARAM],
    ),
    **_place_schema(_("stop"), s.StopSerializer, s.StopWriteSerializer, SLUG_PARAM),
)
class StopViewSet(PlaceWrites, SlugReadOnlyViewSet, viewsets.ModelViewSet):
    queryset = Stop.objects.select_related("branch")
    serializer_class = s.StopSerializer
    write_serializer_class = s.StopWriteSerializer
    model = Stop
    permission_classes = PLACE_PERMISSIONS
    http_method_names = PLACE_METHODS


@extend_schema_view(
    list=extend_schema(summary=_("Rooms of the branches"), tags=["places and tracks"]),
    retrieve=extend_schema(
        summary=_("One room"), tags=["places and tracks"], parameters=[ID_PARAM]
    ),
    **_place_schema(_("room"), s.RoomDetailSerializer, s.RoomWriteSerializer, ID_PARAM),
)
class RoomViewSet(PlaceWrites, KnownQueryParameters, viewsets.ModelViewSet):
    queryset = Room.objects.select_related("branch").order_by("branch__order", "branch", "name")
    serializer_class = s.RoomDetailSerializer
    write_serializer_class = s.RoomWriteSerializer
    model = Room
    permission_classes = PLACE_PERMISSIONS
    http_method_names = PLACE_METHODS
    pagination_class = None
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"


# --- events -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Events"),
        description=_(
            "Published and cancelled events for everyone; drafts for staff of their branches "
            "and for management."
        ),
        responses={200: s.EventSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        parameters=[ID_PARAM],
        summary=_("One event"),
        responses={
            200: s.EventSerializer,
            404: OpenApiResponse(
                _DETAIL, description=_("No such event, or a draft you may not see.")
            ),
        },
    ),
    create=extend_schema(
        parameters=[IDEMPOTENCY_PARAM],
        summary=_("Create an event"),
        request=s.EventWriteSerializer,
        responses={
            201: s.EventSerializer,
            200: OpenApiResponse(
                s.EventSerializer, description=_("A retry with the same Idempotency-Key.")
            ),
            **WRITE_ERRORS,
        },
    ),
    partial_update=extend_schema(
        parameters=[ID_PARAM],
        summary=_("Change an event"),
        request=s.EventUpdateSerializer,
        responses={200: s.EventSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        parameters=[ID_PARAM],
        summary=_("Delete an event"),
        description=_("Refused (400) for an event with recorded attendance: cancel it instead."),
        responses={204: None, **WRITE_ERRORS},
    ),
)
class EventViewSet(KeptPages, KnownQueryParameters, viewsets.ModelViewSet):
    queryset = Event.objects.none()  # for the schema; get_queryset() is what answers
    serializer_class = s.EventSerializer
    permission_classes = [permissions.ReadOrBranchEditor]
    filterset_class = EventFilterSet
    pagination_class = BoundedPageNumberPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"[0-9]+"
    page_stamps = ("pk", "updated_at", "sequence", "status")

    def get_queryset(self):
        return selectors.event_list(user=self.request.user)

    def _answer(self, event: Event, code: int = status.HTTP_200_OK) -> Response:
        event = selectors.event_get(user=self.request.user, pk=event.pk)
        return Response(
            s.EventSerializer(event, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request, *args, **kwargs):
        replay = IdempotencyKey(request, "event-create")
        if (earlier := replay.earlier_result()) is not None:
            try:
                return self._answer(selectors.event_get(user=request.user, pk=earlier))
            except Event.DoesNotExist:
                pass  # deleted since: create again
        serializer = s.EventWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        permissions.check_branch(request, serializer.validated_data["branch"])
        event = services.event_create(user=request.user, **serializer.validated_data)
        replay.remember(event.pk)
        return self._answer(event, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        event = self.get_object()
        serializer = s.EventUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        permissions.check_branch(request, serializer.validated_data.get("branch"))
        event = services.event_update(event=event, user=request.user, **serializer.validated_data)
        return self._answer(event)

    def update(self, request, *args, **kwargs):  # PUT is not offered; PATCH changes any subset
        return self.http_method_not_allowed(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.event_delete(event=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Publish an event"),
        description=_(
            "Makes a draft visible to everyone and in the feeds. Publishing twice changes nothing."
        ),
        request=None,
        responses={200: s.EventSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        event = services.event_publish(event=self.get_object(), user=request.user)
        return self._answer(event)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Set or remove an event's picture"),
        description=_(
            "POST a multipart/form-data body with the file (image) and what it shows (image_alt); "
            "the picture is resized to 1200 pixels wide, with a 400 pixels thumbnail, and its "
            "metadata removed. A file that is not a picture, too large, or without alt text is "
            "refused (400, naming the field). DELETE removes the picture."
        ),
        request={"multipart/form-data": s.EventImageSerializer},
        responses={200: s.EventSerializer, **WRITE_ERRORS},
        methods=["POST", "DELETE"],
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        parser_classes=[MultiPartParser],
        filterset_class=None,
    )
    def image(self, request, pk=None):
        event = self.get_object()
        if request.method == "DELETE":
            return self._answer(services.event_update(event=event, user=request.user, image=None))
        serializer = s.EventImageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_update(event=event, user=request.user, **serializer.validated_data)
        return self._answer(event)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Cancel an event"),
        description=_("Cancels every occurrence; the event stays visible as cancelled."),
        request=s.ReasonSerializer,
        responses={200: s.EventSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        event = self.get_object()
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_cancel(
            event=event, reason=serializer.validated_data["reason"], user=request.user
        )
        return self._answer(event)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Copy an event to a new date"),
        description=_(
            "A new event with the same text, place, room, tracks, audiences, partners, capacity "
            "and co-created flag; a series keeps its rule and excluded dates, moved with the "
            "start. A draft unless asked otherwise. For staff of the event's branch."
        ),
        request=s.EventCopySerializer,
        responses={201: s.EventSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def copy(self, request, pk=None):
        event = self.get_object()  # staff of another branch: 403; a hidden draft: 404
        serializer = s.EventCopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        copy = services.event_copy(
            event=event,
            start=data["start"],
            status=Event.Status.PUBLISHED if data["publish"] else Event.Status.DRAFT,
            user=request.user,
        )
        return self._answer(copy, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Who changed an event, and when"),
        description=_(
            "Every change of the event, its occurrences and their attendance, newest first: "
            "when, by whom, what. For staff of the event's branch, management and "
            "administrators."
        ),
        responses={
            200: s.ChangeSerializer(many=True),
            401: OpenApiResponse(_DETAIL, description=_("Not logged in.")),
            403: OpenApiResponse(
                _DETAIL, description=_("Not staff of this branch, management or administrator.")
            ),
            404: OpenApiResponse(_DETAIL, description=_("No such object, or not visible to you.")),
        },
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def history(self, request, pk=None):
        event = self.get_object()  # a draft the user may not see is a 404
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        if not roles.can_see_drafts_of(request.user, event.branch_id):
            raise PermissionDenied(
                _("Only staff of this branch, management and administrators see its history.")
            )
        changes = event.changes.select_related("actor").order_by("-at", "-pk")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(s.ChangeSerializer(page, many=True).data)


# --- occurrences and attendance -----------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Occurrences in a date window"),
        description=_("What a calendar page shows: dated occurrences of the events you may see."),
        responses={200: s.OccurrenceSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        parameters=[ID_PARAM],
        summary=_("One occurrence"),
        responses={
            200: s.OccurrenceSerializer,
            404: OpenApiResponse(
                _DETAIL, description=_("No such occurrence, or of a draft you may not see.")
            ),
        },
    ),
)
class OccurrenceViewSet(KeptPages, KnownQueryParameters, viewsets.ReadOnlyModelViewSet):
    queryset = Occurrence.objects.none()  # for the schema; get_queryset() is what answers
    serializer_class = s.OccurrenceSerializer
    permission_classes = [permissions.ReadOrBranchEditor]
    filterset_class = OccurrenceFilterSet
    pagination_class = BoundedPageNumberPagination
    lookup_value_regex = r"[0-9]+"
    page_stamps = (
        "pk",
        "updated_at",
        "status",
        "event_id",
        "event__updated_at",
        "event__sequence",
        "event__status",
    )

    def get_queryset(self):
        return selectors.occurrence_list(user=self.request.user)

    def get_permissions(self):
        if self.action == "attendance" and self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [permissions.ReadsAttendance()]
        return super().get_permissions()

    def _answer(self, occurrence: Occurrence) -> Response:
        occurrence = selectors.occurrence_get(user=self.request.user, pk=occurrence.pk)
        return Response(
            s.OccurrenceSerializer(occurrence, context=self.get_serializer_context()).data
        )

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Cancel one occurrence"),
        description=_("The rest of the series is unchanged. Cancelling twice changes nothing."),
        request=s.ReasonSerializer,
        responses={200: s.OccurrenceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        occurrence = self.get_object()
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        occurrence = services.occurrence_cancel(
            occurrence=occurrence, reason=serializer.validated_data["reason"], user=request.user
        )
        return self._answer(occurrence)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Undo the cancellation of one occurrence"),
        request=None,
        responses={200: s.OccurrenceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        occurrence = services.occurrence_restore(occurrence=self.get_object(), user=request.user)
        return self._answer(occurrence)

    @extend_schema(
        parameters=[ID_PARAM],
        summary=_("Move one occurrence"),
        description=_("To a new start (and end) and optionally another room of the branch."),
        request=s.OccurrenceMoveSerializer,
        responses={200: s.OccurrenceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        occurrence = self.get_object()
        serializer = s.OccurrenceMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        occurrence = services.occurrence_move(
            occurrence=occurrence, user=request.user, **serializer.validated_data
        )
        return self._answer(occurrence)

    @extend_schema(
        methods=["GET"],
        parameters=[ID_PARAM],
        summary=_("The attendance of one occurrence"),
        description=_("Staff and management only; 404 if none is recorded yet."),
        responses={
            200: s.AttendanceSerializer,
            403: OpenApiResponse(_DETAIL),
            404: OpenApiResponse(_DETAIL),
        },
    )
    @extend_schema(
        methods=["PUT"],
        parameters=[ID_PARAM],
        summary=_("Record or correct the attendance of one occurrence"),
        description=_(
            "Sending the same values again leaves one record (safe to retry); other values "
            "correct it and keep the earlier value in its history."
        ),
        request=s.AttendanceWriteSerializer,
        responses={200: s.AttendanceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "put"])
    def attendance(self, request, pk=None):
        occurrence = self.get_object()
        if request.method == "PUT":
            serializer = s.AttendanceWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            attendance = services.attendance_record(
                occurrence=occurrence,
                total=data["total"],
                by_age=data.get("by_age"),
                note=data.get("note", ""),
                user=request.user,
            )
        else:
            attendance = get_object_or_404(Attendance, occurrence=occurrence)
        return Response(
            s.AttendanceSerializer(attendance, context=self.get_serializer_context()).data
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("Recorded head counts"),
        description=_(
            "Head counts of occurrences, oldest first, by branch, event, occurrence and the "
            "local dates occurrences start on. Staff, management and administrators only."
        ),
        responses={200: s.AttendanceListSerializer(many=True), **READ_ERRORS},
    ),
)
class AttendanceViewSet(KnownQueryParameters, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The attendance list, and attendance of many occurrences of one branch at once."""

    permission_classes = [permissions.ReadOrBranchEditor]
    serializer_class = s.AttendanceListSerializer
    filterset_class = AttendanceFilterSet
    pagination_class = BoundedPageNumberPagination

    def get_queryset(self):
        if self.action == "list":
            return selectors.attendance_list(user=self.request.user)
        return Attendance.objects.none()

    def get_permissions(self):
        if self.action == "list":
            return [permissions.ReadsAttendance()]
        return super().get_permissions()

    @extend_schema(
        summary=_("Record the attendance of many occurrences of one branch"),
        description=_(
            "All or nothing: if any item is invalid, nothing is saved and the errors are given per "
            "item index under “items”. Sending the same values again changes nothing."
        ),
        request=s.AttendanceBulkSerializer,
        responses={200: s.AttendanceSerializer(many=True), **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        serializer = s.AttendanceBulkSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        branch = serializer.validated_data["branch"]
        permissions.check_branch(request, branch)
        saved = services.attendance_record_bulk(
            items=serializer.validated_data["items"], user=request.user, branch=branch
        )
        records = Attendance.objects.filter(pk__in=[r.pk for r in saved]).select_related(
            "recorded_by"
        )
        return Response(
            s.AttendanceSerializer(records, many=True, context=self.get_serializer_context()).data
        )


__all__ = [
    "AttendanceViewSet",
    "AudienceViewSet",
    "BranchViewSet",
    "EventViewSet",
    "OccurrenceViewSet",
    "RoomViewSet",
    "StopViewSet",
    "TrackViewSet",
]
