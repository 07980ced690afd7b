"""Serializers of the status API: query parameters in, figures, jobs, reports and plans out."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.api.fields import BoundedDateField
from events.api.serializers import SlugField, StrictTypesMixin
from events.clock import MAX_YEAR, MIN_YEAR
from events.models import Branch, Event, Track

from ..models import (
    ActionPlan,
    Initiative,
    Job,
    NationalLine,
    PeriodKind,
    StatusReport,
    Target,
)
from ..services.read import SCOPES


def _year(**kwargs) -> serializers.IntegerField:
    """A year the status API takes: from MIN_YEAR to MAX_YEAR, as dates elsewhere in the API."""
    return serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


class PeriodQuerySerializer(serializers.Serializer):
    """?year=2026&period=quarter&index=2 or ?year=2026&period=ytd&date=2026-05-31"""

    year = _year(help_text=_("The year the period lies in."))
    period = serializers.ChoiceField(
        choices=PeriodKind.choices,
        default=PeriodKind.YEAR,
        help_text=_("Month, quarter, half-year, the whole year, or the year to date."),
    )
    index = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=12,
        help_text=_(
            "Which month (1-12), quarter (1-4) or half-year (1-2); required for those periods."
        ),
    )
    date = BoundedDateField(
        required=False,
        help_text=_(
            "Year to date: the last day counted (default: today, or 31 December of a past year)."
        ),
    )


class FigureQuerySerializer(PeriodQuerySerializer):
    branch = SlugField(
        queryset=Branch.objects.all(),
        required=False,
        help_text=_("Slug of a branch: only its rows (per track and its total)."),
    )
    track = SlugField(
        queryset=Track.objects.all(),
        required=False,
        help_text=_("Slug of a track: only its rows (per branch and its total)."),
    )
    scope = serializers.ChoiceField(
        choices=SCOPES,
        required=False,
        help_text=_(
            "Only one kind of row: cell (a branch's track), branch (a branch, all tracks), "
            "track (a track, all branches) or total (everything)."
        ),
    )


class MonthlyQuerySerializer(serializers.Serializer):
    year = _year(help_text=_("The year whose 12 months are listed."))
    branch = SlugField(
        queryset=Branch.objects.all(),
        required=False,
        help_text=_("Slug of a branch (default: all branches together)."),
    )


class PlanQuerySerializer(serializers.Serializer):
    """?year=2026 on the action plan list."""

    year = _year(required=False, help_text=_("Only the plan of this year."))


class MissingQuerySerializer(PeriodQuerySerializer):
    branch = SlugField(
        queryset=Branch.objects.all(),
        required=False,
        help_text=_("Slug of a branch (default: all branches)."),
    )


class RecomputeSerializer(StrictTypesMixin, serializers.Serializer):
    year = _year(help_text=_("The year whose figures are recomputed."))


class ReportCreateSerializer(StrictTypesMixin, serializers.Serializer):
    as_of = BoundedDateField(help_text=_("Figures cover the year up to the day before."))
    overall_comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        help_text=_("Management's comment on the whole report, frozen with it."),
    )
    track_comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10000),
        required=False,
        help_text=_("Management's comment per track, by the track's slug, frozen with it."),
    )

    def validate_track_comments(self, value):
        from events.models import Track

        unknown = sorted(set(value) - set(Track.objects.values_list("slug", flat=True)))
        if unknown:
            raise serializers.ValidationError(
                _("No such track: %(slugs)s.") % {"slugs": ", ".join(unknown)}
            )
        return value


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where to poll the job."))

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "params",
            "state",
            "progress",
            "message",
            "result",
            "created_at",
            "started_at",
            "finished_at",
            "url",
        ]
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the job.")},
            "kind": {"help_text": _("What the job does.")},
            "params": {"help_text": _("What it was started with, e.g. the year.")},
            "state": {"help_text": _("Waiting, running, done or failed.")},
            "progress": {"help_text": _("How far it has come, in percent.")},
            "message": {"help_text": _("What it is doing now, or why it failed.")},
            "result": {"help_text": _("When done: what it produced, e.g. the report's id.")},
            "created_at": {"help_text": _("When it was started.")},
            "started_at": {"help_text": _("When a worker took it up (empty while waiting).")},
            "finished_at": {"help_text": _("When it succeeded or failed (empty until then).")},
        }

    def get_url(self, job) -> str:
        return reverse("status-job", kwargs={"pk": job.pk})


# --- responses of the status views (the views build plain dicts; these describe them) --------


class PeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("The year the period lies in."))
    kind = serializers.ChoiceField(
        choices=PeriodKind.choices,
        help_text=_("Month, quarter, half-year, year or year to date."),
    )
    index = serializers.IntegerField(
        help_text=_("Which month, quarter or half-year (1 for a year and the year to date).")
    )
    first = serializers.DateField(help_text=_("First day of the period (local date)."))
    last = serializers.DateField(help_text=_("Last day of the period, inclusive."))
    # The metaclass moves declared fields out of the class, so this does not replace the
    # serializer's own ``label`` attribute; the stubs cannot know that.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text=_("Short label, e.g. 2026-03, 2026 Q1, 2026 H2.")
    )


class FigureSerializer(serializers.Serializer):
    """One row of figures: a branch's track (cell), a branch, a track, or the grand total."""

    period_kind = serializers.ChoiceField(
        choices=PeriodKind.choices, help_text=_("Kind of the period the figures cover.")
    )
    period_index = serializers.IntegerField(help_text=_("Index of the period within its year."))
    branch_id = serializers.IntegerField(
        allow_null=True, help_text=_("Id of the branch; empty: all branches together.")
    )
    track_id = serializers.IntegerField(
        allow_null=True, help_text=_("Id of the track; empty: all tracks together.")
    )
    branch = serializers.SlugField(
        allow_null=True, help_text=_("Slug of the branch; empty: all branches together.")
    )
    branch_name = serializers.CharField(allow_null=True, help_text=_("Name of the branch."))
    track = serializers.SlugField(
        allow_null=True, help_text=_("Slug of the track; empty: all tracks together.")
    )
    track_name = serializers.CharField(allow_null=True, help_text=_("Name of the track."))
    held = serializers.IntegerField(help_text=_("Occurrences held."))
    events_held = serializers.IntegerField(help_text=_("Distinct events with an occurrence held."))
    cancelled = serializers.IntegerField(help_text=_("Occurrences cancelled."))
    with_attendance = serializers.IntegerField(help_text=_("Occurrences held with a head count."))
    missing_attendance = serializers.IntegerField(
        help_text=_("Occurrences held without a head count.")
    )
    attendance = serializers.IntegerField(help_text=_("Total head count."))
    children = serializers.IntegerField(help_text=_("Children (0-12) counted."))
    youth = serializers.IntegerField(help_text=_("Youth (13-17) counted."))
    adults = serializers.IntegerField(help_text=_("Adults (18-64) counted."))
    seniors = serializers.IntegerField(help_text=_("Seniors (65+) counted."))
    co_created_held = serializers.IntegerField(help_text=_("Co-created occurrences held."))
    average_attendance = serializers.FloatField(
        allow_null=True,
        help_text=_("Attendance per occurrence with a head count; empty when there is none."),
    )
    co_created_share = serializers.FloatField(
        allow_null=True,
        help_text=_("Share (0-1) of occurrences held that were co-created; empty when none held."),
    )
    target_held = serializers.IntegerField(
        allow_null=True,
        help_text=_("Target for events held in the year's action plan; empty: none."),
    )
    target_attendance = serializers.IntegerField(
        allow_null=True,
        help_text=_("Target for attendance in the year's action plan; empty: none."),
    )
    target_co_created = serializers.IntegerField(
        allow_null=True,
        help_text=_("Target for co-created events held in the year's action plan; empty: none."),
    )
    share_of_target_held = serializers.FloatField(
        allow_null=True, help_text=_("Occurrences held as a share of the target.")
    )
    share_of_target_attendance = serializers.FloatField(
        allow_null=True, help_text=_("Attendance as a share of the target.")
    )
    share_of_target_co_created = serializers.FloatField(
        allow_null=True, help_text=_("Co-created occurrences held as a share of the target.")
    )


class FiguresSerializer(serializers.Serializer):
    period = PeriodSerializer(help_text=_("The period the figures cover."))
    computed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When the stored figures were computed; empty for the year to date (computed on "
            "the spot) or a year never computed."
        ),
    )
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "The moment the stored figures count as held what had ended by; empty for the "
            "year to date (computed on the spot) or a year never computed."
        ),
    )
    stale = serializers.BooleanField(
        help_text=_(
            "True when a change since the figures were computed has touched the year: they are "
            "recomputed within minutes. Always false for the year to date."
        )
    )
    results = FigureSerializer(
        many=True,
        help_text=_("Grand total first, then the track totals, then branch by branch."),
    )


class BranchCoverageSerializer(serializers.Serializer):
    branch = serializers.SlugField(help_text=_("Slug of the branch."))
    branch_name = serializers.CharField(help_text=_("Name of the branch."))
    tracks = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("Occurrences held per track, by the track's slug (every track listed)."),
    )
    covered = serializers.IntegerField(help_text=_("How many tracks it has held at least once."))
    of = serializers.IntegerField(help_text=_("How many tracks there are."))
    complete = serializers.BooleanField(help_text=_("True when it has held every track."))


class TrackCoverageSerializer(serializers.Serializer):
    period = PeriodSerializer(help_text=_("The period covered."))
    results = BranchCoverageSerializer(many=True, help_text=_("One row per branch, in order."))


class TrackMonthsSerializer(serializers.Serializer):
    track = serializers.SlugField(help_text=_("Slug of the track."))
    track_name = serializers.CharField(help_text=_("Name of the track."))
    attendance = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=12,
        max_length=12,
        help_text=_("Attendance of each month, January to December."),
    )
    held = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=12,
        max_length=12,
        help_text=_("Occurrences held in each month, January to December."),
    )


class MonthlyAttendanceSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("The year listed."))
    results = TrackMonthsSerializer(
        many=True, help_text=_("One row per track, in order (stored figures).")
    )


class MissingOccurrenceSerializer(serializers.Serializer):
    occurrence = serializers.IntegerField(help_text=_("Id of the occurrence."))
    event = serializers.IntegerField(help_text=_("Id of its event."))
    title = serializers.CharField(help_text=_("Title of the event."))
    branch = serializers.SlugField(help_text=_("Slug of the event's branch."))
    start = serializers.DateTimeField(help_text=_("Start, in local time (Europe/Copenhagen)."))


class MissingAttendanceSerializer(serializers.Serializer):
    period = PeriodSerializer(help_text=_("The period searched."))
    count = serializers.IntegerField(help_text=_("How many there are in all."))
    results = MissingOccurrenceSerializer(many=True, help_text=_("The first 500, oldest first."))


class StatusReportSerializer(serializers.ModelSerializer):
    """A frozen status report, without its figures (listed); read-only: reports are generated,
    never edited."""

    links = serializers.SerializerMethodField(
        help_text=_(
            "Where to download it: csv (the figures; ?dialect=excel-da for Danish Excel), xlsx "
            "(summary, figures, track coverage, months and the action plans), html (a readable, "
            "printable page) and pdf (the same page as an A4 PDF)."
        )
    )

    class Meta:
        model = StatusReport
        fields = [
            "id",
            "title",
            "kind",
            "as_of",
            "year",
            "period_start",
            "period_end",
            "scheduled",
            "generated_at",
            "links",
        ]
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the report.")},
            "title": {
                "help_text": _("Title given when it was generated, e.g. the KIU meeting it is for.")
            },
            "kind": {
                "help_text": _(
                    "For the June KIU meeting (dated 1 June), the December KIU meeting (dated "
                    "1 December), or on demand (any other date)."
                )
            },
            "year": {"help_text": _("The year its figures cover.")},
            "period_start": {"help_text": _("First day counted: 1 January of the year.")},
            "period_end": {"help_text": _("Last day counted: the day before as_of.")},
            "scheduled": {
                "help_text": _(
                    "True when the schedule generated it (1 June and 1 December); false when "
                    "someone asked for it."
                )
            },
            "generated_at": {
                "help_text": _(
                    "When it was generated: it holds the figures as they were then, and they "
                    "never change afterwards."
                )
            },
        }

    def get_links(self, report) -> dict[str, str]:
        return {
            fmt: reverse(f"status-report-{fmt}", kwargs={"pk": report.pk})
            for fmt in ("csv", "xlsx", "html", "pdf")
        }


class StatusReportDetailSerializer(StatusReportSerializer):
    """A frozen status report with its figures."""

    class Meta(StatusReportSerializer.Meta):
        fields = [*StatusReportSerializer.Meta.fields, "overall_comment", "track_comments", "data"]
        extra_kwargs = {
            **StatusReportSerializer.Meta.extra_kwargs,
            "data": {
                "help_text": _(
                    "The frozen figures: period; held_as_of (when occurrences were counted as "
                    "held); plan (the year's action plan as it was, or null); next_plan (next "
                    "year's plan in a report dated in December, otherwise null); figures (the "
                    "year to date in every scope, as rows of the figures view); monthly (each "
                    "month, all branches: per track and in total); coverage (tracks held per "
                    "branch); tracks (slug and name, in order); previous (the same period last "
                    "year: period and its all-branch figures); summary (total and per track, "
                    "this year and last: held, attendance, shares of target, missing rate, age "
                    "groups); overall_comment and track_comments (management's, frozen)."
                )
            },
        }


class TargetSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """A target of the plan for one scope: a branch's track, a branch, a track, or everything.
    Each number is for the whole year; the figures compare the period's count with it."""

    branch = SlugField(
        queryset=Branch.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Slug of the branch; empty: all branches together."),
    )
    track = SlugField(
        queryset=Track.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Slug of the track; empty: all tracks together."),
    )

    class Meta:
        model = Target
        # held, attendance, co_created: described by the model (Target).
        fields = ["branch", "track", "held", "attendance", "co_created"]


class InitiativeSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """An initiative of the plan: free text under one track, optionally at one branch."""

    track = SlugField(
        queryset=Track.objects.all(),
        help_text=_("Slug of the track it serves."),
    )
    branch = SlugField(
        queryset=Branch.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Slug of the branch responsible; empty: all branches."),
    )

    events = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.all(),
        many=True,
        required=False,
        help_text=_(
            "Ids of the events that carry the initiative out; its figures are theirs. "
            "An event may serve several initiatives."
        ),
    )

    class Meta:
        model = Initiative
        fields = ["id", "track", "branch", "text", "order", "status", "note", "events"]
        extra_kwargs = {
            "id": {
                "help_text": _(
                    "Identifier of the initiative (new ones when the plan's list is replaced)."
                )
            },
            "status": {
                "help_text": _(
                    "How far it has come: planned (default), in_progress, done, postponed or "
                    "dropped."
                )
            },
            "note": {"help_text": _("Progress note; may be empty.")},
            "text": {"help_text": _("What is to be done, in free text (not blank).")},
            "order": {
                "help_text": _(
                    "Place among its track's initiatives, lowest first; 0 or left out: its "
                    "place in the list sent."
                )
            },
        }


class InitiativeChangeSerializer(InitiativeSerializer):
    """A change of one initiative: management sets status, note, branch and events; staff of a
    branch link and unlink their own branch's events (only ``events``)."""

    class Meta(InitiativeSerializer.Meta):
        fields = ["status", "note", "branch", "events"]


class ActionPlanSerializer(StrictTypesMixin, serializers.ModelSerializer):
    """An action plan. Staff read it; management and administrators write it."""

    targets = TargetSerializer(
        many=True,
        required=False,
        help_text=_(
            "The plan's targets, at most one per branch and track. When sent, they replace the "
            "plan's targets; left out, they are kept."
        ),
    )
    initiatives = InitiativeSerializer(
        many=True,
        required=False,
        help_text=_(
            "The plan's initiatives, by track. When sent, they replace the plan's initiatives; "
            "left out, they are kept."
        ),
    )
    copied_from: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="year",
        read_only=True,
        allow_null=True,
        help_text=_("Year of the plan this one was copied from; empty: not a copy."),
    )

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "year",
            "status",
            "title",
            "notes",
            "adopted_on",
            "copied_from",
            "targets",
            "initiatives",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": _("Identifier of the plan.")},
            # Uniqueness of the year is checked by the service, with the field named.
            "year": {
                "validators": [],
                "min_value": MIN_YEAR,
                "max_value": MAX_YEAR,
                "help_text": _("The year the plan is for; one plan per year."),
            },
            "status": {
                "help_text": _(
                    "Draft or adopted. A plan adopted without a date gets today's as adopted_on."
                )
            },
            "title": {"help_text": _("Title, e.g. Handleplan 2026; may be empty.")},
            "notes": {"help_text": _("Free-text notes; may be empty.")},
            "adopted_on": {"help_text": _("The day it was adopted; empty: not (yet) adopted.")},
            "created_at": {"help_text": _("When it was created.")},
            "updated_at": {"help_text": _("When it was last changed.")},
        }


class ActionPlanCopySerializer(StrictTypesMixin, serializers.Serializer):
    year = _year(
        required=False,
        help_text=_("The year of the new plan (default: the year after this plan's)."),
    )


# --- national statistics ---------------------------------------------------------------------


class NationalQuerySerializer(serializers.Serializer):
    """?frozen=true: the sheet frozen with the year's December KIU report."""

    frozen = serializers.BooleanField(
        default=False,
        help_text=_(
            "true: the sheet frozen with the year's December KIU report (404 if there is none); "
            "false (default): counted now."
        ),
    )


class NationalCsvQuerySerializer(NationalQuerySerializer):
    dialect = serializers.ChoiceField(
        choices=["plain", "excel-da"],
        default="plain",
        help_text=_(
            "plain (default): comma, dot decimals, UTF-8; excel-da: semicolon, decimal comma, "
            "UTF-8 with a byte order mark, as Danish Excel opens it."
        ),
    )


def _list_of(choices, text) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices.choices), help_text=text
    )


class NationalMappingLineSerializer(serializers.Serializer):
    code = serializers.SlugField(help_text=_("Names the answer across years."))
    form = serializers.ChoiceField(
        choices=NationalLine.Form.choices, help_text=_("The questionnaire the answer is in.")
    )
    label_da = serializers.CharField(help_text=_("The answer's name in Danish."))
    label_en = serializers.CharField(help_text=_("The answer's name in English (may be empty)."))
    order = serializers.IntegerField(help_text=_("Place in the sheet, lowest first."))
    measure = serializers.ChoiceField(
        choices=NationalLine.Measure.choices,
        help_text=_(
            "occurrences: held occurrences, each session once; events: distinct events with a "
            "held occurrence; participants: their recorded attendance."
        ),
    )
    kinds = _list_of(Event.Kind, _("The event kinds counted."))
    venues = _list_of(Event.Venue, _("The venues counted; empty: every venue."))
    barometer_types = _list_of(
        Event.BarometerType, _("The barometer types counted; empty: any or none.")
    )
    initiated_by = _list_of(
        Event.InitiatedBy, _("Who started the events counted; empty: anyone or not said.")
    )


class NationalAdjustmentSerializer(serializers.Serializer):
    delta = serializers.IntegerField(help_text=_("Added to the counted figure."))
    reason = serializers.CharField(help_text=_("Why the answer is adjusted."))
    changed_by = serializers.CharField(help_text=_("User name of who set it (may be empty)."))
    changed_at = serializers.DateTimeField(help_text=_("When it was set, local time."))


class NationalVenuesSerializer(serializers.Serializer):
    library = serializers.IntegerField(help_text=_("In the library."))
    community = serializers.IntegerField(help_text=_("Out in the local community."))
    online = serializers.IntegerField(help_text=_("Online."))


class NationalAnswerSerializer(NationalMappingLineSerializer):
    counted = serializers.IntegerField(help_text=_("The figure counted from the occurrences."))
    adjustment = NationalAdjustmentSerializer(
        allow_null=True, help_text=_("The adjustment of this answer this year, if any.")
    )
    answer = serializers.IntegerField(help_text=_("The answer to give: counted + adjustment."))
    held = serializers.IntegerField(help_text=_("Held occurrences feeding the answer."))
    with_attendance = serializers.IntegerField(
        help_text=_("Of them, with attendance recorded (0 included).")
    )
    zero_attendance = serializers.IntegerField(help_text=_("Of them, with attendance 0."))
    missing_attendance = serializers.IntegerField(
        help_text=_("Of them, with no attendance recorded: counted as held, never guessed.")
    )
    by_venue = NationalVenuesSerializer(help_text=_("The counted figure by venue."))
    by_branch = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_("The counted figure by branch: the branch's id as key."),
    )


class NationalBranchSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Id of the branch."))
    slug = serializers.SlugField(help_text=_("Slug of the branch."))
    name = serializers.CharField(help_text=_("Name of the branch."))


class NationalMissingSerializer(MissingOccurrenceSerializer):
    branch_name = serializers.CharField(help_text=_("Name of the event's branch."))
    kind = serializers.ChoiceField(choices=Event.Kind.choices, help_text=_("The event's kind."))
    venue = serializers.ChoiceField(choices=Event.Venue.choices, help_text=_("The event's venue."))
    lines = serializers.ListField(
        child=serializers.SlugField(), help_text=_("Codes of the answers it feeds.")
    )


class NationalSheetSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("The year answered."))
    first = serializers.DateField(help_text=_("First local date counted."))
    last = serializers.DateField(
        help_text=_("Last local date counted (30 November in a sheet frozen in December).")
    )
    held_as_of = serializers.DateTimeField(
        help_text=_("Occurrences count as held if they had ended by then.")
    )
    mapping_source = serializers.ChoiceField(
        choices=["year", "default", "given"],
        help_text=_("year: the year's own mapping; default: the default mapping."),
    )
    mapping = NationalMappingLineSerializer(
        many=True, help_text=_("The mapping the sheet was counted with.")
    )
    branches = NationalBranchSerializer(many=True, help_text=_("The branches, in order."))
    lines = NationalAnswerSerializer(many=True, help_text=_("The answers, in order."))
    missing = NationalMissingSerializer(
        many=True, help_text=_("Held occurrences feeding an answer without attendance recorded.")
    )
    missing_count = serializers.IntegerField(help_text=_("How many of them."))
    frozen_with = serializers.IntegerField(
        allow_null=True,
        help_text=_("Id of the December KIU report that froze this sheet; null if counted now."),
    )
