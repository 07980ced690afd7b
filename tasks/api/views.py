"""The status API: figures, track coverage, recompute jobs, reports and action plans.

Each view validates its input with a serializer (400 naming the field), calls one service or
read function of ``tasks.services`` and serializes the result.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from events import roles
from events.api.filters import KnownQueryParameters, query_parameters_check
from events.models import LOCAL_TZ, Event
from tasks.dispatch import status_recompute_start, status_report_start
from tasks.services.figures import Period, period_get
from tasks.services.initiatives import initiative_update
from tasks.services.jobs import job_get
from tasks.services.national import national_sheet, national_sheet_frozen
from tasks.services.plans import action_plan_copy, action_plan_save
from tasks.services.read import (
    missing_attendance_list,
    monthly_attendance_by_track,
    status_figures,
    status_figures_state,
    track_coverage,
)
from tasks.services.reports import status_report_list

from .. import exports
from ..models import ActionPlan
from . import serializers
from .permissions import LinksInitiativeEvents, ManagesStatus, ReadsStatus, may_manage_status

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Identifier of the plan.")
)


def _query(serializer_class, request, *, check_unknown: bool = True):
    if check_unknown:  # 400 naming a parameter the view does not take
        query_parameters_check(request, {"format", *serializer_class().fields})
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _period(data) -> Period:
    return period_get(
        year=data["year"], kind=data["period"], index=data.get("index"), on=data.get("date")
    )


def _job_accepted(job) -> Response:
    """202 for a job just started: the job as read back, and where to poll it."""
    job = job_get(job_id=job.pk)
    return Response(
        serializers.JobSerializer(job).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": reverse("status-job", kwargs={"pk": job.pk})},
    )


class StatusFiguresView(APIView):
    """Figures of a period: ``year``, ``period`` (month, quarter, half, year, ytd), ``index``
    (which month/quarter/half), ``date`` (for ytd), and optionally ``branch``, ``track``
    (slugs) and ``scope`` (cell, branch, track, total)."""

    permission_classes = [ReadsStatus]

    @extend_schema(
        parameters=[serializers.FigureQuerySerializer], responses=serializers.FiguresSerializer
    )
    def get(self, request):
        data = _query(serializers.FigureQuerySerializer, request)
        period = _period(data)
        rows = status_figures(
            period=period,
            branch=data.get("branch"),
            track=data.get("track"),
            scope=data.get("scope"),
        )
        state = status_figures_state(year=period.year)
        stored = period.kind != "ytd"  # the year to date is computed on the spot

        def moment(value):
            return value.isoformat() if stored and value is not None else None

        return Response(
            {
                "period": period.as_dict(),
                "computed_at": moment(state["computed_at"]),
                "as_of": moment(state["as_of"]),
                "stale": stored and state["stale"],
                "results": rows,
            }
        )


class TrackCoverageView(APIView):
    """For each branch, which tracks it has held in the period."""

    permission_classes = [ReadsStatus]

    @extend_schema(
        parameters=[serializers.PeriodQuerySerializer],
        responses=serializers.TrackCoverageSerializer,
    )
    def get(self, request):
        period = _period(_query(serializers.PeriodQuerySerializer, request))
        return Response({"period": period.as_dict(), "results": track_coverage(period=period)})


class MonthlyAttendanceView(APIView):
    """Per track, the attendance and held occurrences of each month of ``year``."""

    permission_classes = [ReadsStatus]

    @extend_schema(
        parameters=[serializers.MonthlyQuerySerializer],
        responses=serializers.MonthlyAttendanceSerializer,
    )
    def get(self, request):
        data = _query(serializers.MonthlyQuerySerializer, request)
        rows = monthly_attendance_by_track(year=data["year"], branch=data.get("branch"))
        return Response({"year": data["year"], "results": rows})


class MissingAttendanceView(APIView):
    """Held occurrences of the period without a head count (at most 500, oldest first)."""

    permission_classes = [ReadsStatus]

    @extend_schema(
        parameters=[serializers.MissingQuerySerializer],
        responses=serializers.MissingAttendanceSerializer,
    )
    def get(self, request):
        data = _query(serializers.MissingQuerySerializer, request)
        period = _period(data)
        qs = missing_attendance_list(period=period, branch=data.get("branch"))
        rows = [
            {
                "occurrence": o.pk,
                "event": o.event_id,
                "title": o.event.title,
                "branch": o.event.branch.slug,
                "start": o.start.astimezone(LOCAL_TZ).isoformat(),
            }
            for o in qs[:500]
        ]
        return Response({"period": period.as_dict(), "count": qs.count(), "results": rows})


class RecomputeView(APIView):
    """POST ``{"year": 2026}``: recompute that year's figures in the background (202 + job)."""

    permission_classes = [ManagesStatus]

    @extend_schema(
        description=_(
            "Recompute the stored figures of a year in the background, from the source rows "
            "(idempotent: a second run gives the same figures). Answers 202 with the job to "
            "poll. Management and administrators only."
        ),
        request=serializers.RecomputeSerializer,
        responses={
            202: OpenApiResponse(
                serializers.JobSerializer,
                description=_("The job started; poll it at its url (also in Location)."),
            )
        },
    )
    def post(self, request):
        data = serializers.RecomputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = status_recompute_start(year=data.validated_data["year"], user=request.user)
        return _job_accepted(job)


class JobView(APIView):
    """A job's state and progress."""

    permission_classes = [ReadsStatus]

    @extend_schema(
        description=_(
            "A background job's state and progress (percent and message), and its result "
            "when it has finished."
        ),
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("Id of the job.")
            )
        ],
        responses=serializers.JobSerializer,
    )
    def get(self, request, pk):
        job = job_get(job_id=pk)
        return Response(serializers.JobSerializer(job).data)


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Frozen status reports, newest first, without their figures. Staff, management and "
            "administrators may read them."
        )
    ),
    retrieve=extend_schema(
        description=_(
            "One status report with its frozen figures: as they were when it was generated, "
            "never recomputed."
        )
    ),
)
class StatusReportViewSet(
    KnownQueryParameters, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Frozen status reports; POST ``{"as_of": "2026-06-01"}`` generates one (202 + job)."""

    permission_classes = [ReadsStatus]

    def get_queryset(self):
        return status_report_list()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.StatusReportDetailSerializer
        return serializers.StatusReportSerializer

    @extend_schema(
        description=_(
            "Generate a status report of the year up to the day before as_of, in the "
            "background. Dated 1 June or 1 December, it is the report for that KIU meeting. "
            "Management and administrators only."
        ),
        request=serializers.ReportCreateSerializer,
        responses={
            202: OpenApiResponse(
                serializers.JobSerializer,
                description=_("The job generating the report; its result names the report."),
            )
        },
    )
    def create(self, request):
        data = serializers.ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = status_report_start(
            as_of=data.validated_data["as_of"],
            user=request.user,
            overall_comment=data.validated_data.get("overall_comment", ""),
            track_comments=data.validated_data.get("track_comments") or {},
        )
        return _job_accepted(job)

    def _file(self, content: bytes, content_type: str, ext: str) -> HttpResponse:
        report = self.get_object()
        response = HttpResponse(content, content_type=content_type)
        name = slugify(f"status-{report.period_start}-{report.period_end}-{report.pk}")
        response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
        return response

    @extend_schema(
        description=_(
            "The report's figures (year to date, every scope) as a CSV file; headings in the "
            "language asked for (Accept-Language). dialect=plain (default): comma, dot "
            "decimals, UTF-8; dialect=excel-da: semicolon, decimal comma, UTF-8 with a byte "
            "order mark, as Danish Excel opens it."
        ),
        parameters=[
            OpenApiParameter(
                "dialect",
                OpenApiTypes.STR,
                enum=["plain", "excel-da"],
                description=_("plain (default) or excel-da."),
            )
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="csv", url_name="csv")
    def csv(self, request, pk=None):
        dialect = request.query_params.get("dialect", "plain")
        if dialect not in exports.CSV_DIALECTS:
            raise ValidationError(
                {
                    "dialect": [
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(exports.CSV_DIALECTS)}
                    ]
                }
            )
        return self._file(
            exports.report_csv(self.get_object(), dialect=dialect),
            "text/csv; charset=utf-8",
            "csv",
        )

    @extend_schema(
        description=_(
            "The report as an Excel workbook: figures, track coverage, months, and the action "
            "plan (and next year's, if the report has it)."
        ),
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="xlsx", url_name="xlsx")
    def xlsx(self, request, pk=None):
        return self._file(exports.report_xlsx(self.get_object()), XLSX, "xlsx")

    @extend_schema(
        description=_(
            "The report as an A4 PDF document (summary, every track, the plans), rendered on the "
            "server from the printable page."
        ),
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf")
    def pdf(self, request, pk=None):
        return self._file(exports.report_pdf(self.get_object()), "application/pdf", "pdf")

    @extend_schema(
        description=_("The report as a readable, printable web page."),
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], url_path="html", url_name="html")
    def html(self, request, pk=None):
        report = self.get_object()
        links = {
            fmt: reverse(f"status-report-{fmt}", kwargs={"pk": report.pk})
            for fmt in ("csv", "xlsx", "pdf")
        }
        links["csv_da"] = links["csv"] + "?dialect=excel-da"
        return HttpResponse(
            exports.report_html(report, request=request, download_links=links),
            content_type="text/html; charset=utf-8",
        )


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Action plans, newest year first. Staff, management and administrators may read them."
        ),
        parameters=[serializers.PlanQuerySerializer],
    ),
    retrieve=extend_schema(
        description=_("One action plan with its targets and initiatives."), parameters=[PLAN_ID]
    ),
    create=extend_schema(
        description=_(
            "Create the action plan of a year, with its targets and initiatives (one plan per "
            "year). Management and administrators only."
        )
    ),
    update=extend_schema(
        parameters=[PLAN_ID],
        description=_(
            "Change a plan. targets and initiatives, when sent, replace the plan's lists; left "
            "out, they are kept. Management and administrators only."
        ),
    ),
    partial_update=extend_schema(
        parameters=[PLAN_ID],
        description=_(
            "Change some of a plan's fields. targets and initiatives, when sent, replace the "
            "plan's lists. Management and administrators only."
        ),
    ),
    destroy=extend_schema(
        parameters=[PLAN_ID],
        description=_(
            "Delete a plan with its targets and initiatives. Reports already generated keep "
            "the plan as they froze it. Management and administrators only."
        ),
    ),
)
class ActionPlanViewSet(KnownQueryParameters, viewsets.ModelViewSet):
    """Action plans, one per year: read by staff, written by management and administrators.
    ``targets`` and ``initiatives``, when sent, replace the plan's lists. POST
    ``/action-plans/{id}/copy/`` starts next year's plan from this one."""

    permission_classes = [ReadsStatus]
    serializer_class = serializers.ActionPlanSerializer
    lookup_value_regex = r"[0-9]+"  # anything else is a 404, never a database error
    extra_query_parameters = ("year",)

    def get_queryset(self):
        qs = ActionPlan.objects.prefetch_related(
            "targets__branch",
            "targets__track",
            "initiatives__track",
            "initiatives__branch",
            "initiatives__events",
        ).select_related("copied_from")
        if self.action == "list":
            query = _query(serializers.PlanQuerySerializer, self.request, check_unknown=False)
            year = query.get("year")
            if year is not None:
                qs = qs.filter(year=year)
        return qs.order_by("-year")

    def _save(self, serializer, plan=None):
        data = dict(serializer.validated_data)
        targets = data.pop("targets", None)
        initiatives = data.pop("initiatives", None)
        return action_plan_save(plan=plan, targets=targets, initiatives=initiatives, **data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = self._save(serializer)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        plan = self.get_object()
        serializer = self.get_serializer(plan, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        plan = self._save(serializer, plan=plan)
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(
        description=_(
            "Start another year's plan (default: the next year) as a draft copy of this one: "
            "its notes, targets and initiatives, with the year in the title replaced. Refused "
            "(400) if that year has a plan already. Management and administrators only."
        ),
        parameters=[PLAN_ID],
        request=serializers.ActionPlanCopySerializer,
        responses={201: serializers.ActionPlanSerializer},
    )
    @action(detail=True, methods=["post"], url_path="copy", url_name="copy")
    def copy(self, request, pk=None):
        source = self.get_object()
        data = serializers.ActionPlanCopySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = action_plan_copy(source=source, year=data.validated_data.get("year"))
        return Response(
            self.get_serializer(self.get_queryset().get(pk=plan.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        description=_(
            "Change one initiative of the plan. Management and administrators set status, "
            "note, branch and events; staff of a branch may send only events, and add or "
            "remove only their own branch's events (403 otherwise; 400 naming events for "
            "another branch's)."
        ),
        parameters=[
            PLAN_ID,
            OpenApiParameter(
                "initiative_pk",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description=_("Identifier of the initiative."),
            ),
        ],
        request=serializers.InitiativeChangeSerializer,
        responses={200: serializers.InitiativeSerializer},
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"initiatives/(?P<initiative_pk>[0-9]+)",
        url_name="initiative",
        permission_classes=[LinksInitiativeEvents],
    )
    def initiative(self, request, pk=None, initiative_pk=None):
        plan = self.get_object()
        initiative = get_object_or_404(plan.initiatives.all(), pk=initiative_pk)
        data = serializers.InitiativeChangeSerializer(initiative, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if not may_manage_status(request.user):
            if set(changes) - {"events"}:
                raise PermissionDenied(
                    _("Staff may only link their branch's events; management changes the rest.")
                )
            if "events" in changes:
                before = set(initiative.events.values_list("pk", flat=True))
                after = {e.pk for e in changes["events"]}
                own = roles.branch_ids(request.user)
                foreign = Event.objects.filter(pk__in=before ^ after).exclude(branch_id__in=own)
                if foreign.exists():
                    raise ValidationError(
                        {"events": [_("You may link and unlink only your own branch's events.")]}
                    )
        kwargs = {k: changes[k] for k in ("status", "note", "events") if k in changes}
        if "branch" in changes:
            kwargs["branch"] = changes["branch"]
        initiative = initiative_update(initiative=initiative, **kwargs)
        return Response(serializers.InitiativeSerializer(initiative).data)

    def get_object(self):
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj


# --- national statistics ---------------------------------------------------------------------

NATIONAL_YEAR = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description=_("The year answered (2000 to 2100)."),
)


def national_sheet_for(year: int, *, frozen: bool) -> tuple[dict, str]:
    """The sheet counted now, or the one frozen with the December KIU report (404 without
    one), with the title of the report that froze it."""
    if not frozen:
        try:
            sheet = national_sheet(year=year)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return {**sheet, "frozen_with": None}, ""
    report = national_sheet_frozen(year=year)
    if report is None:
        raise NotFound(_("No December KIU report has frozen a sheet for this year."))
    return {**report.data["national"], "frozen_with": report.pk}, report.title


class _NationalView(APIView):
    permission_classes = [ManagesStatus]
    query = serializers.NationalQuerySerializer

    def sheet(self, request, year):
        data = _query(self.query, request)
        return data, *national_sheet_for(year, frozen=data["frozen"])


class NationalStatisticsView(_NationalView):
    """The yearly answers to Danmarks Statistik (BIB2B) and the library barometer."""

    @extend_schema(
        description=_(
            "The national statistics' answer sheet of a year for the whole library system, "
            "counted by DESIGN.md's rules N1-N6 from the held occurrences (drafts never count), "
            "each answer with its adjustment, by venue and by branch, and the held occurrences "
            "missing attendance (never guessed). frozen=true gives the sheet the December KIU "
            "report froze, with the mapping it was counted with. Management and administrators "
            "only."
        ),
        parameters=[NATIONAL_YEAR, serializers.NationalQuerySerializer],
        responses=serializers.NationalSheetSerializer,
    )
    def get(self, request, year):
        _data, sheet, _title = self.sheet(request, year)
        return Response(sheet)


def _national_file(content: bytes, content_type: str, *, year: int, frozen: bool, ext: str):
    response = HttpResponse(content, content_type=content_type)
    name = f"national-statistics-{year}{'-december' if frozen else ''}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response


class NationalStatisticsCsvView(_NationalView):
    query = serializers.NationalCsvQuerySerializer

    @extend_schema(
        description=_(
            "The answer sheet as a CSV file: the answers, then the held occurrences missing "
            "attendance; headings in the language asked for (Accept-Language). Management "
            "and administrators only."
        ),
        parameters=[NATIONAL_YEAR, serializers.NationalCsvQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request, year):
        data, sheet, title = self.sheet(request, year)
        content = exports.national_csv(sheet, dialect=data["dialect"], frozen_title=title)
        return _national_file(
            content, "text/csv; charset=utf-8", year=year, frozen=data["frozen"], ext="csv"
        )


class NationalStatisticsXlsxView(_NationalView):
    @extend_schema(
        description=_(
            "The answer sheet as an Excel workbook: the answers, the held occurrences missing "
            "attendance and the mapping. Management and administrators only."
        ),
        parameters=[NATIONAL_YEAR, serializers.NationalQuerySerializer],
        responses={(200, XLSX): OpenApiTypes.BINARY},
    )
    def get(self, request, year):
        data, sheet, title = self.sheet(request, year)
        content = exports.national_xlsx(sheet, frozen_title=title)
        return _national_file(content, XLSX, year=year, frozen=data["frozen"], ext="xlsx")
