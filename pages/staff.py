"""The staff's attendance screen: one page per branch listing its held occurrences that lack a
head count and those of the last 14 days (to correct), with one form that records them all.

Each row is validated on its own: the rows are saved through ``events.services``'s bulk
service (``attendance_record_bulk``, all or nothing), and when it refuses some rows they are
taken out and the rest saved again, so that the valid rows are saved and the invalid ones come
back with their errors at their fields and what was typed. Empty rows are skipped.

Who: staff record at their own branches, administrators at every branch; management reads every
branch's screen without the inputs (``events.roles``). Anyone else gets a 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from events import roles, services
from events.clock import local_today
from events.models import Attendance, Branch, Event, Occurrence, held_q

LOGIN_URL = reverse_lazy("pages:login")
RECENT_DAYS = 14  # recorded head counts of this many days back are listed to correct
MAX_ROWS = 200  # never render more rows than this on one page
AGE_GROUPS = Attendance.AGE_GROUPS
ROW_FIELD = re.compile(r"^o(\d+)-(total|children|youth|adults|seniors)$")
ITEM_ERROR = re.compile(r"^items\[(\d+)\]\.(\w+)$")


# --- who may do what ----------------------------------------------------------------------


def readable_branches(user):
    """Management and administrators read every branch; staff their own."""
    if roles.is_management(user):
        return Branch.objects.all()
    return Branch.objects.filter(pk__in=roles.branch_ids(user))


def may_record(user, branch: Branch) -> bool:
    return roles.can_edit_branch(user, branch.pk)


def staff_access(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), str(LOGIN_URL))
        if not roles.may_read_attendance(request.user):
            raise PermissionDenied(
                _("Only staff, management and administrators may see the attendance screen.")
            )
        return view(request, *args, **kwargs)

    return wrapped


# --- rows ---------------------------------------------------------------------------------


class CountInput(forms.TextInput):
    """A whole number typed on a tablet's numeric keyboard."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})


def _count_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        widget=CountInput(),
        error_messages={
            "invalid": gettext_lazy("Enter a whole number."),
            "min_value": gettext_lazy("The head count must be a whole number of 0 or more."),
        },
    )


class AttendanceRowForm(forms.Form):
    """One occurrence's head count; the age groups are optional but must add up to the total
    (the service checks that)."""

    total = _count_field(gettext_lazy("Total"))
    children = _count_field(gettext_lazy("Children (0-12)"))
    youth = _count_field(gettext_lazy("Youth (13-17)"))
    adults = _count_field(gettext_lazy("Adults (18-64)"))
    seniors = _count_field(gettext_lazy("Seniors (65+)"))

    def clean(self):
        data = super().clean() or {}
        given_ages = [g for g in AGE_GROUPS if data.get(g) is not None]
        if data.get("total") is None and given_ages and "total" not in self.errors:
            self.add_error("total", _("Enter the total as well as the age groups."))
        return data

    @property
    def is_blank(self) -> bool:
        return all(not str(self.data.get(self.add_prefix(f), "")).strip() for f in self.fields)

    def item(self) -> dict[str, Any]:
        data = self.cleaned_data
        by_age = None
        if any(data.get(g) is not None for g in AGE_GROUPS):
            by_age = {g: data.get(g) or 0 for g in AGE_GROUPS}
        return {"total": data["total"], "by_age": by_age}

    @property
    def age_fields(self):
        return [self[g] for g in AGE_GROUPS]

    @property
    def age_errors(self) -> list[str]:
        """The service's "the age groups do not add up" and the like, shown by the groups."""
        return [str(e) for e in self.errors.get("by_age", ())]

    @property
    def row_errors(self) -> list[str]:
        return [*self.errors.get("occurrence", []), *self.errors.get("__all__", [])]

    @property
    def shows_ages(self) -> bool:
        return bool(
            self.age_errors
            or any(self[g].errors or self[g].value() not in (None, "") for g in AGE_GROUPS)
        )


@dataclass
class Row:
    occurrence: Occurrence
    form: AttendanceRowForm
    recorded: Attendance | None = None
    autofocus: bool = False

    @property
    def anchor(self) -> str:
        return f"o{self.occurrence.pk}"


def _initial(attendance: Attendance | None) -> dict[str, Any]:
    if attendance is None:
        return {}
    return {"total": attendance.total, **{g: getattr(attendance, g) for g in AGE_GROUPS}}


def occurrences_to_record(branch: Branch, *, now=None):
    """The branch's held occurrences (rule 1: ended, not cancelled, no drafts) that lack a
    head count, and those of the last 14 days, newest first."""
    now = now or timezone.now()
    since = local_today() - timedelta(days=RECENT_DAYS)
    return (
        Occurrence.objects.filter(held_q(now=now), event__branch=branch)
        .exclude(event__status=Event.Status.DRAFT)
        .filter(Q(attendance__isnull=True) | Q(local_date__gte=since))
        .select_related("event", "event__stop", "room", "attendance")
        .order_by("-start", "-pk")[:MAX_ROWS]
    )


def _recorded(occurrence: Occurrence) -> Attendance | None:
    return getattr(occurrence, "attendance", None)


# --- saving -------------------------------------------------------------------------------


def save_rows(*, items: list[dict[str, Any]], user, branch: Branch):
    """Save ``items`` through the bulk service, leaving out the rows it refuses until the rest
    saves. Returns the saved records and the errors per item index (field -> messages)."""
    pending = list(enumerate(items))
    errors: dict[int, dict[str, list[str]]] = {}
    while pending:
        try:
            saved = services.attendance_record_bulk(
                items=[item for _i, item in pending], user=user, branch=branch
            )
        except ValidationError as exc:
            failed: set[int] = set()
            for key, msgs in exc.message_dict.items():
                match = ITEM_ERROR.match(key)
                if match is None:  # not a row's error: nothing can be saved
                    raise
                position = int(match[1])
                failed.add(position)
                errors.setdefault(pending[position][0], {}).setdefault(match[2], []).extend(msgs)
            pending = [p for n, p in enumerate(pending) if n not in failed]
            continue
        return saved, errors
    return [], errors


@dataclass
class Submission:
    forms: dict[int, AttendanceRowForm] = field(default_factory=dict)
    stray: list[str] = field(default_factory=list)  # errors of rows not on the page
    saved: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.stray) or any(f.errors for f in self.forms.values())


def _submit(request, branch: Branch, listed: dict[int, Occurrence]) -> Submission:
    order = {pk: n for n, pk in enumerate(listed)}  # the page's order, then the rest
    posted = sorted(
        {int(m[1]) for key in request.POST if (m := ROW_FIELD.match(key))},
        key=lambda pk: (pk not in order, order.get(pk, pk)),
    )
    unlisted = {
        o.pk: o
        for o in Occurrence.objects.filter(
            pk__in=[pk for pk in posted if pk not in listed]
        ).select_related("event", "event__branch")
    }
    result = Submission()
    items: list[dict[str, Any]] = []
    owners: list[int] = []
    for pk in posted:
        occurrence = listed.get(pk) or unlisted.get(pk)
        form = AttendanceRowForm(request.POST, prefix=f"o{pk}")
        if form.is_blank:
            continue
        if occurrence is None:
            result.stray.append(_("There is no occurrence number %(pk)d.") % {"pk": pk})
            continue
        result.forms[pk] = form
        if not form.is_valid():
            continue
        recorded = _recorded(occurrence) if pk in listed else None
        if recorded is not None and form.cleaned_data["total"] is None:
            continue  # a cleared count is not a deletion; nothing to save
        item = form.item()
        if (
            recorded is not None
            and item["total"] == recorded.total
            and (item["by_age"] == recorded.by_age)
        ):
            continue  # unchanged
        items.append({"occurrence": occurrence, **item})
        owners.append(pk)
    saved, errors = save_rows(items=items, user=request.user, branch=branch)
    result.saved = len(saved)
    for index, by_field in errors.items():
        pk = owners[index]
        form = result.forms[pk]
        for name, msgs in by_field.items():
            for msg in msgs:
                if name in form.fields:
                    form.add_error(name, msg)
                else:  # "by_age", "occurrence": shown by the age groups or the row
                    form.errors.setdefault(name, form.error_class()).append(msg)
        if pk not in listed:
            text = "; ".join(m for msgs in by_field.values() for m in msgs)
            result.stray.append(
                _("Occurrence number %(pk)d: %(errors)s") % {"pk": pk, "errors": text}
            )
    return result


# --- pages --------------------------------------------------------------------------------


@staff_access
def attendance_index(request):
    """Choose the branch; one who records at exactly one branch goes straight there."""
    branches = list(readable_branches(request.user))
    if len(branches) == 1:
        return redirect("pages:attendance", slug=branches[0].slug)
    now = timezone.now()
    missing = dict(
        Occurrence.objects.filter(held_q(now=now), attendance__isnull=True)
        .exclude(event__status=Event.Status.DRAFT)
        .values_list("event__branch")
        .annotate(n=Count("pk"))
    )
    entries = [
        {"branch": b, "missing": missing.get(b.pk, 0), "may_record": may_record(request.user, b)}
        for b in branches
    ]
    return render(request, "pages/attendance_index.html", {"entries": entries})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_access
def attendance(request, slug: str):
    branch = get_object_or_404(Branch, slug=slug)
    if not readable_branches(request.user).filter(pk=branch.pk).exists():
        raise PermissionDenied(
            _("You are not staff at %(branch)s, so you may not see or record its attendance.")
            % {"branch": branch.name}
        )
    writable = may_record(request.user, branch)
    occurrences = list(occurrences_to_record(branch))
    listed = {o.pk: o for o in occurrences}
    submission = Submission()
    status = 200
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(
                _("You may read the attendance of %(branch)s but not record it.")
                % {"branch": branch.name}
            )
        submission = _submit(request, branch, listed)
        if submission.saved:
            messages.success(
                request,
                ngettext(
                    "Attendance saved for %(n)d occurrence.",
                    "Attendance saved for %(n)d occurrences.",
                    submission.saved,
                )
                % {"n": submission.saved},
            )
        if not submission.has_errors:
            if not submission.saved:
                messages.info(request, _("Nothing to save: every row was empty or unchanged."))
            return redirect("pages:attendance", slug=branch.slug)
        # Some rows were refused: show them again. A request that saved nothing is a 400;
        # one that saved some rows committed them, and says so.
        status = 200 if submission.saved else 400
        occurrences = list(occurrences_to_record(branch))
        listed = {o.pk: o for o in occurrences}

    missing_rows: list[Row] = []
    recent_rows: list[Row] = []
    for occurrence in occurrences:
        recorded = _recorded(occurrence)
        bound = submission.forms.get(occurrence.pk)
        if bound is not None and bound.errors:
            form = bound
        else:
            form = AttendanceRowForm(prefix=f"o{occurrence.pk}", initial=_initial(recorded))
        row = Row(occurrence=occurrence, form=form, recorded=recorded)
        (recent_rows if recorded else missing_rows).append(row)
    rows = missing_rows + recent_rows
    if writable:
        first = next((r for r in rows if r.form.errors), None)
        if first is None and missing_rows and request.method == "GET":
            first = missing_rows[0]
        if first is not None:
            first.autofocus = True
    context = {
        "branch": branch,
        "missing_rows": missing_rows,
        "recent_rows": recent_rows,
        "writable": writable,
        # the switch keeps its state across a refused submit; rows with age groups open anyway
        "show_ages": request.method == "POST" and bool(request.POST.get("show_ages")),
        "stray_errors": submission.stray,
        "has_errors": submission.has_errors,
        "recent_days": RECENT_DAYS,
        "max_rows": MAX_ROWS,
        "truncated": len(occurrences) >= MAX_ROWS,
        "other_branches": readable_branches(request.user).count() > 1,
        "index_url": reverse("pages:attendance-index"),
    }
    return render(request, "pages/attendance.html", context, status=status)
