"""Rendering a frozen status report: CSV, XLSX (openpyxl) and a readable HTML page.

Pure functions of ``StatusReport.data``: a report renders the same on any day, because it holds
the figures as they were when it was made.

No cell is ever a formula: text that a spreadsheet would read as one (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return: a plan title, an initiative, a branch or track
name) gets a leading ``'``, as OWASP's CSV-injection guidance says, and every text cell of the
workbook is written as a string cell. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import StatusFigure, StatusReport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_safe(value: Any) -> Any:
    """Text a spreadsheet would take for a formula, with a leading ``'``; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _row(values) -> list[Any]:
    return [_text_safe(value) for value in values]


def _append(sheet, values) -> None:
    """``sheet.append`` with formula-like text neutralised and every text cell a string cell
    (openpyxl makes any text starting with ``=`` a formula)."""
    values = _row(values)
    sheet.append(values)
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            sheet.cell(row=sheet.max_row, column=column).data_type = "s"


def _columns() -> list[tuple[str, str]]:
    """(key, header) of the figure table, in order."""
    fields = {
        f.name: str(f.verbose_name)
        for f in StatusFigure._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    cols = [("branch_name", _("Branch")), ("track_name", _("Track"))]
    cols += [(m, fields[m]) for m in StatusFigure.MEASURES]
    cols += [
        ("average_attendance", _("average attendance")),
        ("co_created_share", _("co-created share")),
        ("target_held", _("target: events held")),
        ("share_of_target_held", _("share of target: events held")),
        ("target_attendance", _("target: attendance")),
        ("share_of_target_attendance", _("share of target: attendance")),
        ("target_co_created", _("target: co-created")),
        ("share_of_target_co_created", _("share of target: co-created")),
    ]
    return cols


def _scope_names(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "branch_name": row.get("branch_name") or _("All branches"),
        "track_name": row.get("track_name") or _("All tracks"),
    }


CSV_DIALECTS = ("plain", "excel-da")


def _decimal_comma(value: Any) -> Any:
    """A number as Danish Excel reads it (``0,25``); text and integers as they are."""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def report_csv(report: StatusReport, *, dialect: str = "plain") -> bytes:
    """The report's figures (year to date, every scope) as CSV.

    ``plain``: comma-separated, dot decimals, UTF-8 (for programs). ``excel-da``: what Danish
    Excel opens into columns on a double click: semicolon-separated, decimal comma, UTF-8 with
    a byte-order mark so that it reads the Danish letters right."""
    if dialect not in CSV_DIALECTS:
        raise ValueError(dialect)
    danish = dialect == "excel-da"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if danish else ",", lineterminator="\r\n")

    def write(values) -> None:
        row = _row(values)  # formula-like text first: a number is never neutralised
        writer.writerow([_decimal_comma(v) for v in row] if danish else row)

    period = report.data["period"]
    write([report.title])
    write([_("Period"), period["first"], period["last"]])
    write([_("Held as of"), report.data["held_as_of"]])
    write([])
    cols = _columns()
    write([header for _key, header in cols])
    for row in report.data["figures"]:
        row = _scope_names(row)
        write(["" if row.get(k) is None else row.get(k) for k, _h in cols])
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if danish else text.encode("utf-8")


PERCENT = "0.0%"
SUMMARY_MEASURES = (
    ("held", gettext_lazy("occurrences held")),
    ("attendance", gettext_lazy("attendance")),
    ("share_of_target_held", gettext_lazy("share of target: events held")),
    ("share_of_target_attendance", gettext_lazy("share of target: attendance")),
    ("missing_rate", gettext_lazy("missing-attendance rate")),
    ("co_created_share", gettext_lazy("co-created share")),
    ("children", gettext_lazy("children")),
    ("youth", gettext_lazy("youth")),
    ("adults", gettext_lazy("adults")),
    ("seniors", gettext_lazy("seniors")),
)


def _percent_labels() -> set[str]:
    """The summary measures that are shares (translated at call time)."""
    return {str(label) for key, label in SUMMARY_MEASURES if "share" in key or "rate" in key}


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    """An ISO instant as a local wall-clock time (spreadsheets have no time zones)."""
    if not value:
        return None
    return timezone.localtime(datetime.fromisoformat(value)).replace(tzinfo=None)


def _percent_columns(ws, keys: list[str], *, first_row: int) -> None:
    """Shares (0.25) shown as percentages (25.0 %), still numbers."""
    for column, key in enumerate(keys, start=1):
        if "share" in key:
            for (cell,) in ws.iter_rows(min_row=first_row, min_col=column, max_col=column):
                cell.number_format = PERCENT


def _fit_columns(ws) -> None:
    """Column widths from the longest value in each column (capped), as a person would set,
    and dates shown as dates."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            length = 12 if isinstance(cell.value, (date, float)) else len(str(cell.value))
            widths[cell.column] = max(widths.get(cell.column, 8), min(length + 2, 60))
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def _summary_sheet(summary, report: StatusReport, doc: dict[str, Any]) -> None:
    """The workbook's first sheet: title, period, the summary against last year, comments."""
    from openpyxl.styles import Font

    data = report.data
    bold = Font(bold=True)
    summary.title = _("Summary")[:31]
    _append(summary, [report.title])
    summary["A1"].font = Font(bold=True, size=14)
    _append(summary, [_("Period"), _date(data["period"]["first"]), _date(data["period"]["last"])])
    _append(summary, [_("Held as of"), _datetime(data["held_as_of"])])
    _append(summary, [])
    _append(summary, [_("Scope"), _("Measure"), _("This year"), _("Same period last year")])
    for cell in summary[5]:
        cell.font = bold
    scopes = [(_("All tracks"), doc["summary"].get("total"), doc["summary"].get("previous"))]
    scopes += [(t["name"], t["now"], t["previous"]) for t in doc["tracks"] if t["now"]]
    for name, now, before in scopes:
        if not now:
            continue
        for key, label in SUMMARY_MEASURES:
            _append(summary, [name, str(label), now.get(key), (before or {}).get(key)])
    if doc["overall_comment"]:
        _append(summary, [])
        _append(summary, [_("Management's comment"), doc["overall_comment"]])
    for t in doc["tracks"]:
        if t["comment"]:
            _append(summary, [t["name"], t["comment"]])
    labels = _percent_labels()
    for row in summary.iter_rows(min_row=6, max_col=4):
        if len(row) == 4 and str(row[1].value) in labels:
            row[2].number_format = row[3].number_format = PERCENT


def _plan_sheet(ws, plan: dict[str, Any]) -> None:
    """A plan as it was frozen: title and status (in the language asked for), targets and
    initiatives."""
    _append(ws, [plan["title"], _label(PLAN_STATUS, plan["status"])])
    _append(ws, [])
    _append(
        ws,
        [
            _("Branch"),
            _("Track"),
            _("target: events held"),
            _("target: attendance"),
            _("target: co-created"),
        ],
    )
    for t in plan["targets"]:
        _append(
            ws,
            [
                t["branch_name"] or _("All branches"),
                t["track_name"] or _("All tracks"),
                t["held"],
                t["attendance"],
                t["co_created"],
            ],
        )
    _append(ws, [])
    _append(ws, [_("Track"), _("Branch"), _("Initiative"), _("Status"), _("Note")])
    for i in map(_initiative, plan["initiatives"]):
        _append(
            ws,
            [
                i["track_name"],
                i["responsible"] or _("All branches"),
                i["text"],
                i["status_label"],
                i["note"],
            ],
        )


def report_xlsx(report: StatusReport) -> bytes:
    """The report as a workbook: figures, track coverage, months, and the plan(s)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = report.data
    book = Workbook()
    bold = Font(bold=True)
    doc = report_sections(report)

    summary = book.active
    _summary_sheet(summary, report, doc)

    sheet = book.create_sheet(_("Figures")[:31])
    _append(sheet, [report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, [_("Period"), _date(data["period"]["first"]), _date(data["period"]["last"])])
    _append(sheet, [])
    cols = _columns()
    _append(sheet, [header for _key, header in cols])
    for cell in sheet[4]:
        cell.font = bold
    for row in data["figures"]:
        row = _scope_names(row)
        _append(sheet, [row.get(k) for k, _h in cols])
    sheet.freeze_panes = "C5"
    _percent_columns(sheet, [key for key, _header in cols], first_row=5)

    coverage = book.create_sheet(_("Track coverage")[:31])
    tracks = data["tracks"]
    _append(coverage, [_("Branch"), *[t["name"] for t in tracks], _("Tracks held")])
    for cell in coverage[1]:
        cell.font = bold
    for c in data["coverage"]:
        _append(
            coverage,
            [
                c["branch_name"],
                *[c["tracks"].get(t["slug"], 0) for t in tracks],
                f"{c['covered']}/{c['of']}",
            ],
        )

    months = book.create_sheet(_("Months")[:31])
    _append(
        months,
        [
            _("Month"),
            _("Track"),
            _("occurrences held"),
            _("attendance"),
            _("held missing attendance"),
        ],
    )
    for cell in months[1]:
        cell.font = bold
    for row in sorted(
        data["monthly"],
        key=lambda r: (r["period_index"], r["track_id"] is not None, r["track_id"] or 0),
    ):
        row = _scope_names(row)
        _append(
            months,
            [
                row["period_index"],
                row["track_name"],
                row["held"],
                row["attendance"],
                row["missing_attendance"],
            ],
        )

    for key, title in (("plan", _("Action plan")), ("next_plan", _("Next year's plan"))):
        plan = data.get(key)
        if plan:
            _plan_sheet(book.create_sheet(f"{title} {plan['year']}"[:31]), plan)

    for ws in book.worksheets:
        _fit_columns(ws)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


INITIATIVE_STATUS = {
    "planned": pgettext_lazy("initiative status", "planned"),
    "in_progress": pgettext_lazy("initiative status", "in progress"),
    "done": pgettext_lazy("initiative status", "done"),
    "postponed": pgettext_lazy("initiative status", "postponed"),
    "dropped": pgettext_lazy("initiative status", "dropped"),
}
PLAN_STATUS = {
    "adopted": pgettext_lazy("plan status", "adopted"),
    "draft": pgettext_lazy("plan status", "draft"),
}


def _label(labels: dict, value: Any) -> str:
    return str(labels.get(value, value or ""))


def _initiative(item: dict[str, Any]) -> dict[str, Any]:
    """An initiative of a plan snapshot as the report shows it: whatever keys the snapshot holds
    (older reports: text only; newer: status, responsible branch, note, events, figures)."""
    events = item.get("events") or []
    return {
        **item,
        # in the language of the reader (the frozen label is in the language of the freeze)
        "status_label": (
            str(INITIATIVE_STATUS[item["status"]])
            if item.get("status") in INITIATIVE_STATUS
            else item.get("status_label") or item.get("status") or ""
        ),
        "responsible": item.get("responsible_branch_name") or item.get("branch_name"),
        "note": item.get("note") or item.get("progress_note") or "",
        "event_titles": [e.get("title", e) if isinstance(e, dict) else e for e in events],
        "figures": item.get("figures") or None,
    }


def report_sections(report: StatusReport) -> dict[str, Any]:
    """The report as a document, one structure for every format: the summary (this year and the
    same period last year), then per track its initiatives, figures against target and last
    year, coverage across branches, age breakdown, co-created share and management's comment."""
    data = report.data
    figures = [_scope_names(r) for r in data["figures"]]
    summary = data.get("summary") or {}
    comments = data.get("track_comments") or {}
    initiatives = (data.get("plan") or {}).get("initiatives") or []
    tracks = []
    for t in data["tracks"]:
        slug = t["slug"]
        total = next(
            (r for r in figures if r["branch_id"] is None and r.get("track") == slug), None
        )
        compared = (summary.get("tracks") or {}).get(slug) or {}
        tracks.append(
            {
                **t,
                "total": total,
                "now": compared.get("now"),
                "previous": compared.get("previous"),
                "initiatives": [_initiative(i) for i in initiatives if i.get("track") == slug],
                "coverage": [
                    {"branch_name": c["branch_name"], "held": c["tracks"].get(slug, 0)}
                    for c in data["coverage"]
                ],
                "branches_held": sum(1 for c in data["coverage"] if c["tracks"].get(slug)),
                "branches": len(data["coverage"]),
                "comment": comments.get(slug, ""),
            }
        )
    return {
        "summary": summary,
        "previous_period": (data.get("previous") or {}).get("period"),
        "tracks": tracks,
        "overall_comment": data.get("overall_comment") or "",
        "figures": figures,
    }


def report_html(
    report: StatusReport, *, request=None, for_print: bool = False, download_links=None
) -> str:
    """A readable, printable page of the report (``for_print``: for the PDF engine)."""
    data = report.data
    doc = report_sections(report)
    figures = doc["figures"]
    plan = data.get("plan")
    next_plan = data.get("next_plan")
    context = {
        "doc": doc,
        "for_print": for_print,
        "download_links": None if for_print else download_links,
        "plan_status": _label(PLAN_STATUS, plan["status"]) if plan else "",
        "next_plan_status": _label(PLAN_STATUS, next_plan["status"]) if next_plan else "",
        "report": report,
        "data": data,
        "total": next(
            (r for r in figures if r["branch_id"] is None and r["track_id"] is None), None
        ),
        "track_totals": [
            r for r in figures if r["branch_id"] is None and r["track_id"] is not None
        ],
        "branch_totals": [
            r for r in figures if r["branch_id"] is not None and r["track_id"] is None
        ],
        "cells": [r for r in figures if r["branch_id"] is not None and r["track_id"] is not None],
        "coverage": data["coverage"],
        "tracks": data["tracks"],
        "plan": data.get("plan"),
        "next_plan": data.get("next_plan"),
    }
    return render_to_string("tasks/status_report.html", context, request=request)


def report_pdf(report: StatusReport) -> bytes:
    """The report as an A4 PDF, rendered on the server by WeasyPrint from the same printable
    HTML (its print stylesheet: @page margin boxes with page numbers, colours kept).

    WeasyPrint rather than Chromium's print: it is a Python library drawing with Debian's Pango
    (already in the image), needs no browser process per request, and implements CSS Paged
    Media (``counter(pages)`` in @page margin boxes, ``string-set`` for a running title), which
    Chromium's print ignores."""
    from weasyprint import HTML

    html = report_html(report, for_print=True)
    return HTML(string=html, media_type="print").write_pdf()


# --- the national statistics' answer sheet (tasks.services.national) -------------------------


def national_label(line: dict[str, Any]) -> str:
    """An answer's name in the language of the reader, Danish first."""
    from django.utils.translation import get_language

    if (get_language() or "da").startswith("en") and line.get("label_en"):
        return str(line["label_en"])
    return str(line["label_da"])


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # a value of a frozen sheet no longer offered: shown as it was stored
        return value


def national_title(sheet: dict[str, Any]) -> str:
    return _("National statistics %(year)d") % {"year": sheet["year"]}


def _national_columns(sheet: dict[str, Any]) -> list[str]:
    from events.models import Event

    return [
        _("Questionnaire"),
        _("Code"),
        _("Answer"),
        _("What is counted"),
        _("Counted"),
        _("Adjustment"),
        _("Answer given"),
        _("Reason for the adjustment"),
        _("Held occurrences"),
        _("Held with attendance"),
        _("Held with attendance 0"),
        _("Held missing attendance"),
        *[str(label) for _value, label in Event.Venue.choices],
        *[b["name"] for b in sheet["branches"]],
    ]


def _national_row(sheet: dict[str, Any], line: dict[str, Any]) -> list[Any]:
    from events.models import Event

    from .models import NationalLine

    adjustment = line.get("adjustment") or {}
    return [
        _choice_label(NationalLine.Form, line["form"]),
        line["code"],
        national_label(line),
        _choice_label(NationalLine.Measure, line["measure"]),
        line["counted"],
        adjustment.get("delta"),
        line["answer"],
        adjustment.get("reason", ""),
        line["held"],
        line["with_attendance"],
        line["zero_attendance"],
        line["missing_attendance"],
        *[line["by_venue"].get(v, 0) for v in Event.Venue.values],
        *[line["by_branch"].get(str(b["id"]), 0) for b in sheet["branches"]],
    ]


def _missing_columns() -> list[str]:
    return [_("Start"), _("Branch"), _("Event"), _("Kind"), _("Venue"), _("Answers it feeds")]


def _missing_row(row: dict[str, Any], *, as_datetime: bool) -> list[Any]:
    from events.models import Event

    start: Any = _datetime(row["start"]) if as_datetime else row["start"]
    return [
        start,
        row["branch_name"],
        row["title"],
        _choice_label(Event.Kind, row["kind"]),
        _choice_label(Event.Venue, row["venue"]),
        ", ".join(row["lines"]),
    ]


def _national_heading(sheet: dict[str, Any], *, frozen_title: str = "") -> list[list[Any]]:
    source = {
        "year": _("this year's own mapping"),
        "default": _("the default mapping"),
    }.get(sheet.get("mapping_source", ""), _("the mapping frozen with it"))
    rows: list[list[Any]] = [[national_title(sheet)]]
    if frozen_title:
        rows.append([_("Frozen with"), frozen_title])
    rows += [
        [_("Period"), sheet["first"], sheet["last"]],
        [_("Held as of"), sheet["held_as_of"]],
        [_("Counted with"), source],
    ]
    return rows


def national_csv(sheet: dict[str, Any], *, dialect: str = "plain", frozen_title: str = "") -> bytes:
    """The answer sheet as CSV: the answers (with adjustments, venues and branches), then the
    held occurrences missing attendance. Dialects as ``report_csv``'s."""
    if dialect not in CSV_DIALECTS:
        raise ValueError(dialect)
    danish = dialect == "excel-da"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if danish else ",", lineterminator="\r\n")

    def write(values) -> None:
        row = _row(values)
        writer.writerow([_decimal_comma(v) for v in row] if danish else row)

    for heading in _national_heading(sheet, frozen_title=frozen_title):
        write(heading)
    write([])
    write(_national_columns(sheet))
    for line in sheet["lines"]:
        write(["" if v is None else v for v in _national_row(sheet, line)])
    write([])
    write([_("Held occurrences missing attendance"), sheet["missing_count"]])
    write(_missing_columns())
    for row in sheet["missing"]:
        write(_missing_row(row, as_datetime=False))
    text = out.getvalue()
    return ("\ufeff" + text).encode("utf-8") if danish else text.encode("utf-8")


def _mapping_sheet(ws, sheet: dict[str, Any]) -> None:
    from events.models import Event

    from .models import NationalLine

    labels = {
        "kinds": Event.Kind,
        "venues": Event.Venue,
        "barometer_types": Event.BarometerType,
        "initiated_by": Event.InitiatedBy,
    }
    _append(
        ws,
        [
            _("Code"),
            _("Answer"),
            _("What is counted"),
            _("Event kinds"),
            _("Venues"),
            _("Barometer types"),
            _("Started by"),
        ],
    )
    for line in sheet["mapping"]:
        _append(
            ws,
            [
                line["code"],
                national_label(line),
                _choice_label(NationalLine.Measure, line["measure"]),
                *[
                    ", ".join(_choice_label(choices, v) for v in line.get(name) or []) or _("any")
                    for name, choices in labels.items()
                ],
            ],
        )


def national_xlsx(sheet: dict[str, Any], *, frozen_title: str = "") -> bytes:
    """The answer sheet as a workbook: the answers, the held occurrences missing attendance,
    and the mapping it was counted with."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    answers = book.active
    answers.title = _("Answers")[:31]
    for heading in _national_heading(sheet, frozen_title=frozen_title):
        if heading[0] == _("Period"):
            heading = [heading[0], _date(heading[1]), _date(heading[2])]
        elif heading[0] == _("Held as of"):
            heading = [heading[0], _datetime(heading[1])]
        _append(answers, heading)
    answers["A1"].font = Font(bold=True, size=14)
    _append(answers, [])
    _append(answers, _national_columns(sheet))
    header_row = answers.max_row
    for cell in answers[header_row]:
        cell.font = bold
    for line in sheet["lines"]:
        _append(answers, _national_row(sheet, line))
    answers.freeze_panes = answers.cell(row=header_row + 1, column=4)

    missing = book.create_sheet(_("Missing attendance")[:31])
    _append(missing, _missing_columns())
    for cell in missing[1]:
        cell.font = bold
    for row in sheet["missing"]:
        _append(missing, _missing_row(row, as_datetime=True))

    mapping = book.create_sheet(_("Mapping")[:31])
    _mapping_sheet(mapping, sheet)
    for cell in mapping[1]:
        cell.font = bold

    for ws in book.worksheets:
        _fit_columns(ws)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
