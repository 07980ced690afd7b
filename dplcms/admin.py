"""The connector in the staff admin: the status page (administrators), the mapping rules,
the review queue "Mangler spor" (staff tag a waiting event in one step, and it is published),
and imported events, whose website-owned fields are read only with a link to the website."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from events import roles
from events.admin import EventAdmin, OccurrenceInline, RoleAdmin
from events.models import Audience, Branch, Event, Track
from tasks.services.jobs import job_get

from . import jobs, services
from .models import ConnectorSettings, ImportedSeries, MappingRule, SyncRun

# What dpl-cms owns of an imported event: read only here.
WEBSITE_OWNED = (
    "title",
    "description",
    "status",
    "cancel_reason",
    "start",
    "end",
    "all_day",
    "place",
    "url",
    "repeat",
    "rrule",
    "exdates",
    "rdates",
)


class AdministratorsOnly(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return roles.is_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return roles.is_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)


@admin.register(ConnectorSettings)
class ConnectorSettingsAdmin(AdministratorsOnly):
    list_display = ("__str__", "write_state")

    def has_add_permission(self, request) -> bool:
        return roles.is_admin(request.user) and not ConnectorSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MappingRule)
class MappingRuleAdmin(RoleAdmin):
    """Staff edit the rules ("tag Strikkecafé → tracks Hygge and Indgang til fællesskab")."""

    staff_edits = True
    list_display = ("name", "source", "track_names", "kind")
    list_filter = ("source", "tracks", "kind")
    search_fields = ("name",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("tracks"))
    def track_names(self, obj):
        return ", ".join(t.name for t in obj.tracks.all())


@admin.register(SyncRun)
class SyncRunAdmin(AdministratorsOnly):
    """Every run, read only; the status page (``status/``) shows the last one and "sync now"."""

    list_display = (
        "created_at",
        "trigger",
        "state",
        "created",
        "updated",
        "cancelled",
        "unchanged",
        "queued",
        "failed",
    )
    list_filter = ("state", "trigger")
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "status/",
                self.admin_site.admin_view(self.status_view),
                name="dplcms_status",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "status_url": reverse("admin:dplcms_status")}
        return super().changelist_view(request, extra_context)

    def status_view(self, request: HttpRequest):
        if not roles.is_admin(request.user):
            raise PermissionDenied
        if request.method == "POST":
            if not services.is_configured():
                messages.error(request, _("The connector is off: DPL_CMS_URL is not set."))
                return HttpResponseRedirect(reverse("admin:dplcms_status"))
            with transaction.atomic():
                job, created = jobs.sync_start(trigger=SyncRun.Trigger.MANUAL, user=request.user)
            if created:
                messages.success(request, _("The sync has started."))
            else:
                messages.warning(
                    request,
                    _(
                        "A sync is already waiting or running (since %(time)s); no second one "
                        "was started. Follow it here."
                    )
                    % {"time": date_format(localtime(job.created_at), "DATETIME_FORMAT")},
                )
            return HttpResponseRedirect(reverse("pages:job-detail", args=[job.pk]))
        last = SyncRun.objects.order_by("-created_at", "-pk").first()
        active = jobs.active_job()
        current = job_get(job_id=active.pk) if active is not None else None
        running = current is not None or (
            last is not None and last.state in (SyncRun.State.PENDING, SyncRun.State.RUNNING)
        )
        counts = [(label, getattr(last, name)) for name, label in _COUNT_LABELS.items() if last]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Library website (dpl-cms): status"),
            "configured": services.is_configured(),
            "last": last,
            "running": running,
            "job": current,
            "job_url": reverse("pages:job-detail", args=[current.pk]) if current else "",
            "counts": counts,
            "errors": [e for e in (last.errors if last else []) if e.get("level") != "notice"],
            "notices": [e for e in (last.errors if last else []) if e.get("level") == "notice"],
            "queue_count": services.queue().count(),
            "queue_url": reverse("admin:dplcms_importedseries_changelist"),
            "runs_url": reverse("admin:dplcms_syncrun_changelist"),
        }
        return TemplateResponse(request, "dplcms/status.html", context)


_COUNT_LABELS = {
    "created": _("new"),
    "updated": _("updated"),
    "cancelled": _("cancelled"),
    "unchanged": _("unchanged"),
    "queued": _("waiting in the queue"),
    "failed": _("failed"),
    "removed": _("removed from the website (past)"),
    "written_back": _("written back"),
}


class TagForm(forms.Form):
    """One step: the branch (when the website's name was unknown), tracks, audiences, kind."""

    branch = forms.ModelChoiceField(queryset=Branch.objects.none(), label=_("branch"))
    tracks = forms.ModelMultipleChoiceField(
        queryset=Track.objects.all(), widget=forms.CheckboxSelectMultiple, label=_("tracks")
    )
    audiences = forms.ModelMultipleChoiceField(
        queryset=Audience.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("audiences"),
    )
    kind = forms.ChoiceField(choices=Event.Kind.choices, label=_("kind"))

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


@admin.register(ImportedSeries)
class ReviewQueueAdmin(RoleAdmin):
    """ "Mangler spor": imported events waiting for a branch or a track, never public."""

    staff_edits = True
    list_display = ("title", "first_start", "website_branches", "queue_reason", "website")
    list_display_links = None

    def get_queryset(self, request):
        queued = services.queue()
        if roles.is_admin(request.user):
            return queued
        own = roles.branch_ids(request.user)
        return queued.filter(branch__isnull=True) | queued.filter(branch_id__in=own)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _first(self, obj):
        return obj.instances.filter(removed=False).order_by("start").first()

    @admin.display(description=_("title"))
    def title(self, obj):
        first = self._first(obj)
        url = reverse("admin:dplcms_importedseries_tag", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, first.title if first else obj.key)

    @admin.display(description=_("first start"))
    def first_start(self, obj):
        first = self._first(obj)
        return first.start if first else ""

    @admin.display(description=_("branch on the website"))
    def website_branches(self, obj):
        first = self._first(obj)
        return ", ".join(first.data.get("branches", [])) if first else ""

    @admin.display(description=_("on the website"))
    def website(self, obj):
        if not obj.website_url:
            return ""
        return format_html('<a href="{}">{}</a>', obj.website_url, _("open"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/tag/",
                self.admin_site.admin_view(self.tag_view),
                name="dplcms_importedseries_tag",
            ),
            *super().get_urls(),
        ]

    def _branches(self, request):
        if roles.is_admin(request.user):
            return Branch.objects.all()
        return Branch.objects.filter(pk__in=roles.branch_ids(request.user))

    def tag_view(self, request: HttpRequest, pk: int):
        series = get_object_or_404(self.get_queryset(request), pk=pk)
        if not roles.is_staff_member(request.user):
            raise PermissionDenied
        branches = self._branches(request)
        initial: dict[str, Any] = {"branch": series.branch_id, "kind": Event.Kind.ARRANGEMENT}
        form = TagForm(request.POST or None, branches=branches, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    event = services.series_publish(
                        series=series,
                        branch=form.cleaned_data["branch"],
                        tracks=list(form.cleaned_data["tracks"]),
                        audiences=list(form.cleaned_data["audiences"]),
                        kind=form.cleaned_data["kind"],
                        user=request.user,
                    )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("“%(title)s” is published.") % {"title": event.title})
                return HttpResponseRedirect(reverse("admin:dplcms_importedseries_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tag an imported event"),
            "series": series,
            "instances": series.instances.filter(removed=False).order_by("start"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "dplcms/tag.html", context)


class ImportedOccurrenceInline(OccurrenceInline):
    """An imported event's occurrences: their times and state come from the website; head
    counts (and the room, ours) are recorded here."""

    readonly_fields = (*OccurrenceInline.readonly_fields, "start", "end", "status", "cancel_reason")


class ImportedEventAdmin(EventAdmin):
    """Events as ever; an imported one shows the website's fields read only, with a link to
    edit them there. What this service owns (tracks, audiences, kind, venue, partners,
    co-creation, attendance) stays editable."""

    class Media:
        css = {"all": ("dplcms/admin.css",)}

    def _series(self, obj) -> ImportedSeries | None:
        if obj is None or obj.pk is None:
            return None
        return ImportedSeries.objects.filter(event_id=obj.pk).first()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self._series(obj) is not None:
            fields += [f for f in (*WEBSITE_OWNED, "website_link") if f not in fields]
        return fields

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if self._series(obj) is None:
            return inlines
        return [ImportedOccurrenceInline if i is OccurrenceInline else i for i in inlines]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self._series(obj) is None:
            return fieldsets
        out: list[Any] = [(_("Library website"), {"fields": ("website_link",)})]
        for name, options in fieldsets:
            fields = list(options.get("fields", ()))
            if "exdates" in fields:
                fields.append("rdates")
            out.append((name, {**options, "fields": fields}))
        return out

    @admin.display(description=_("repeats"))
    def repeat(self, obj):
        return _("explicit dates from the website") if obj.rdates else ""

    @admin.display(description=_("edit on the website"))
    def website_link(self, obj):
        series = self._series(obj)
        if series is None or not series.website_url:
            return ""
        return format_html(
            '<a href="{}">{}</a> — {}',
            series.website_url,
            series.website_url,
            _("title, description, dates, place and state come from the library website"),
        )


admin.site.unregister(Event)
admin.site.register(Event, ImportedEventAdmin)
