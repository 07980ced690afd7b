"""Staff scheduling in the Django admin.

Every save goes through the services (``event_create``/``event_update``/``event_cancel``,
``occurrence_cancel``/``restore``/``move``, ``attendance_record``), so the admin holds no rules of
its own: SEQUENCE, re-materialisation and history behave as in the API. Forms run the same
service call in a savepoint that is rolled back ("dry run") while validating, so a rule the
service rejects, a scheduling conflict included, shows as a form error instead of a crash.

Who sees what comes from ``events.roles``, not from Django model permissions: administrators
(superusers) edit everything; staff see and edit the events of their own branches (drafts
included), record attendance there and may add partners; management reads everything.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import recurrence, roles, services
from . import recurrence_text as rt
from .admin_repeat import RepeatField, initial_data
from .models import (
    LOCAL_TZ,
    Attendance,
    AttendanceRevision,
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

# --- service calls from forms ---------------------------------------------------------------


class _DryRun(Exception):
    pass


def dry_run(call: Callable[[], Any]) -> None:
    """Run a service call and roll it back: raises the ValidationError it would raise."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        pass


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, aliases: dict | None = None
) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    that field (or an alias of it), otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = (aliases or {}).get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def _local(moment) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}" if moment else ""


def change_details_text(change: Change) -> str:
    """A change's details as a line: moments in Copenhagen time, lists joined."""
    parts = []
    for key, value in (change.details or {}).items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, str) and key.endswith("start") and value:
            with contextlib.suppress(ValueError):
                value = _local(datetime.fromisoformat(value))
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _by_age(data: dict[str, Any]) -> dict[str, Any] | None:
    """The age groups entered on a form, or None when none of them was."""
    groups = {g: data.get(g) for g in Attendance.AGE_GROUPS}
    return groups if any(v is not None for v in groups.values()) else None


def name_inputs(fields: dict[str, forms.Field], *, every: bool = False, row: str = "") -> None:
    """Give inputs an accessible name (``aria-label``, WCAG 2.1 1.3.1 and 4.1.2): the two
    inputs of a date-and-time field have no label of their own, and a tabular inline's rows
    (``every``) have only the column heads; ``row`` tells the rows apart."""
    suffix = f", {row}" if row else ""
    for field in fields.values():
        # inside a related-field wrapper, the widget itself
        widget = cast(forms.Widget, getattr(field.widget, "widget", field.widget))
        label = str(field.label or "").strip()
        if isinstance(field, forms.SplitDateTimeField):
            parts = cast(forms.MultiWidget, widget).widgets
            for part, name in zip(parts, (_("date"), _("time")), strict=True):
                part.attrs["aria-label"] = f"{label} ({name}){suffix}"
        elif every and not widget.is_hidden and label:
            widget.attrs["aria-label"] = f"{label}{suffix}"


# --- roles ----------------------------------------------------------------------------------


class RoleAdmin(admin.ModelAdmin):
    """Permissions from ``events.roles``: administrators edit; staff and management view.
    ``staff_edits`` lets staff add and change too (within ``staff_may_edit``)."""

    staff_edits = False
    # Links typed without a scheme are https (Django 6's default; silences its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _reader(self, request) -> bool:
        return roles.is_staff_member(request.user) or roles.is_management(request.user)

    def _staff_writer(self, request) -> bool:
        return self.staff_edits and roles.is_staff_member(request.user)

    def staff_may_edit(self, request, obj) -> bool:
        return True

    def has_module_permission(self, request) -> bool:
        return self._reader(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._reader(request)

    def has_add_permission(self, request) -> bool:
        return roles.is_admin(request.user) or self._staff_writer(request)

    def has_change_permission(self, request, obj=None) -> bool:
        if roles.is_admin(request.user):
            return True
        return self._staff_writer(request) and (obj is None or self.staff_may_edit(request, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)


# --- excluded dates -------------------------------------------------------------------------


class DateListField(forms.CharField):
    """Excluded dates as text: YYYY-MM-DD, separated by commas, spaces or new lines."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 40})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    # cleans to a list of ISO dates, not to a str as CharField does
    def to_python(self, value) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        days = []
        for chunk in re.split(r"[\s,;]+", text.strip()):
            if not chunk:
                continue
            try:
                days.append(date.fromisoformat(chunk).isoformat())
            except ValueError as exc:
                raise ValidationError(
                    _("“%(value)s” is not a date; write dates as YYYY-MM-DD."),
                    code="invalid",
                    params={"value": chunk},
                ) from exc
        return sorted(set(days))

    def has_changed(self, initial, data) -> bool:
        try:
            return sorted(initial or []) != self.to_python(data)
        except ValidationError:
            return True


# --- events ---------------------------------------------------------------------------------


def _differs(event: Event, name: str, value: Any) -> bool:
    """Whether a form value changes the event's field (relations and dates in any order)."""
    if name in services.EVENT_RELATIONS:
        return {o.pk for o in value} != set(getattr(event, name).values_list("pk", flat=True))
    if name == "exdates":
        return sorted(value or []) != sorted(event.exdates or [])
    if name == "image":  # the stored file back (unchanged), a new upload, or False (cleared)
        return not isinstance(value, FieldFile) and (bool(value) or bool(event.image))
    return value != getattr(event, name)


# Fields whose empty value means "as before" (a change) or "the service's default" (a new
# event: an arrangement; held in the library, or out in the local community for the bookmobile).
DEFAULTED_FIELDS = ("kind", "venue")


def event_save(*, event: Event | None, data: dict[str, Any], user) -> Event:
    """Create or change an event from admin form data through the services."""
    values = {k: data[k] for k in services.EVENT_FIELDS if k in data}
    for name in DEFAULTED_FIELDS:  # left empty: the service's default, or kept as it is
        if not values.get(name):
            values.pop(name, None)
    for name in services.EVENT_RELATIONS:
        if name in values:
            values[name] = list(values[name])
    status = values.pop("status", None)
    reason = (values.pop("cancel_reason", "") or "").strip()
    if event is None:
        return services.event_create(
            user=user, status=status or Event.Status.DRAFT, cancel_reason=reason, **values
        )
    changes = {name: value for name, value in values.items() if _differs(event, name, value)}
    if status == Event.Status.CANCELLED and event.status != Event.Status.CANCELLED:
        if changes:
            event = services.event_update(event=event, user=user, **changes)
        return services.event_cancel(event=event, reason=reason, user=user)
    if status is not None and status != event.status:
        changes["status"] = status
    if (status or event.status) == Event.Status.CANCELLED and reason != event.cancel_reason:
        changes["cancel_reason"] = reason
    if changes:
        # Only a change of time, place or status can make a new clash in a room; checking
        # every occurrence of a long series for a changed word costs a query per occurrence
        # (over 2 s for a daily series of two years).
        check = any(name in changes for name in services._PLACE_AND_TIME_FIELDS)
        event = services.event_update(event=event, user=user, check_conflicts=check, **changes)
    return event


def _formfield_https(db_field, **kwargs):
    """Form fields as Django makes them, with https as the scheme of links typed without one."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class EventAdminForm(forms.ModelForm):
    # The repeat picker: staff choose repeats, the form writes the RRULE (``_clean_repeat``).
    repeat = RepeatField(label=_("Repeats"))
    exdates = DateListField(
        label=_("excluded dates"),
        required=False,
        help_text=_("Dates (YYYY-MM-DD) on which the series is not held, separated by commas."),
    )

    request: HttpRequest | None = None  # set by EventAdmin.get_form

    class Meta:
        model = Event
        fields = services.EVENT_FIELDS
        formfield_callback = _formfield_https

    def clean_end(self):
        # At its field even when another field fails too (then the services' dry run below
        # does not run); the same words as the service's.
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start and end and end <= start:
            raise ValidationError(_("The end must be after the start."), code="end_before_start")
        return end

    def _get_validation_exclusions(self):
        # The model's check constraints are the services' rules, which name the field; left to
        # the model they would show as a constraint's name at the top of the form.
        excluded = super()._get_validation_exclusions()  # type: ignore[misc]  # not in the stubs
        return {*excluded, "start", "end"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_repeat()
        self._init_defaulted()

    def _init_defaulted(self) -> None:
        """Kind and venue may be left out (``DEFAULTED_FIELDS``); a new event's venue starts
        empty, meaning the branch's default (the bookmobile's: out in the local community)."""
        for name in DEFAULTED_FIELDS:
            if name in self.fields:
                self.fields[name].required = False
        if not self.instance.pk and "venue" in self.fields:
            field = cast(forms.ChoiceField, self.fields["venue"])
            field.choices = [
                ("", _("By the branch (the bookmobile: out in the local community)")),
                *Event.Venue.choices,
            ]
            self.initial["venue"] = ""

    def _init_repeat(self) -> None:
        """The picker shows the stored rule; the raw RRULE is for administrators only (for
        anyone else it is disabled, so a posted rule is ignored, and hidden)."""
        event = self.instance
        rule = event.rrule if event.pk else ""
        choices = rt.choices_from_rrule(rule, start=event.start) if rule else rt.RepeatChoices()
        if "repeat" in self.fields:
            field = cast(RepeatField, self.fields["repeat"])
            field.stored = choices
            if choices.freq == rt.CUSTOM:
                field.set_custom_rule(rule)
            self.initial["repeat"] = initial_data(choices, start=event.start if event.pk else None)
        if "rrule" in self.fields and not roles.is_admin(getattr(self.request, "user", None)):
            self.fields["rrule"].disabled = True
            self.fields["rrule"].widget = forms.HiddenInput()

    def _clean_repeat(self, data: dict[str, Any]) -> None:
        """Write the RRULE from the picker's choices, unless an administrator typed one or the
        post had no picker. Unchanged choices on an unchanged start keep the stored text."""
        choices = data.get("repeat")
        raw = self.fields.get("rrule")
        if choices is None or (raw and not raw.disabled and "rrule" in self.changed_data):
            return
        start = data.get("start")
        if start is None:
            return
        event = self.instance
        if (
            event.pk
            and event.rrule
            and start == event.start
            and choices == rt.choices_from_rrule(event.rrule, start=event.start)
        ):
            data["rrule"] = event.rrule
            return
        try:
            data["rrule"] = rt.build_rrule(choices, start=start)
        except ValidationError as exc:
            self.add_error("repeat", exc.messages)
        except recurrence.RecurrenceError as exc:
            self.add_error("repeat", str(exc))

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean returns
        self._clean_repeat(data)
        if self.errors:
            return data
        user = getattr(self.request, "user", None)
        current = Event.objects.get(pk=self.instance.pk) if self.instance.pk else None
        try:
            dry_run(lambda: event_save(event=current, data=data, user=user))
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


class OccurrenceForm(forms.ModelForm):
    """One occurrence: cancel or restore it, move it, record its attendance."""

    attendance_total = forms.IntegerField(label=_("attendance"), required=False, min_value=0)
    children = forms.IntegerField(label=_("children (0-12)"), required=False, min_value=0)
    youth = forms.IntegerField(label=_("youth (13-17)"), required=False, min_value=0)
    adults = forms.IntegerField(label=_("adults (18-64)"), required=False, min_value=0)
    seniors = forms.IntegerField(label=_("seniors (65+)"), required=False, min_value=0)

    request: HttpRequest | None = None  # set by OccurrenceInline/OccurrenceAdmin

    class Meta:
        model = Occurrence
        fields = ("start", "end", "room", "status", "cancel_reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_a_row = bool(self.prefix)  # a row of the event page's inline
        when = _local(self.instance.original_start) if self.instance.pk and in_a_row else ""
        name_inputs(self.fields, every=in_a_row, row=when)
        attendance = getattr(self.instance, "attendance", None) if self.instance.pk else None
        if attendance is not None:
            self.initial["attendance_total"] = attendance.total
            for group in Attendance.AGE_GROUPS:
                self.initial[group] = getattr(attendance, group)

    def operations(self, user) -> list[Callable[[], Any]]:
        """The service calls this form's changes stand for, in order."""
        occ, data, changed = self.instance, self.cleaned_data, set(self.changed_data)
        if not occ.pk:
            return []
        ops: list[Callable[[], Any]] = []
        status = data.get("status", occ.status)
        reason = data.get("cancel_reason", "")
        if status == Occurrence.Status.CANCELLED and ({"status", "cancel_reason"} & changed):
            ops.append(lambda: services.occurrence_cancel(occurrence=occ, reason=reason, user=user))
        elif status == Occurrence.Status.SCHEDULED and "status" in changed:
            ops.append(lambda: services.occurrence_restore(occurrence=occ, user=user))
        if {"start", "end", "room"} & changed:
            start, end, room = data.get("start"), data.get("end"), data.get("room")
            ops.append(
                lambda: services.occurrence_move(
                    occurrence=occ,
                    start=cast(datetime, start),  # a required field; the service checks it too
                    end=end,
                    room=room or occ.event.room,
                    user=user,
                )
            )
        by_age = _by_age(data)
        if {"attendance_total", *Attendance.AGE_GROUPS} & changed:
            total = data.get("attendance_total")
            if total is None:
                if getattr(occ, "attendance", None) is not None:
                    raise ValidationError(
                        {
                            "attendance_total": [
                                _("Recorded attendance cannot be removed; correct it instead.")
                            ]
                        }
                    )
                if by_age is not None:
                    raise ValidationError({"attendance_total": [_("Enter the total head count.")]})
            else:
                ops.append(
                    lambda: services.attendance_record(
                        occurrence=occ, total=total, by_age=by_age, user=user
                    )
                )
        return ops

    def clean(self):
        data = super().clean()
        if self.errors or not self.instance.pk:
            return data
        user = getattr(self.request, "user", None)
        try:
            ops = self.operations(user)
            if ops:
                dry_run(lambda: [op() for op in ops])
        except ValidationError as exc:
            add_service_errors(
                self,
                exc,
                aliases={
                    "by_age": "attendance_total",
                    "total": "attendance_total",
                    "occurrence": NON_FIELD_ERRORS,
                },
            )
        return data

    def _post_clean(self):
        # The services decide; the model's own checks would only repeat them less clearly.
        pass


def occurrence_forms_save(request, forms_: list[OccurrenceForm]) -> int:
    """Apply the changed occurrence forms through the services. Returns how many changed."""
    done = 0
    for form in forms_:
        if not form.has_changed() or not form.instance.pk:
            continue
        if not Occurrence.objects.filter(pk=form.instance.pk).exists():
            messages.warning(
                request,
                _("%(occ)s no longer exists; its changes were not saved.") % {"occ": form.instance},
            )
            continue
        for op in form.operations(request.user):
            op()
        done += 1
    return done


class OccurrenceFormAdmin(admin.options.BaseModelAdmin):
    """What the occurrence inline and the occurrence admin share around ``OccurrenceForm``:
    its fields, and the rooms of the event's branch to move to (``request._admin_event`` is
    set by ``get_formset``/``get_form``)."""

    fields: ClassVar[tuple[str, ...]] = (
        "original_local",
        "start",
        "end",
        "room",
        "status",
        "cancel_reason",
        "moved",
        "detached",
        "attendance_total",
        "children",
        "youth",
        "adults",
        "seniors",
    )
    readonly_fields: ClassVar[tuple[str, ...]] = ("original_local", "moved", "detached")

    @admin.display(description=_("original start"))
    def original_local(self, obj):
        return _local(obj.original_start)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "room":
            event = getattr(request, "_admin_event", None)
            kwargs["queryset"] = (
                Room.objects.filter(branch=event.branch).select_related("branch")
                if event
                else Room.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OccurrenceInline(OccurrenceFormAdmin, admin.TabularInline):
    """The next ``SHOWN`` occurrences of the event, editable on its page; the rest, past ones
    included, are in the occurrence list filtered by the event (``EventAdmin`` links to it).
    Never the whole series: a weekly series grows by 52 rows a year and past about 70 rows a
    save would exceed Django's 1,000 form fields."""

    SHOWN = 12

    model = Occurrence
    form = OccurrenceForm
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("next occurrences (cancel, move, record attendance)")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("attendance", "room", "event__room")
        event = getattr(request, "_admin_event", None)
        if event is None or event.pk is None:
            return qs
        return qs.filter(pk__in=self.shown_ids(request, event)).order_by("start", "pk")

    def shown_ids(self, request, event: Event) -> set[int]:
        """The upcoming ones, and on a save the ones the submitted form showed (the set moves
        as time passes; a row that was on the page is still saved)."""
        mine = Occurrence.objects.filter(event=event)
        ids = set(
            mine.filter(end__gt=timezone.now())
            .order_by("start", "pk")
            .values_list("pk", flat=True)[: self.SHOWN]
        )
        if request.method == "POST":
            prefix = Occurrence._meta.get_field("event").remote_field.get_accessor_name()
            posted = {request.POST.get(f"{prefix}-{i}-id", "") for i in range(self.SHOWN)}
            ids |= set(
                mine.filter(pk__in=[int(p) for p in posted if p.isdigit()]).values_list(
                    "pk", flat=True
                )
            )
        return ids

    def get_formset(self, request, obj=None, **kwargs):
        request._admin_event = obj  # for the room choices, read while the form class is built
        formset = super().get_formset(request, obj, **kwargs)
        cast(type[OccurrenceForm], formset.form).request = request
        return formset

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # occurrences come from the event's rule

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_staff_member(request.user) or roles.is_management(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or roles.can_edit_branch(request.user, obj.branch_id)


class OccursFilter(admin.SimpleListFilter):
    title = _("occurs")
    parameter_name = "occurs"

    def lookups(self, request, model_admin):
        return [
            ("upcoming", _("Upcoming")),
            ("next7", _("Next 7 days")),
            ("past30", _("Past 30 days")),
            ("missing", _("Missing attendance")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        occ = Occurrence.objects.all()
        if self.value() == "upcoming":
            occ = occ.filter(end__gt=now)
        elif self.value() == "next7":
            occ = occ.filter(start__gte=now, start__lt=now + timedelta(days=7))
        elif self.value() == "past30":
            occ = occ.filter(start__lt=now, start__gte=now - timedelta(days=30))
        elif self.value() == "missing":
            occ = occ.held(now=now).filter(attendance__isnull=True)
        else:
            return queryset
        return queryset.filter(pk__in=occ.values("event_id"))


class OwnBranchesOnly:
    """Staff open only their own branches' events and occurrences. Another branch's one says
    whose it is and that this user may not change it (403), instead of Django's "doesn't exist,
    maybe deleted?"; a draft's title and text stay hidden (only its branch is named)."""

    model: type[models.Model]
    admin_site: admin.AdminSite
    get_queryset: Callable[[HttpRequest], QuerySet]  # ModelAdmin's

    def event_of(self, obj) -> Event:
        raise NotImplementedError

    def foreign_answer(self, request, object_id) -> TemplateResponse | None:
        if roles.is_management(request.user) or not str(object_id).isdigit():
            return None
        if self.get_queryset(request).filter(pk=object_id).exists():
            return None
        obj = self.model._default_manager.filter(pk=object_id).first()
        if obj is None:
            return None  # truly gone: Django's own answer
        event = self.event_of(obj)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Another branch's %(what)s") % {"what": opts.verbose_name},
            "branch": event.branch,
            "what": opts.verbose_name,
            "shown_title": event.title if event.is_public else "",
            "when": _local(getattr(obj, "start", None)) if isinstance(obj, Occurrence) else "",
            "own": Branch.objects.filter(pk__in=roles.branch_ids(request.user)),
            "back": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        }
        return TemplateResponse(request, "admin/events/foreign_branch.html", context, status=403)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.foreign_answer(request, object_id) or super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )

    def history_view(self, request, object_id, extra_context=None):
        return self.foreign_answer(request, object_id) or super().history_view(  # type: ignore[misc]
            request, object_id, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self.foreign_answer(request, object_id) or super().delete_view(  # type: ignore[misc]
            request, object_id, extra_context
        )


class EventCopyForm(forms.Form):
    """Copy an event to a new first date and time (``services.event_copy``)."""

    start = forms.SplitDateTimeField(
        label=_("new start"),
        widget=widgets.AdminSplitDateTime,
        help_text=_("Date and time of the copy's first occurrence; a series keeps its rule."),
    )
    status = forms.ChoiceField(
        label=_("status of the copy"),
        choices=[
            (Event.Status.DRAFT, Event.Status.DRAFT.label),
            (Event.Status.PUBLISHED, Event.Status.PUBLISHED.label),
        ],
        initial=Event.Status.DRAFT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_inputs(self.fields)


@admin.register(Event)
class EventAdmin(OwnBranchesOnly, RoleAdmin):
    form = EventAdminForm
    staff_edits = True
    inlines = [OccurrenceInline]
    list_display = (
        "title",
        "branch",
        "where",
        "first_start",
        "repeats",
        "status",
        "track_names",
        "co_created",
    )
    list_filter = (
        ("branch", admin.RelatedOnlyFieldListFilter),
        "tracks",
        "status",
        OccursFilter,
        ("start", admin.DateFieldListFilter),
        "co_created",
        "kind",
        "venue",
        "audiences",
    )
    list_select_related = ("branch", "stop", "room")
    search_fields = ("title", "description", "branch__name", "stop__name", "place", "uid")
    date_hierarchy = "start"
    readonly_fields = ("uid", "sequence", "created_by", "created_at", "updated_at")
    actions = ["publish_selected"]
    fieldsets = (
        (None, {"fields": ("title", "description", "status", "cancel_reason")}),
        (_("Place"), {"fields": ("branch", "stop", "room", "place", "capacity")}),
        (_("Picture"), {"fields": ("image", "image_alt")}),
        (_("Time"), {"fields": ("start", "end", "all_day", "repeat", "rrule", "exdates")}),
        (
            _("Tracks and audiences"),
            {"fields": ("tracks", "audiences", "partners", "co_created", "url")},
        ),
        (
            _("National statistics"),
            {
                "fields": ("kind", "venue", "barometer_type", "initiated_by"),
                "description": _(
                    "What Danmarks Statistik and the library barometer count the event as."
                ),
            },
        ),
        (
            _("Record"),
            {
                "fields": ("uid", "sequence", "created_by", "created_at", "updated_at"),
                "classes": ("collapse",),
            },
        ),
    )

    RECENT_CHANGES = 8

    def event_of(self, obj) -> Event:
        return obj

    def get_urls(self):
        copy = path(
            "<path:object_id>/copy/",
            self.admin_site.admin_view(self.copy_view),
            name="events_event_copy",
        )
        return [copy, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if (foreign := self.foreign_answer(request, object_id)) is not None:
            return foreign
        extra = dict(extra_context or {})
        event = Event.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if event is not None:
            extra.update(self.page_context(request, event))
        return super().change_view(request, object_id, form_url, extra)

    def page_context(self, request, event: Event) -> dict[str, Any]:
        """What the event's page shows beside its form: how many occurrences there are and
        where the rest are, the latest changes, and the copy button."""
        now = timezone.now()
        counts = Occurrence.objects.filter(event=event).aggregate(
            total=models.Count("pk"), upcoming=models.Count("pk", filter=models.Q(end__gt=now))
        )
        recent = Change.objects.filter(event=event).select_related("actor", "occurrence")
        return {
            "occurrence_counts": counts,
            "occurrences_shown": OccurrenceInline.SHOWN,
            "occurrences_url": reverse("admin:events_occurrence_changelist")
            + f"?event__id__exact={event.pk}",
            "recent_changes": [
                {
                    "change": c,
                    "occurrence": _local(c.occurrence.start) if c.occurrence else "",
                    "details": change_details_text(c),
                }
                for c in recent.order_by("-at", "-pk")[: self.RECENT_CHANGES]
            ],
            "history_url": reverse("admin:events_event_history", args=[event.pk]),
            "copy_url": reverse("admin:events_event_copy", args=[event.pk]),
            "may_copy": self.has_add_permission(request)
            and self.has_change_permission(request, event),
        }

    def copy_view(self, request, object_id):
        if (foreign := self.foreign_answer(request, object_id)) is not None:
            return foreign
        event = self.get_object(request, object_id)
        if event is None:
            raise Http404
        if not (self.has_add_permission(request) and self.has_change_permission(request, event)):
            raise PermissionDenied
        form = EventCopyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    copy = services.event_copy(
                        event=event,
                        start=form.cleaned_data["start"],
                        status=form.cleaned_data["status"],
                        user=request.user,
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("“%(title)s” was copied; this is the copy.") % {"title": event.title},
                    messages.SUCCESS,
                )
                return redirect("admin:events_event_change", copy.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": event,
            "title": _("Copy “%(title)s” to a new date") % {"title": event.title},
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/events/event/copy.html", context)

    def get_queryset(self, request) -> QuerySet[Event]:
        qs = super().get_queryset(request).prefetch_related("tracks")
        if roles.is_management(request.user):
            return qs
        return qs.filter(branch_id__in=roles.branch_ids(request.user))

    def staff_may_edit(self, request, obj) -> bool:
        return roles.can_edit_branch(request.user, obj.branch_id)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not roles.is_admin(request.user):
            own = roles.branch_ids(request.user)
            if db_field.name == "branch":
                kwargs["queryset"] = Branch.objects.filter(pk__in=own)
            elif db_field.name == "room":
                kwargs["queryset"] = Room.objects.filter(branch_id__in=own).select_related("branch")
            elif db_field.name == "stop":
                kwargs["queryset"] = Stop.objects.filter(branch_id__in=own)
        elif db_field.name == "room":
            kwargs["queryset"] = Room.objects.select_related("branch")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = cast(type[EventAdminForm], super().get_form(request, obj, change=change, **kwargs))
        form.request = request
        name_inputs(form.base_fields)
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Seven tracks and a few audiences: checkboxes, each with its label (Django's
        # two-box selector carries ARIA attributes axe refuses, WCAG 2.1 4.1.2).
        if db_field.name in ("tracks", "audiences"):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("where"))
    def where(self, obj):
        return obj.stop or obj.room or obj.place or ""

    @admin.display(description=_("first start"), ordering="start")
    def first_start(self, obj):
        return _local(obj.start)

    @admin.display(description=_("repeats"), boolean=True)
    def repeats(self, obj):
        return obj.is_recurring

    @admin.display(description=_("tracks"))
    def track_names(self, obj):
        return ", ".join(t.name for t in obj.tracks.all())

    def save_model(self, request, obj, form, change):
        current = Event.objects.get(pk=obj.pk) if change else None
        saved = event_save(event=current, data=form.cleaned_data, user=request.user)
        for f in Event._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_related(self, request, form, formsets, change):
        # The service set tracks, audiences and partners; the inline goes through services too.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        occurrence_forms_save(request, formset.forms)
        # What the admin's history ("change message") reads from a saved formset.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [
            (f.instance, f.changed_data) for f in formset.forms if f.instance.pk and f.has_changed()
        ]

    def delete_model(self, request, obj):
        services.event_delete(event=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for event in queryset:
            services.event_delete(event=event, user=request.user)

    HISTORY_SHOWN = 500

    def history_view(self, request, object_id, extra_context=None):
        """The admin's history, headed by who changed the event and when (``Change``, written
        by every service in its transaction), so that a wrong cancellation can be traced."""
        changes = []
        if str(object_id).isdigit():
            recorded = Change.objects.filter(event_id=int(object_id)).select_related(
                "actor", "occurrence"
            )[: self.HISTORY_SHOWN]
            changes = [
                {
                    "change": c,
                    "occurrence": _local(c.occurrence.start) if c.occurrence else "",
                    "details": change_details_text(c),
                }
                for c in recorded
            ]
        return super().history_view(
            request, object_id, extra_context={**(extra_context or {}), "changes": changes}
        )

    @admin.action(description=_("Publish the selected events"))
    def publish_selected(self, request, queryset):
        done = 0
        for event in queryset:
            if not self.has_change_permission(request, event):
                continue
            try:
                with transaction.atomic():
                    services.event_publish(event=event, user=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{event}: {'; '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, _("%(n)d events published.") % {"n": done})


class AttendanceRecordedFilter(admin.EmptyFieldListFilter):
    """Whether attendance is recorded, with a title of its own (the reverse relation has no
    verbose name: Django showed "By attendance" untranslated)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("attendance recorded")

    def choices(self, changelist):
        # Django's choices in its order (all, empty, not empty), named for what they mean here.
        names = (None, _("Not recorded"), _("Recorded"))
        for name, choice in zip(names, super().choices(changelist), strict=True):
            if name is not None:
                count = choice["display"].rpartition(" (")[2] if changelist.add_facets else ""
                choice = {**choice, "display": f"{name} ({count}" if count else name}
            yield choice


@admin.register(Occurrence)
class OccurrenceAdmin(OwnBranchesOnly, OccurrenceFormAdmin, RoleAdmin):
    """Single occurrences: find the ones missing attendance, cancel, move, record attendance."""

    form = OccurrenceForm
    staff_edits = True
    list_display = (
        "event",
        "branch",
        "local_start",
        "status",
        "moved",
        "detached",
        "attendance_total",
    )
    list_filter = (
        ("event__branch", admin.RelatedOnlyFieldListFilter),
        "event__tracks",
        "status",
        ("start", admin.DateFieldListFilter),
        "moved",
        "detached",
        "event__status",
        ("attendance", AttendanceRecordedFilter),
    )
    list_select_related = ("event", "event__branch", "attendance")
    search_fields = ("event__title", "event__branch__name", "cancel_reason")
    date_hierarchy = "start"
    fields = ("event_link", *OccurrenceFormAdmin.fields)
    readonly_fields = ("event_link", *OccurrenceFormAdmin.readonly_fields)

    def get_queryset(self, request):
        qs = (
            super()
            .get_queryset(request)
            .select_related("event__branch", "event__room", "attendance")
        )
        if roles.is_management(request.user):
            return qs
        return qs.filter(event__branch_id__in=roles.branch_ids(request.user))

    def staff_may_edit(self, request, obj) -> bool:
        return roles.can_edit_branch(request.user, obj.event.branch_id)

    def event_of(self, obj) -> Event:
        return obj.event

    def get_ordering(self, request):
        """Upcoming first (the next one at the top), then the past, newest first."""
        now = timezone.now()
        past = models.Case(models.When(end__lte=now, then=models.Value(1)), default=models.Value(0))
        upcoming_start = models.Case(models.When(end__gt=now, then=models.F("start")))
        return [past.asc(), upcoming_start.asc(nulls_last=True), models.F("start").desc()]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._admin_event = obj.event if obj else None
        form = cast(type[OccurrenceForm], super().get_form(request, obj, change=change, **kwargs))
        form.request = request
        return form

    @admin.display(description=_("branch"), ordering="event__branch__name")
    def branch(self, obj):
        return obj.event.branch

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj):
        return _local(obj.start)

    @admin.display(description=_("event"))
    def event_link(self, obj):
        url = reverse("admin:events_event_change", args=[obj.event_id])
        return format_html('<a href="{}">{}</a>', url, obj.event.title)

    @admin.display(description=_("attendance"))
    def attendance_total(self, obj):
        attendance = getattr(obj, "attendance", None)
        return "" if attendance is None else attendance.total

    def save_model(self, request, obj, form, change):
        occurrence_forms_save(request, [form])
        obj.refresh_from_db()


# --- attendance -----------------------------------------------------------------------------


class AttendanceRevisionInline(admin.TabularInline):
    model = AttendanceRevision
    extra = 0
    can_delete = False
    fields = (
        "total",
        "children",
        "youth",
        "adults",
        "seniors",
        "note",
        "recorded_by",
        "recorded_at",
        "superseded_by",
        "superseded_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_staff_member(request.user) or roles.is_management(request.user)


class AttendanceForm(forms.ModelForm):
    request: HttpRequest | None = None  # set by AttendanceAdmin.get_form

    class Meta:
        model = Attendance
        fields = ("occurrence", "total", "children", "youth", "adults", "seniors", "note")

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean returns
        if self.errors:
            return data
        if any(data.get(g) is not None for g in Attendance.AGE_GROUPS):
            for group in Attendance.AGE_GROUPS:  # a group left empty counts as 0, as saved
                if data.get(group) is None:
                    data[group] = 0
        occurrence = data.get("occurrence") or self.instance.occurrence
        user = getattr(self.request, "user", None)
        try:
            dry_run(lambda: attendance_save(occurrence=occurrence, data=data, user=user))
        except ValidationError as exc:
            add_service_errors(self, exc, aliases={"by_age": "total"})
        return data

    def validate_unique(self):
        # Recording for an occurrence that has attendance corrects it (the service keeps history).
        pass


def attendance_save(*, occurrence: Occurrence, data: dict[str, Any], user) -> Attendance:
    return services.attendance_record(
        occurrence=occurrence,
        total=data["total"],
        by_age=_by_age(data),
        note=data.get("note", ""),
        user=user,
    )


@admin.register(Attendance)
class AttendanceAdmin(RoleAdmin):
    form = AttendanceForm
    staff_edits = True
    inlines = [AttendanceRevisionInline]
    list_display = ("occurrence", "branch", "total", "age_groups", "recorded_by", "recorded_at")
    list_filter = (
        ("occurrence__event__branch", admin.RelatedOnlyFieldListFilter),
        "occurrence__event__tracks",
        ("occurrence__start", admin.DateFieldListFilter),
    )
    list_select_related = ("occurrence__event__branch", "recorded_by")
    search_fields = ("occurrence__event__title", "note")
    readonly_fields = ("recorded_by", "recorded_at")
    raw_id_fields = ("occurrence",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if roles.is_management(request.user):
            return qs
        return qs.filter(occurrence__event__branch_id__in=roles.branch_ids(request.user))

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "occurrence") if obj else self.readonly_fields

    def staff_may_edit(self, request, obj) -> bool:
        return roles.can_edit_branch(request.user, obj.occurrence.event.branch_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "occurrence" and not roles.is_admin(request.user):
            kwargs["queryset"] = Occurrence.objects.filter(
                event__branch_id__in=roles.branch_ids(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = cast(type[AttendanceForm], super().get_form(request, obj, change=change, **kwargs))
        form.request = request
        return form

    @admin.display(description=_("branch"))
    def branch(self, obj):
        return obj.occurrence.event.branch

    @admin.display(description=_("age groups"))
    def age_groups(self, obj):
        groups = obj.by_age
        return "" if groups is None else " / ".join(str(groups[g]) for g in Attendance.AGE_GROUPS)

    def save_model(self, request, obj, form, change):
        occurrence = obj.occurrence
        saved = attendance_save(occurrence=occurrence, data=form.cleaned_data, user=request.user)
        for f in Attendance._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))
        obj._state.adding, obj._state.db = False, saved._state.db


# --- places, tracks, audiences, partners ----------------------------------------------------


class StopInline(admin.TabularInline):
    model = Stop
    extra = 0
    fields = ("name", "slug", "address", "postal_code", "city", "latitude", "longitude", "order")
    prepopulated_fields = {"slug": ("name",)}


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    fields = ("name", "capacity")


@admin.register(Branch)
class BranchAdmin(RoleAdmin):
    list_display = ("name", "kind", "area", "full_address", "staff_count")
    list_filter = ("kind",)
    search_fields = ("name", "area", "city")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("staff",)
    inlines = [RoomInline, StopInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "area", "order")}),
        (_("Address"), {"fields": ("address", "postal_code", "city", "latitude", "longitude")}),
        (_("Contact"), {"fields": ("email", "phone", "url", "description")}),
        (_("Staff"), {"fields": ("staff",)}),
    )

    @admin.display(description=_("staff"))
    def staff_count(self, obj):
        return obj.staff.count()

    def get_inlines(self, request, obj):
        if obj is not None and not obj.is_bookmobile:
            return [RoomInline]
        return self.inlines


@admin.register(Track)
class TrackAdmin(RoleAdmin):
    list_display = ("name_da", "name_en", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name_da",)}
    search_fields = ("name_da", "name_en")


@admin.register(Audience)
class AudienceAdmin(RoleAdmin):
    list_display = ("name_da", "name_en", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name_da",)}


@admin.register(Partner)
class PartnerAdmin(RoleAdmin):
    staff_edits = True
    list_display = ("name", "url", "event_count")
    search_fields = ("name",)

    @admin.display(description=_("events"))
    def event_count(self, obj):
        return obj.events.count()


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """Every recorded change, read-only, for management and administrators: also the trail of
    events deleted since (found by title or UID). An event's own trail is on its history page."""

    list_display = ("at", "actor", "action", "event_title", "event_link", "event_uid")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    list_select_related = ("actor", "event")
    search_fields = ("event_title", "event_uid", "actor__username")
    date_hierarchy = "at"

    def has_module_permission(self, request) -> bool:
        return roles.is_management(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_management(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("event"))
    def event_link(self, obj):
        if obj.event_id is None:
            return _("(deleted)")
        url = reverse("admin:events_event_history", args=[obj.event_id])
        return format_html('<a href="{}">{}</a>', url, obj.event_id)
