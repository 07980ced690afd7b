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
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

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


def report_csv(report: StatusReport) -> bytes:
    """The report's figures (year to date, every scope) as CSV, UTF-8 with a BOM so that
    spreadsheet programs read the Danish letters right."""
    out = io.StringIO()
    writer = csv.writer(out)

    def write(values) -> None:
        writer.writerow(_row(values))

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
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: StatusReport) -> bytes:
    """The report as a workbook: figures, track coverage, months, and the plan(s)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = report.data
    book = Workbook()
    bold = Font(bold=True)

    sheet = book.active
    sheet.title = _("Figures")[:31]
    _append(sheet, [report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, [_("Period"), data["period"]["first"], data["period"]["last"]])
    _append(sheet, [])
    cols = _columns()
    _append(sheet, [header for _key, header in cols])
    for cell in sheet[4]:
        cell.font = bold
    for row in data["figures"]:
        row = _scope_names(row)
        _append(sheet, [row.get(k) for k, _h in cols])
    sheet.freeze_panes = "C5"

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
        if not plan:
            continue
        ws = book.create_sheet(f"{title} {plan['year']}"[:31])
        _append(ws, [plan["title"], plan["status"]])
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
        _append(ws, [_("Track"), _("Branch"), _("Initiative")])
        for i in plan["initiatives"]:
            _append(ws, [i["track_name"], i["branch_name"] or _("All branches"), i["text"]])

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_html(report: StatusReport, *, request=None) -> str:
    """A readable, printable page of the report."""
    data = report.data
    figures = [_scope_names(r) for r in data["figures"]]
    context = {
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
