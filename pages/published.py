"""What the embed, the branch screens and the printed programme share: reading a selection
from the query string (``selectors.selection_parse``, the one reading of every interface) and
describing an occurrence in short, unambiguous words (“tir 8. dec.”, “Tue 8 Dec”)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events import selectors
from events.models import LOCAL_TZ, Branch, Occurrence, Stop

SLUGS = ("branch", "stop", "track", "audience")
DASH = "\u2013"  # en dash between times


@dataclass
class QuerySelection:
    selection: selectors.Selection
    errors: dict[str, list[str]] = field(default_factory=dict)
    first: date | None = None  # ``from`` and ``to``, when dates are read
    last: date | None = None


def _unknown_slug(exc: selectors.UnknownSlug) -> str:
    label = {
        "branch": _("branch"),
        "stop": _("bookmobile stop"),
        "track": _("track"),
        "audience": _("audience"),
    }.get(exc.field_name, exc.field_name)
    return _("No %(kind)s is called %(slugs)s.") % {"kind": label, "slugs": ", ".join(exc.slugs)}


def selection_from_query(query, *, allowed=(), dates: bool = False) -> QuerySelection:
    """The selection of branch, stop, track and audience slugs in ``query``; anything refused
    (an unknown parameter or slug, a bad date) is in ``errors`` by parameter name."""
    parsed = selectors.selection_parse(query, slugs=SLUGS, allowed=allowed, dates=dates)
    errors = {name: list(messages) for name, messages in parsed.errors.items()}
    for name in parsed.unknown:
        errors[name] = [
            _("Unknown parameter %(names)s; use %(known)s.")
            % {"names": name, "known": ", ".join([*SLUGS, *allowed])}
        ]
    if not errors:
        try:
            selectors.selection_validate(parsed.selection)
        except selectors.UnknownSlug as exc:
            errors[exc.field_name] = [_unknown_slug(exc)]
    return QuerySelection(
        selection=parsed.selection, errors=errors, first=parsed.first, last=parsed.last
    )


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def short_date(moment: datetime) -> str:
    """“tir 8. dec” in Danish, “Tue 8 Dec” in English: never a day/month in figures."""
    if (get_language() or "da").startswith("da"):
        return date_format(local(moment), "D j. b")
    return date_format(local(moment), "D j M")


def long_date(day: date, *, weekday: bool = True) -> str:
    """“tirsdag 1. december” in Danish, “Tuesday 1 December” in English."""
    danish = (get_language() or "da").startswith("da")
    pattern = ("l " if weekday else "") + ("j. F" if danish else "j F")
    return date_format(day, pattern)


def time_range(occurrence: Occurrence) -> str:
    if occurrence.event.all_day:
        return _("all day")
    return f"{local(occurrence.start):%H.%M}{DASH}{local(occurrence.end):%H.%M}"


def place_text(occurrence: Occurrence) -> str:
    """Room or place, bookmobile stop, branch: where citizens go."""
    event = occurrence.event
    room = occurrence.effective_room
    where: Stop | Branch | None = event.stop if event.stop_id else None
    parts = [room.name if room else event.place, where.name if where else "", event.branch.name]
    return ", ".join(dict.fromkeys(p for p in parts if p))


def selection_title(selection: selectors.Selection) -> str:
    """“Jyllinge Bibliotek · Hygge” from the selection's names, or the organisation's."""
    from events.models import Audience, Track

    groups = [
        [b.name for b in Branch.objects.filter(slug__in=selection.branches)],
        [s.name for s in Stop.objects.filter(slug__in=selection.stops)],
        [t.name for t in Track.objects.filter(slug__in=selection.tracks)],
        [a.name for a in Audience.objects.filter(slug__in=selection.audiences)],
    ]
    named = [", ".join(g) for g in groups if g]
    return " · ".join(named) if named else "Roskilde Bibliotekerne"
