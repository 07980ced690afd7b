"""What the jobs produce: action plans, status figures, status reports, and job records.

Rules live in ``tasks/services/``; these models hold structure and constraints only.

Scopes. A figure or a target is for one branch and one track (a *cell*), for a branch across all
tracks (track empty), for a track across all branches (branch empty), or the grand total (both
empty). Each scope has its own partial unique constraint, so uniqueness holds on SQLite and on
PostgreSQL alike (a plain unique constraint would let NULLs repeat).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Branch, Track


def _scope_constraints(prefix: str, fields: list[str]) -> list[models.BaseConstraint]:
    """One unique constraint per scope (cell, branch total, track total, grand total)."""
    return [
        models.UniqueConstraint(
            fields=[*fields, "branch", "track"],
            condition=Q(branch__isnull=False, track__isnull=False),
            name=f"{prefix}_unique_cell",
        ),
        models.UniqueConstraint(
            fields=[*fields, "branch"],
            condition=Q(branch__isnull=False, track__isnull=True),
            name=f"{prefix}_unique_branch_total",
        ),
        models.UniqueConstraint(
            fields=[*fields, "track"],
            condition=Q(branch__isnull=True, track__isnull=False),
            name=f"{prefix}_unique_track_total",
        ),
        models.UniqueConstraint(
            fields=fields,
            condition=Q(branch__isnull=True, track__isnull=True),
            name=f"{prefix}_unique_grand_total",
        ),
    ]


# --- action plans -----------------------------------------------------------------------------


class ActionPlan(models.Model):
    """The year's action plan (handleplan): targets per branch and track, and initiatives."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADOPTED = "adopted", _("Adopted")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modified"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return self.title or str(_("Action plan %(year)s") % {"year": self.year})


class Target(models.Model):
    """A target of the plan for one scope. Empty branch: all branches; empty track: all tracks.
    Each number is optional; a missing one leaves the share of target empty (counting rule 7)."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE, related_name="targets"
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: all branches together."),
    )
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: all tracks together."),
    )
    held = models.PositiveIntegerField(
        _("events held"),
        null=True,
        blank=True,
        help_text=_(
            "Held occurrences in the whole year: a weekly series counts each time it takes "
            "place. Empty: no target."
        ),
    )
    attendance = models.PositiveIntegerField(
        _("attendance"),
        null=True,
        blank=True,
        help_text=_("The year's total head count. Empty: no target."),
    )
    co_created = models.PositiveIntegerField(
        _("co-created events held"),
        null=True,
        blank=True,
        help_text=_("Held occurrences of co-created events in the whole year. Empty: no target."),
    )

    class Meta:
        ordering = ["plan", "branch__order", "branch__name", "track__order"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = _scope_constraints("target", ["plan"])

    def __str__(self) -> str:
        return f"{self.plan.year} {self.branch or '*'} / {self.track or '*'}"


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", pgettext_lazy("initiative", "Done")
    POSTPONED = "postponed", _("Postponed")
    DROPPED = "dropped", _("Dropped")


class Initiative(models.Model):
    """An initiative of the plan for one track: its text, the branch responsible (optional), how
    far it has come (status and progress note) and the events that carry it out, whose figures
    are its figures (``tasks.services.initiatives``)."""

    plan = models.ForeignKey(
        ActionPlan,
        verbose_name=_("action plan"),
        on_delete=models.CASCADE,
        related_name="initiatives",
    )
    track = models.ForeignKey(
        Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The branch responsible for the initiative. Empty: all branches together."),
    )
    text = models.TextField(_("initiative"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=InitiativeStatus.choices, default="planned"
    )
    note = models.TextField(_("progress note"), blank=True)
    events = models.ManyToManyField(
        "events.Event",
        verbose_name=_("events"),
        blank=True,
        related_name="initiatives",
        help_text=_("The events that carry the initiative out; their figures are its figures."),
    )

    Status = InitiativeStatus

    class Meta:
        ordering = ["plan", "track__order", "order", "pk"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self) -> str:
        return self.text[:60]


# --- status figures -----------------------------------------------------------------------------


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")
    YTD = "ytd", _("Year to date")


class FigureValues(models.Model):
    """The measures of one figure (see ``tasks.services.figures`` for how each is counted)."""

    held = models.PositiveIntegerField(_("occurrences held"), default=0)
    events_held = models.PositiveIntegerField(_("distinct events held"), default=0)
    cancelled = models.PositiveIntegerField(_("occurrences cancelled"), default=0)
    with_attendance = models.PositiveIntegerField(_("held with attendance"), default=0)
    missing_attendance = models.PositiveIntegerField(_("held missing attendance"), default=0)
    attendance = models.PositiveIntegerField(_("attendance"), default=0)
    children = models.PositiveIntegerField(_("children (0-12)"), default=0)
    youth = models.PositiveIntegerField(_("youth (13-17)"), default=0)
    adults = models.PositiveIntegerField(_("adults (18-64)"), default=0)
    seniors = models.PositiveIntegerField(_("seniors (65+)"), default=0)
    co_created_held = models.PositiveIntegerField(_("co-created occurrences held"), default=0)

    MEASURES = (
        "held",
        "events_held",
        "cancelled",
        "with_attendance",
        "missing_attendance",
        "attendance",
        "children",
        "youth",
        "adults",
        "seniors",
        "co_created_held",
    )

    class Meta:
        abstract = True


class StatusFigure(FigureValues):
    """A year's figures for its months, quarters, half-years and the whole year, per scope.
    Replaced as a whole by ``status_recompute`` (never incremented).

    Derived data: the branch and track keys have no database constraint (thousands of deferred
    foreign-key checks at each recompute's commit cost more than the aggregation); Django still
    deletes a branch's or track's figures with it."""

    year = models.PositiveSmallIntegerField(_("year"))
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_index = models.PositiveSmallIntegerField(_("period number"))
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    computed_at = models.DateTimeField(_("computed"))
    # Every occurrence of a counted event in the period and scope, whatever its state: not a
    # measure, but what says whether the row exists at all, so that an update for a few events
    # (``status_update``) keeps exactly the rows a full recompute makes.
    occurrences = models.PositiveIntegerField(_("occurrences"), default=0)

    class Meta:
        ordering = ["year", "period_kind", "period_index", "branch", "track"]
        verbose_name = _("status figure")
        verbose_name_plural = _("status figures")
        constraints = _scope_constraints("statusfigure", ["year", "period_kind", "period_index"])
        indexes = [models.Index(fields=["year", "period_kind", "period_index"])]

    def __str__(self) -> str:
        scope = f"{self.branch or '*'} / {self.track or '*'}"
        return f"{self.year} {self.period_kind} {self.period_index}: {scope}"


class StatusYear(models.Model):
    """One row per year whose figures exist: the lock recomputes of that year take (so two never
    interleave) and when they were last computed."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    computed_now = models.DateTimeField(_("held as of"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    # Updates for the few events a change touched (``status_update``), and whether the year's
    # basis (``StatusBasis``) is there to update from: a full recompute writes it.
    updates = models.PositiveIntegerField(_("updates"), default=0)
    basis = models.BooleanField(_("basis kept"), default=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("status year")
        verbose_name_plural = _("status years")

    def __str__(self) -> str:
        return str(self.year)


class StatusBasis(models.Model):
    """What each event contributed to a year's stored figures: one row per event, month and
    the occurrences' own part of their state (``part``), with the state they count in (held,
    cancelled, neither), the event's branch and co-created flag as they were
    counted, its occurrences and their head counts' sums. Written by a full recompute beside the
    figures; an update for a few events (``status_update``) takes their old rows' share out of
    the figures and puts the new rows' share in. Derived data: plain numbers, no foreign keys
    (an event may be deleted since)."""

    year = models.PositiveSmallIntegerField(_("year"))
    ev = models.IntegerField(_("event"))
    branch = models.IntegerField(_("branch"))
    co = models.BooleanField(_("co-created"))
    bucket = models.PositiveSmallIntegerField(_("month"))
    # The occurrences' own part of the state (held if the event counts, cancelled, neither):
    # with the event's part it gives ``state``; with ``ev`` and ``bucket`` it is the row's key.
    part = models.PositiveSmallIntegerField(_("occurrences' state"))
    state = models.PositiveSmallIntegerField(_("state"))
    n = models.IntegerField(_("occurrences"))
    n_with = models.IntegerField(_("with attendance"))
    n_att = models.IntegerField(_("attendance"), null=True)
    n_children = models.IntegerField(_("children (0-12)"), null=True)
    n_youth = models.IntegerField(_("youth (13-17)"), null=True)
    n_adults = models.IntegerField(_("adults (18-64)"), null=True)
    n_seniors = models.IntegerField(_("seniors (65+)"), null=True)

    class Meta:
        db_table = "tasks_status_basis"
        verbose_name = _("status figure basis")
        verbose_name_plural = _("status figure bases")
        # One row per event, month and part: a recompute changes only the rows that differ.
        # The unique index also finds an event's rows (year, ev), so it is the only one.
        constraints = [
            models.UniqueConstraint(
                fields=["year", "ev", "bucket", "part"], name="status_basis_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.bucket:02d} event {self.ev}"


class StatusBasisTrack(models.Model):
    """The tracks of each event in ``StatusBasis``, as they were counted."""

    year = models.PositiveSmallIntegerField(_("year"))
    ev = models.IntegerField(_("event"))
    track = models.IntegerField(_("track"))

    class Meta:
        db_table = "tasks_status_basis_track"
        verbose_name = _("status figure basis track")
        verbose_name_plural = _("status figure basis tracks")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "ev", "track"], name="status_basis_track_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} event {self.ev} track {self.track}"


# --- jobs and reports ---------------------------------------------------------------------------


class Job(models.Model):
    """A job started on demand (API or command), so its state and progress can be polled."""

    class Kind(models.TextChoices):
        RECOMPUTE = "recompute", _("Recompute status figures")
        REPORT = "report", _("Generate status report")
        DPL_SYNC = "dpl_sync", _("Sync with the library website")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The lease: who runs it and when that worker last said it still does (see
    # tasks.services.jobs); when its message went to the broker; how often a worker took it up.
    sent_at = models.DateTimeField(_("sent to a worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    # A job that waits or runs. Of the sync with the library website at most one does at a time
    # (the constraint below): pressing "sync now" twice, or the schedule while one runs, finds
    # that job instead of starting another (dplcms.jobs).
    ACTIVE = ("pending", "running")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="dpl_sync", state__in=("pending", "running")),
                name="job_one_active_per_exclusive_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.params} ({self.state})"


class StatusReport(models.Model):
    """A frozen status report for a KIU meeting: the figures of the year up to the day before
    ``as_of``, as they were when it was generated. Never recomputed."""

    class Kind(models.TextChoices):
        JUNE = "june", _("June KIU meeting")
        DECEMBER = "december", _("December KIU meeting")
        ON_DEMAND = "on_demand", _("On demand")

    as_of = models.DateField(
        _("as of"), help_text=_("Figures cover the year up to the day before.")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    scheduled = models.BooleanField(_("generated by the schedule"), default=False)
    title = models.CharField(_("title"), max_length=200)
    data = models.JSONField(_("frozen figures"), default=dict)
    overall_comment = models.TextField(
        _("overall comment"),
        blank=True,
        help_text=_("Management's comment on the whole report, written before it is frozen."),
    )
    track_comments = models.JSONField(
        _("comments per track"),
        default=dict,
        blank=True,
        help_text=_("Management's comment per track, by the track's slug."),
    )
    generated_at = models.DateTimeField(_("generated"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-as_of", "-generated_at"]
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of"],
                condition=Q(scheduled=True),
                name="statusreport_one_scheduled_per_day",
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- attendance digests -------------------------------------------------------------------------


class NotificationPreference(models.Model):
    """A user's choices for the mails the service sends them: whether they get the daily digest
    of occurrences missing attendance, and in which language. A user without a row gets the
    digest in Danish (``tasks.services.digests``)."""

    class Language(models.TextChoices):
        DANISH = "da", _("Danish")
        ENGLISH = "en", _("English")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    attendance_digest = models.BooleanField(
        _("attendance digest"),
        default=True,
        help_text=_(
            "A morning mail listing the occurrences at your branches that are missing attendance."
        ),
    )
    language = models.CharField(
        _("mail language"), max_length=8, choices=Language.choices, default=Language.DANISH
    )
    updated_at = models.DateTimeField(_("modified"), default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class DigestEntry(models.Model):
    """One line of one attendance digest: this occurrence was listed in the mail this user got
    on this (Copenhagen) day. The log that decides reminders (the first digest after an
    occurrence is due, then after 3 and 7 days) and that a second run on one day sends nothing
    twice. Written in the same transaction as the mail is sent, so a mail that failed leaves no
    line."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    occurrence = models.ForeignKey(
        "events.Occurrence",
        verbose_name=_("occurrence"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "pk"]
        verbose_name = _("attendance digest line")
        verbose_name_plural = _("attendance digest lines")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "occurrence", "sent_on"], name="digestentry_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sent_on}: {self.occurrence_id} -> {self.user_id}"


class NationalLine(models.Model):
    """One answer of the yearly national statistics (Danmarks Statistik's table BIB2B, or Slots-
    og Kulturstyrelsen's library barometer) and which events feed it (DESIGN.md, N6).

    The questionnaire changes from year to year, so this is data an administrator edits: a
    line with a year is that year's; lines without a year are the default mapping, used for
    every year that has no lines of its own. Counting is ``tasks.services.national``'s."""

    class Form(models.TextChoices):
        BIB2B = "bib2b", _("Danmarks Statistik, table BIB2B")
        BAROMETER = "barometer", _("Library barometer (Slots- og Kulturstyrelsen)")

    class Measure(models.TextChoices):
        OCCURRENCES = "occurrences", _("Held occurrences (each session once)")
        EVENTS = "events", _("Distinct events with a held occurrence")
        PARTICIPANTS = "participants", _("Participants (recorded attendance)")

    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "Empty: the default mapping, used for every year that has no lines of its own."
        ),
    )
    form = models.CharField(_("questionnaire"), max_length=16, choices=Form.choices)
    code = models.SlugField(
        _("code"),
        max_length=64,
        help_text=_("Names the answer across years (adjustments refer to it)."),
    )
    label_da = models.CharField(_("answer (Danish)"), max_length=200)
    label_en = models.CharField(_("answer (English)"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    measure = models.CharField(_("what is counted"), max_length=16, choices=Measure.choices)
    kinds = models.JSONField(_("event kinds"), default=list, help_text=_("At least one."))
    venues = models.JSONField(
        _("venues"), default=list, blank=True, help_text=_("None chosen: every venue.")
    )
    barometer_types = models.JSONField(
        _("barometer types"), default=list, blank=True, help_text=_("None chosen: any or none.")
    )
    initiated_by = models.JSONField(
        _("started by"), default=list, blank=True, help_text=_("None chosen: anyone or not said.")
    )

    class Meta:
        ordering = ["year", "order", "code"]
        verbose_name = _("national statistics answer")
        verbose_name_plural = _("national statistics answers (mapping)")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "code"],
                condition=Q(year__isnull=False),
                name="nationalline_unique_code_per_year",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(year__isnull=True),
                name="nationalline_unique_default_code",
            ),
        ]

    def __str__(self) -> str:
        scope = str(self.year) if self.year else str(_("default mapping"))
        return f"{scope}: {self.label_da}"

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "da").startswith("en") and self.label_en:
            return self.label_en
        return self.label_da


class NationalAdjustment(models.Model):
    """A correction of one year's answer, made without a release: added to the counted figure
    and shown beside it with its reason (``tasks.services.national``)."""

    year = models.PositiveSmallIntegerField(_("year"))
    code = models.SlugField(_("answer (code)"), max_length=64)
    delta = models.IntegerField(
        _("adjustment"), help_text=_("Added to the counted figure; negative to subtract.")
    )
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("national statistics adjustment")
        verbose_name_plural = _("national statistics adjustments")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "code"], name="nationaladjustment_one_per_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.code}: {self.delta:+d}"
