"""The yearly national statistics: the answer sheet for Danmarks Statistik's table BIB2B
("Udvalgte aktiviteter på folkebibliotekerne") and Slots- og Kulturstyrelsen's library
barometer, counted from the occurrences by DESIGN.md's rules N1-N6.

* N1, N3: an "occurrences" answer counts held occurrences, each session of a series once;
  a "participants" answer sums their recorded attendance.
* N2: an "events" answer counts distinct events with at least one held occurrence in the
  period (an exhibition open for weeks counts once).
* N4: a held occurrence with attendance 0 counts with 0 participants; one with no attendance
  counts as held and is listed as missing, its participants never guessed.
* N5: occurrences are counted without their tracks, so several tracks never multiply one.
* N6: which kinds and venues feed which answer is data (``NationalLine``), per year or by
  default; an answer can be adjusted with a reason (``NationalAdjustment``). The December KIU
  report freezes the sheet with the mapping it was counted with (``tasks.services.reports``).

Held is counting rule 1 (``events.models.held_q``): ended, not cancelled, never a draft.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from events.clock import LOCAL_TZ, MAX_YEAR, MIN_YEAR, year_supported
from events.models import MAX_COUNT, Branch, Event, Occurrence, held_q

from ..models import NationalAdjustment, NationalLine, StatusReport

# What an event is grouped by: every key is the event's own, so an event is in one group only
# and distinct events add up across groups.
GROUP_KEYS = ("kind", "venue", "barometer_type", "initiated_by", "branch_id")
LINE_FILTERS = {
    # line field: (event attribute, its choices)
    "kinds": ("kind", Event.Kind.values),
    "venues": ("venue", Event.Venue.values),
    "barometer_types": ("barometer_type", Event.BarometerType.values),
    "initiated_by": ("initiated_by", Event.InitiatedBy.values),
}
LINE_FIELDS = ("year", "form", "code", "label_da", "label_en", "order", "measure", *LINE_FILTERS)


# --- the mapping ----------------------------------------------------------------------------


def national_mapping(*, year: int) -> tuple[list[NationalLine], str]:
    """The answer lines that count ``year``: the year's own, or else the default mapping.
    Returns the lines and which it is (``"year"`` or ``"default"``)."""
    own = list(NationalLine.objects.filter(year=year).order_by("order", "code"))
    if own:
        return own, "year"
    return list(NationalLine.objects.filter(year__isnull=True).order_by("order", "code")), (
        "default"
    )


def line_data(line: NationalLine) -> dict[str, Any]:
    """A line as plain data: what a frozen sheet keeps of the mapping it was counted with."""
    return {
        "code": line.code,
        "form": line.form,
        "label_da": line.label_da,
        "label_en": line.label_en,
        "order": line.order,
        "measure": line.measure,
        **{name: list(getattr(line, name) or []) for name in LINE_FILTERS},
    }


def national_line_validate(*, instance: NationalLine | None = None, **fields: Any) -> None:
    """Check an answer line (the admin runs this): known kinds, venues, barometer types and
    starters, at least one kind, a supported year, a code not used twice in its year."""
    errors: dict[str, list[str]] = {}
    year = fields.get("year")
    if year is not None and not year_supported(year):
        errors["year"] = [
            _("Give a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        ]
    for name, (_attr, choices) in LINE_FILTERS.items():
        values = fields.get(name) or []
        if not isinstance(values, list) or any(v not in choices for v in values):
            errors[name] = [_("Choose among: %(choices)s.") % {"choices": ", ".join(choices)}]
    if not fields.get("kinds"):
        errors.setdefault("kinds", []).append(_("Choose at least one event kind."))
    code = fields.get("code")
    if code and "year" not in errors:
        same = NationalLine.objects.filter(code=code, year=year)
        if instance is not None and instance.pk:
            same = same.exclude(pk=instance.pk)
        if same.exists():
            errors["code"] = [_("This code is already an answer of that year.")]
    if errors:
        raise ValidationError(errors)


def national_adjustment_validate(*, year: Any, code: str, delta: Any, reason: str) -> None:
    """An adjustment names an answer of the year's mapping, says why, and stays a plausible
    number."""
    errors: dict[str, list[str]] = {}
    if not year_supported(year):
        errors["year"] = [
            _("Give a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        ]
    elif code not in {line.code for line in national_mapping(year=year)[0]}:
        errors["code"] = [_("No answer of that year has this code.")]
    if not isinstance(delta, int) or isinstance(delta, bool) or abs(delta) > MAX_COUNT:
        errors["delta"] = [_("Give a whole number from -%(max)d to %(max)d.") % {"max": MAX_COUNT}]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the answer is adjusted.")]
    if errors:
        raise ValidationError(errors)


def national_adjustment_save(
    *, year: int, code: str, delta: int, reason: str, user=None
) -> NationalAdjustment:
    """Set the adjustment of one answer of ``year`` (one per answer; saved again, it replaces
    the earlier one)."""
    national_adjustment_validate(year=year, code=code, delta=delta, reason=reason)
    try:
        with transaction.atomic():
            adjustment, _created = NationalAdjustment.objects.update_or_create(
                year=year,
                code=code,
                defaults={
                    "delta": delta,
                    "reason": reason.strip(),
                    "changed_by": user if getattr(user, "is_authenticated", False) else None,
                    "changed_at": timezone.now(),
                },
            )
    except IntegrityError:  # saved at the same moment by someone else: theirs stands
        raise ValidationError({"code": [_("This answer was adjusted just now; reload.")]}) from None
    return adjustment


# --- counting -------------------------------------------------------------------------------


def _groups(*, first: date, last: date, now: datetime) -> list[dict[str, Any]]:
    """Held occurrences of the period by their event's kind, venue, barometer type, starter
    and branch: how many, of how many events, with how many participants, zeros and gaps.
    One query; an occurrence is read without its tracks (N5)."""
    rows = (
        Occurrence.objects.filter(held_q(now=now), local_date__gte=first, local_date__lte=last)
        .values(*(f"event__{key}" for key in GROUP_KEYS))
        .annotate(
            held=Count("id"),
            events=Count("event_id", distinct=True),
            participants=Sum("attendance__total"),
            with_attendance=Count("attendance__id"),
            zero_attendance=Count("id", filter=Q(attendance__total=0)),
        )
        .order_by()
    )
    return [
        {
            **{key: row[f"event__{key}"] for key in GROUP_KEYS},
            "held": row["held"],
            "events": row["events"],
            "participants": row["participants"] or 0,
            "with_attendance": row["with_attendance"],
            "zero_attendance": row["zero_attendance"],
        }
        for row in rows
    ]


def line_matches(line: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether an event (its kind, venue, barometer type and starter) feeds an answer line;
    an empty filter other than the kinds takes any value."""
    for name, (attr, _choices) in LINE_FILTERS.items():
        wanted = line.get(name) or []
        if (wanted or name == "kinds") and event[attr] not in wanted:
            return False
    return True


VALUE_OF = {
    NationalLine.Measure.OCCURRENCES: "held",
    NationalLine.Measure.EVENTS: "events",
    NationalLine.Measure.PARTICIPANTS: "participants",
}
COUNTS = ("held", "events", "participants", "with_attendance", "zero_attendance")


def _sum(groups: Iterable[dict[str, Any]]) -> dict[str, int]:
    totals = dict.fromkeys(COUNTS, 0)
    for group in groups:
        for key in COUNTS:
            totals[key] += group[key]
    return totals


def _line_counts(
    line: dict[str, Any], groups: list[dict[str, Any]], branches: list[dict[str, Any]]
) -> dict[str, Any]:
    """One answer counted from the groups: the figure, its held occurrences with and without
    attendance, and the figure by venue and by branch (a help for checking it)."""
    mine = [g for g in groups if line_matches(line, g)]
    value = VALUE_OF[line["measure"]]
    totals = _sum(mine)
    return {
        "counted": totals[value],
        "held": totals["held"],
        "with_attendance": totals["with_attendance"],
        "zero_attendance": totals["zero_attendance"],
        "missing_attendance": totals["held"] - totals["with_attendance"],
        "by_venue": {
            venue: _sum(g for g in mine if g["venue"] == venue)[value]
            for venue in Event.Venue.values
        },
        "by_branch": {
            str(b["id"]): _sum(g for g in mine if g["branch_id"] == b["id"])[value]
            for b in branches
        },
    }


def _adjustments(year: int) -> dict[str, dict[str, Any]]:
    return {
        a.code: {
            "delta": a.delta,
            "reason": a.reason,
            "changed_by": a.changed_by.get_username() if a.changed_by else "",
            "changed_at": a.changed_at.astimezone(LOCAL_TZ).isoformat(),
        }
        for a in NationalAdjustment.objects.filter(year=year).select_related("changed_by")
    }


def _missing_list(
    *, first: date, last: date, now: datetime, lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The held occurrences feeding an answer that have no attendance recorded (N4), oldest
    first, with the answers each leaves short."""
    missing = (
        Occurrence.objects.filter(
            held_q(now=now),
            local_date__gte=first,
            local_date__lte=last,
            attendance__isnull=True,
        )
        .order_by("start", "pk")
        .values(
            "pk",
            "start",
            "event_id",
            "event__title",
            "event__branch__slug",
            "event__branch__name",
            *(f"event__{key}" for key in GROUP_KEYS),
        )
    )
    rows = []
    for occurrence in missing:
        attrs = {key: occurrence[f"event__{key}"] for key in GROUP_KEYS}
        codes = [line["code"] for line in lines if line_matches(line, attrs)]
        if codes:
            rows.append(
                {
                    "occurrence": occurrence["pk"],
                    "event": occurrence["event_id"],
                    "title": occurrence["event__title"],
                    "branch": occurrence["event__branch__slug"],
                    "branch_name": occurrence["event__branch__name"],
                    "start": occurrence["start"].astimezone(LOCAL_TZ).isoformat(),
                    "kind": attrs["kind"],
                    "venue": attrs["venue"],
                    "lines": codes,
                }
            )
    return rows


def national_sheet(
    *,
    year: int,
    first: date | None = None,
    last: date | None = None,
    now: datetime | None = None,
    mapping: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The answer sheet of ``year`` for the whole library system (every branch and the
    bookmobile), with each answer also by branch and by venue, the adjustments beside the
    counted figures, and the held occurrences missing attendance.

    Counts occurrences by their local date from ``first`` to ``last`` (default: the whole
    year) that were held by ``now``, with the year's mapping unless ``mapping`` is given.
    Plain data: the December KIU report stores it as it is."""
    if not year_supported(year):
        raise ValidationError(
            {
                "year": [
                    _("Give a year between %(min)d and %(max)d.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR}
                ]
            }
        )
    now = now or timezone.now()
    first = first or date(year, 1, 1)
    last = last or date(year, 12, 31)
    source = "given"
    if mapping is None:
        found, source = national_mapping(year=year)
        mapping = [line_data(line) for line in found]
    branches = [
        {"id": b.pk, "slug": b.slug, "name": b.name}
        for b in Branch.objects.order_by("order", "name")
    ]
    groups = _groups(first=first, last=last, now=now)
    adjustments = _adjustments(year)
    lines = []
    for line in mapping:
        counts = _line_counts(line, groups, branches)
        adjustment = adjustments.get(line["code"])
        answer = counts["counted"] + (adjustment["delta"] if adjustment else 0)
        lines.append({**line, **counts, "adjustment": adjustment, "answer": answer})
    missing = _missing_list(first=first, last=last, now=now, lines=mapping)
    return {
        "year": year,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "held_as_of": now.astimezone(LOCAL_TZ).isoformat(),
        "mapping_source": source,
        "mapping": mapping,
        "branches": branches,
        "lines": lines,
        "missing": missing,
        "missing_count": len(missing),
    }


def national_sheet_frozen(*, year: int) -> StatusReport | None:
    """The December KIU report of ``year`` that froze an answer sheet: the scheduled one,
    else the first made on demand for 1 December."""
    return (
        StatusReport.objects.filter(year=year, kind=StatusReport.Kind.DECEMBER)
        .filter(data__has_key="national")
        .order_by("-scheduled", "generated_at", "pk")
        .first()
    )
