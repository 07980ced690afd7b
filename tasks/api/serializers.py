"""Serializers of the status API: query parameters in, figures, jobs, reports and plans out."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.models import Branch, Track

from ..models import ActionPlan, Initiative, Job, PeriodKind, StatusReport, Target
from ..services import SCOPES


class PeriodQuerySerializer(serializers.Serializer):
    """?year=2026&period=quarter&index=2 or ?year=2026&period=ytd&date=2026-05-31"""

    year = serializers.IntegerField(min_value=2000, max_value=2100)
    period = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.YEAR)
    index = serializers.IntegerField(required=False, min_value=1, max_value=12)
    date = serializers.DateField(required=False)


class FigureQuerySerializer(PeriodQuerySerializer):
    branch = serializers.SlugRelatedField(
        slug_field="slug", queryset=Branch.objects.all(), required=False
    )
    track = serializers.SlugRelatedField(
        slug_field="slug", queryset=Track.objects.all(), required=False
    )
    scope = serializers.ChoiceField(choices=SCOPES, required=False)


class MonthlyQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    branch = serializers.SlugRelatedField(
        slug_field="slug", queryset=Branch.objects.all(), required=False
    )


class MissingQuerySerializer(PeriodQuerySerializer):
    branch = serializers.SlugRelatedField(
        slug_field="slug", queryset=Branch.objects.all(), required=False
    )


class RecomputeSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ReportCreateSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text=_("Figures cover the year up to the day before."))


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

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

    def get_url(self, job) -> str:
        return reverse("status-job", kwargs={"pk": job.pk})


class StatusReportSerializer(serializers.ModelSerializer):
    links = serializers.SerializerMethodField()

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

    def get_links(self, report) -> dict[str, str]:
        return {
            fmt: reverse(f"status-report-{fmt}", kwargs={"pk": report.pk})
            for fmt in ("csv", "xlsx", "html")
        }


class StatusReportDetailSerializer(StatusReportSerializer):
    class Meta(StatusReportSerializer.Meta):
        fields = [*StatusReportSerializer.Meta.fields, "data"]


class TargetSerializer(serializers.ModelSerializer):
    branch = serializers.SlugRelatedField(
        slug_field="slug", queryset=Branch.objects.all(), allow_null=True, required=False
    )
    track = serializers.SlugRelatedField(
        slug_field="slug", queryset=Track.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Target
        fields = ["branch", "track", "held", "attendance", "co_created"]


class InitiativeSerializer(serializers.ModelSerializer):
    track = serializers.SlugRelatedField(slug_field="slug", queryset=Track.objects.all())
    branch = serializers.SlugRelatedField(
        slug_field="slug", queryset=Branch.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Initiative
        fields = ["track", "branch", "text", "order"]


class ActionPlanSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, required=False)
    initiatives = InitiativeSerializer(many=True, required=False)
    copied_from: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="year", read_only=True
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
        # Uniqueness of the year is checked by the service, with the field named.
        extra_kwargs = {"year": {"validators": [], "min_value": 2000, "max_value": 2100}}


class ActionPlanCopySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
