"""The dpl-cms connector's own records: its settings, its runs, the mapping rules staff edit,
and the link between the website's event instances (by UUID) and this service's events and
occurrences. The events themselves are the domain's (``events``), written through its services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Audience, Branch, Event, Occurrence, Track


class ConnectorSettings(models.Model):
    """What an administrator decides about the connector (one row)."""

    write_state = models.BooleanField(
        _("write cancellations back"),
        default=False,
        help_text=_(
            "Also write an occurrence cancelled here back to the website as its state "
            "(Cancelled). Leave off when the ticketing vendor owns the state."
        ),
    )

    class Meta:
        verbose_name = _("dpl-cms connector settings")
        verbose_name_plural = _("dpl-cms connector settings")

    def __str__(self) -> str:
        return str(_("dpl-cms connector settings"))

    @classmethod
    def get(cls) -> ConnectorSettings:
        return cls.objects.get_or_create(pk=1)[0]


class SyncRun(models.Model):
    """One run of the sync: its progress while it runs, then its counts and errors."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Sync now")
        COMMAND = "command", _("Command")

    trigger = models.CharField(_("started by"), max_length=16, choices=Trigger.choices)
    job = models.OneToOneField(
        "tasks.Job",
        verbose_name=_("job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dpl_sync_run",
        help_text=_("The job that ran it: its lease, attempts and progress."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    listed = models.PositiveIntegerField(_("instances listed"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    queued = models.PositiveIntegerField(_("waiting in the queue"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    removed = models.PositiveIntegerField(_("removed from the website (past)"), default=0)
    written_back = models.PositiveIntegerField(_("written back"), default=0)
    errors = models.JSONField(
        _("errors"), default=list, blank=True, help_text=_("Each error in words.")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dpl-cms sync run")
        verbose_name_plural = _("dpl-cms sync runs")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_state_display()}"

    COUNTS = (
        "created",
        "updated",
        "cancelled",
        "unchanged",
        "queued",
        "failed",
        "removed",
        "written_back",
    )


class MappingRule(models.Model):
    """A dpl-cms category or tag, and what it gives an imported event: tracks, audiences and
    the event kind ("category Børn → audience children"). Applied when an event is imported;
    what staff set afterwards is never touched by a re-sync."""

    class Source(models.TextChoices):
        CATEGORY = "category", _("Category")
        TAG = "tag", _("Tag")

    source = models.CharField(_("what"), max_length=16, choices=Source.choices)
    name = models.CharField(
        _("name on the website"),
        max_length=200,
        help_text=_("As the website spells it (upper and lower case are not told apart)."),
    )
    tracks = models.ManyToManyField(Track, verbose_name=_("tracks"), related_name="+", blank=True)
    audiences = models.ManyToManyField(
        Audience, verbose_name=_("audiences"), related_name="+", blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Event.Kind.choices, blank=True)

    class Meta:
        ordering = ["source", "name"]
        verbose_name = _("dpl-cms mapping rule")
        verbose_name_plural = _("dpl-cms mapping rules")
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="dplcms_rule_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.name}"


class ImportedSeries(models.Model):
    """A dpl-cms series (or one instance of it, when two of its instances share a day) and the
    event it became here. Without an event it waits in the review queue ("Mangler spor"):
    its branch is unknown or no rule gave it a track."""

    key = models.CharField(_("series key"), max_length=100, unique=True)
    event = models.OneToOneField(
        Event,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dpl_series",
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    website_url = models.URLField(_("on the website"), max_length=500, blank=True)
    queue_reason = models.CharField(_("why it waits"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("imported dpl-cms series")
        verbose_name_plural = _("imported dpl-cms series")

    def __str__(self) -> str:
        first = self.instances.order_by("start").first()
        return first.title if first else self.key


class ImportedInstance(models.Model):
    """One dpl-cms event instance by its UUID: what the website said last (``data``, with a
    digest to tell a change), and its occurrence here."""

    uuid = models.UUIDField(_("UUID"), unique=True)
    series = models.ForeignKey(
        ImportedSeries,
        verbose_name=_("series"),
        on_delete=models.CASCADE,
        related_name="instances",
    )
    occurrence = models.OneToOneField(
        Occurrence,
        verbose_name=_("occurrence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dpl_instance",
    )
    title = models.CharField(_("title"), max_length=200)
    start = models.DateTimeField(_("start"))
    state = models.CharField(_("state on the website"), max_length=32)
    data = models.JSONField(_("as the website says"), default=dict)
    digest = models.CharField(_("digest"), max_length=64)
    removed = models.BooleanField(
        _("removed from the website"),
        default=False,
        help_text=_("No longer listed by the website; kept here (it lies in the past)."),
    )
    written_url = models.URLField(_("link written back"), max_length=500, blank=True)
    written_admin_url = models.URLField(_("staff link written back"), max_length=500, blank=True)
    written_state = models.CharField(_("state written back"), max_length=32, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("imported dpl-cms instance")
        verbose_name_plural = _("imported dpl-cms instances")

    def __str__(self) -> str:
        return f"{self.title} ({self.uuid})"


class StagedInstance(models.Model):
    """One instance of the list a sync is reading, kept in the database for the length of the
    run so that memory does not grow with the list: the sync writes what it parsed here in
    batches, then applies it series by series (read back ordered by series and start), and
    finds the instances the website no longer lists by an anti-join against these rows. Rows of
    one run share its ``token``; they are deleted when the run ends. A listed instance that
    could not be read is kept too (``data`` empty): it was listed, so it is not "removed"."""

    token = models.UUIDField(_("run token"))
    run = models.ForeignKey(
        SyncRun,
        verbose_name=_("sync run"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    uuid = models.UUIDField(_("UUID"))
    series = models.CharField(_("series key"), max_length=100, blank=True)
    start = models.DateTimeField(_("start"), null=True, blank=True)
    data = models.JSONField(_("as the website says"), null=True, blank=True)
    created_at = models.DateTimeField(_("staged"), default=timezone.now)

    class Meta:
        verbose_name = _("staged dpl-cms instance")
        verbose_name_plural = _("staged dpl-cms instances")
        indexes = [
            models.Index(fields=["token", "series", "start", "uuid"], name="dplcms_staged_order"),
            models.Index(fields=["token", "uuid"], name="dplcms_staged_uuid"),
        ]

    def __str__(self) -> str:
        return str(self.uuid)
