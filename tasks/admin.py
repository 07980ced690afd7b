from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from events.admin import add_service_errors, dry_run
from events.models import Event
from tasks.dispatch import status_recompute_start
from tasks.services.national import (
    LINE_FILTERS,
    national_adjustment_save,
    national_adjustment_validate,
    national_line_validate,
)
from tasks.services.plans import _plan_rows_validate, action_plan_copy, action_plan_save

from .models import (
    ActionPlan,
    DigestEntry,
    Initiative,
    Job,
    NationalAdjustment,
    NationalLine,
    NotificationPreference,
    StatusFigure,
    StatusReport,
    StatusYear,
    Target,
)


class TargetFormSet(BaseInlineFormSet):
    """The plan's targets, checked by the rule ``action_plan_save`` applies to them (one target
    per branch and track), so the admin refuses what the API refuses."""

    def clean(self):
        super().clean()
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            _plan_rows_validate(rows, None)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["targets"]) from exc


class TargetInline(admin.TabularInline):
    model = Target
    formset = TargetFormSet
    extra = 0
    autocomplete_fields = ()


class InitiativeInline(admin.StackedInline):
    """An initiative with its status, progress note, responsible branch and events; events are
    picked by searching (the event admin's search), never from a list of every event."""

    model = Initiative
    extra = 0
    fields = [("track", "branch", "order"), "text", ("status", "note"), "events"]
    autocomplete_fields = ("events",)


PLAN_FIELDS = ("year", "status", "title", "notes", "adopted_on")


def _plan_fields(data: dict) -> dict:
    return {name: data[name] for name in PLAN_FIELDS if name in data}


class ActionPlanForm(forms.ModelForm):
    """A plan's own fields, saved by ``action_plan_save`` (its adoption date and ``updated_at``
    rules); the form runs it in a rolled-back savepoint to show its errors on the fields."""

    class Meta:
        model = ActionPlan
        fields = PLAN_FIELDS

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean returns
        if self.errors:
            return data
        current = ActionPlan.objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            dry_run(lambda: action_plan_save(plan=current, **_plan_fields(data)))
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    form = ActionPlanForm
    list_display = ["year", "title", "status", "adopted_on", "updated_at"]
    list_filter = ["status"]
    inlines = [TargetInline, InitiativeInline]
    readonly_fields = ["copied_from", "created_at", "updated_at"]
    actions = ["copy_to_next_year"]

    def save_model(self, request, obj, form, change):
        current = ActionPlan.objects.get(pk=obj.pk) if change else None
        saved = action_plan_save(plan=current, **_plan_fields(form.cleaned_data))
        for f in ActionPlan._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding, obj._state.db = False, saved._state.db

    @admin.action(description=_("Copy as next year's plan"))
    def copy_to_next_year(self, request, queryset):
        for plan in queryset:
            try:
                new = action_plan_copy(source=plan)
            except ValidationError as exc:
                text = "; ".join(exc.messages)
                self.message_user(request, f"{plan.year}: {text}", messages.ERROR)
            else:
                self.message_user(request, _("Created the plan for %(year)d.") % {"year": new.year})


@admin.register(StatusFigure)
class StatusFigureAdmin(admin.ModelAdmin):
    list_display = [
        "year",
        "period_kind",
        "period_index",
        "branch",
        "track",
        "held",
        "attendance",
        "missing_attendance",
        "computed_at",
    ]
    list_filter = ["year", "period_kind", "branch", "track"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StatusYear)
class StatusYearAdmin(admin.ModelAdmin):
    list_display = ["year", "computed_at", "computed_now", "runs"]
    actions = ["recompute"]

    @admin.action(description=_("Recompute in the background"))
    def recompute(self, request, queryset):
        for row in queryset:
            status_recompute_start(year=row.year, user=request.user)
        self.message_user(request, _("Recompute started."))


@admin.register(StatusReport)
class StatusReportAdmin(admin.ModelAdmin):
    list_display = ["title", "as_of", "kind", "scheduled", "generated_at"]
    list_filter = ["kind", "scheduled"]
    readonly_fields = [f.name for f in StatusReport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "state"]
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Administrators set a user's digest and mail language here; each user sets their own on
    the staff page /personale/notifikationer/ (linked from this list)."""

    list_display = ["user", "attendance_digest", "language", "updated_at"]
    list_filter = ["attendance_digest", "language"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    fields = ["user", "attendance_digest", "language"]
    change_list_template = "admin/tasks/notificationpreference/change_list.html"

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(DigestEntry)
class DigestEntryAdmin(admin.ModelAdmin):
    """The log of the attendance digests: which occurrence was listed to whom on which day."""

    list_display = ["sent_on", "user", "occurrence", "sent_at"]
    list_filter = ["sent_on"]
    search_fields = ["user__username", "occurrence__event__title"]
    date_hierarchy = "sent_on"
    list_select_related = ["user", "occurrence__event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- national statistics: the mapping and the adjustments (administrators) -------------------

LINE_CHOICES = {
    "kinds": Event.Kind.choices,
    "venues": Event.Venue.choices,
    "barometer_types": Event.BarometerType.choices,
    "initiated_by": Event.InitiatedBy.choices,
}


class NationalLineForm(forms.ModelForm):
    """An answer line, its filters as check boxes, checked by ``national_line_validate``."""

    class Meta:
        model = NationalLine
        fields = (
            "year",
            "form",
            "code",
            "label_da",
            "label_en",
            "order",
            "measure",
            *LINE_FILTERS,
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in LINE_CHOICES.items():
            model_field = cast(models.Field, NationalLine._meta.get_field(name))
            self.fields[name] = forms.MultipleChoiceField(
                label=model_field.verbose_name,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=model_field.help_text,
            )

    def clean(self):
        data = super().clean() or {}
        if self.errors:
            return data
        fields = {name: data.get(name) for name in ("year", "code", *LINE_FILTERS)}
        fields = {**fields, **{name: list(data.get(name) or []) for name in LINE_FILTERS}}
        try:
            national_line_validate(instance=self.instance, **fields)
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


@admin.register(NationalLine)
class NationalLineAdmin(admin.ModelAdmin):
    """Which kinds and venues feed which answer of the national statistics (DESIGN.md, N6):
    lines without a year are the default; a year's own lines replace it for that year. A
    December KIU report keeps the mapping it was counted with."""

    form = NationalLineForm
    list_display = ["label_da", "year", "form", "code", "measure", "order"]
    list_filter = ["form", "measure", "year"]
    search_fields = ["label_da", "label_en", "code"]
    ordering = ["year", "order", "code"]


class NationalAdjustmentForm(forms.ModelForm):
    class Meta:
        model = NationalAdjustment
        fields = ("year", "code", "delta", "reason")

    def clean(self):
        data = super().clean() or {}
        if self.errors:
            return data
        year = data.get("year", self.instance.year)
        code = data.get("code", self.instance.code)
        try:
            national_adjustment_validate(
                year=year, code=code, delta=data.get("delta"), reason=data.get("reason", "")
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


@admin.register(NationalAdjustment)
class NationalAdjustmentAdmin(admin.ModelAdmin):
    """This year's answer adjusted without a release: added to the counted figure, shown beside
    it with the reason. One per answer and year."""

    form = NationalAdjustmentForm
    list_display = ["year", "code", "delta", "reason", "changed_by", "changed_at"]
    list_filter = ["year"]
    search_fields = ["code", "reason"]

    def get_readonly_fields(self, request, obj=None):
        # An adjustment stays with its answer; another answer gets its own.
        return ["year", "code", "changed_by", "changed_at"] if obj else ["changed_by", "changed_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = national_adjustment_save(
            year=obj.year,
            code=obj.code,
            delta=data["delta"],
            reason=data["reason"],
            user=request.user,
        )
        for f in NationalAdjustment._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding, obj._state.db = False, saved._state.db
