"""The national statistics' page for management: the yearly answers to Danmarks Statistik
(table BIB2B) and the library barometer, counted now or as frozen with the December KIU report.

The counting is ``tasks.services.national``'s; this module picks the year and the version,
and arranges the sheet's rows for the template.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from events import roles
from events.clock import LOCAL_TZ, MAX_YEAR, MIN_YEAR, local_today, year_supported
from events.models import Event
from tasks.exports import national_label
from tasks.models import NationalLine
from tasks.services.national import national_sheet, national_sheet_frozen

LOGIN_URL = reverse_lazy("pages:login")
MISSING_SHOWN = 200


def management_only(view):
    """Management and administrators; anyone else logged in is refused, others log in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), str(LOGIN_URL))
        if not roles.is_management(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@management_only
def national_index(request):
    """The year picker's target: this year by default, or the year asked for."""
    raw = request.GET.get("year") or str(local_today().year)
    try:
        year = int(raw)
    except ValueError:
        year = 0
    if not year_supported(year):
        year = local_today().year
    return redirect("pages:national", year=year)


def _local(value: str) -> datetime:
    """A stored ISO instant as Copenhagen wall-clock time, for the template's date filters."""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ)


def _downloads(year: int, *, frozen: bool) -> dict[str, str]:
    """The status API's CSV (both dialects) and XLSX of the sheet (owned by tasks.api)."""
    query = "?frozen=true" if frozen else ""
    csv = reverse("status-national-csv", kwargs={"year": year}) + query
    return {
        "csv": csv,
        "csv_da": csv + ("&" if query else "?") + "dialect=excel-da",
        "xlsx": reverse("status-national-xlsx", kwargs={"year": year}) + query,
    }


def _rows(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers grouped by questionnaire, each with its name in the reader's language and
    its figures by venue and branch in the columns' order."""
    forms = dict(NationalLine.Form.choices)
    groups: dict[str, dict[str, Any]] = {}
    for line in sheet["lines"]:
        group = groups.setdefault(
            line["form"],
            {"form": line["form"], "title": forms.get(line["form"], line["form"]), "lines": []},
        )
        group["lines"].append(
            {
                **line,
                "label": national_label(line),
                "venues": [line["by_venue"].get(v, 0) for v in Event.Venue.values],
                "branches": [line["by_branch"].get(str(b["id"]), 0) for b in sheet["branches"]],
            }
        )
    return list(groups.values())


@management_only
def national(request, year: int):
    if not year_supported(year):
        raise Http404(
            _("Give a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    frozen_report = national_sheet_frozen(year=year)
    show_frozen = request.GET.get("frozen") in ("1", "true")
    if show_frozen:
        if frozen_report is None:
            raise Http404(_("No December KIU report has frozen a sheet for this year."))
        sheet = frozen_report.data["national"]
    else:
        sheet = national_sheet(year=year)
    context = {
        "year": year,
        "sheet": sheet,
        "groups": _rows(sheet),
        "venues": Event.Venue.choices,
        "frozen": show_frozen,
        "frozen_report": frozen_report,
        "first": date.fromisoformat(sheet["first"]),
        "last": date.fromisoformat(sheet["last"]),
        "held_as_of": _local(sheet["held_as_of"]),
        "missing": [
            {**m, "start_at": _local(m["start"])} for m in sheet["missing"][:MISSING_SHOWN]
        ],
        "missing_more": max(0, sheet["missing_count"] - MISSING_SHOWN),
        "downloads": _downloads(year, frozen=show_frozen),
        "min_year": MIN_YEAR,
        "max_year": MAX_YEAR,
        "is_admin": roles.is_admin(request.user),
    }
    return render(request, "pages/national.html", context)
