"""Rendering a frozen status report: CSV, XLSX (openpyxl) and a readable HTML page.

Pure functions of ``StatusReport.data``: a report renders the same on any day, because it holds
the figures as they were when it was made.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .models import StatusFigure, StatusReport


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
    period = report.data["period"]
    writer.writerow([report.title])
    writer.writerow([_("Period"), period["first"], period["last"]])
    writer.writerow([_("Held as of"), report.data["held_as_of"]])
    writer.writerow([])
    cols = _columns()
    writer.writerow([header for _key, header in cols])
    for row in report.data["figures"]:
        row = _scope_names(row)
        writer.writerow(["" if row.get(k) is None else row.get(k) for k, _h in cols])
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
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Period"), data["period"]["first"], data["period"]["last"]])
    sheet.append([])
    cols = _columns()
    sheet.append([header for _key, header in cols])
    for cell in sheet[4]:
        cell.font = bold
    for row in data["figures"]:
        row = _scope_names(row)
        sheet.append([row.get(k) for k, _h in cols])
    sheet.freeze_panes = "C5"

    coverage = book.create_sheet(_("Track coverage")[:31])
    tracks = data["tracks"]
    coverage.append([_("Branch"), *[t["name"] for t in tracks], _("Tracks held")])
    for cell in coverage[1]:
        cell.font = bold
    for c in data["coverage"]:
        coverage.append(
            [
                c["branch_name"],
                *[c["tracks"].get(t["slug"], 0) for t in tracks],
                f"{c['covered']}/{c['of']}",
            ]
        )

    months = book.create_sheet(_("Months")[:31])
    months.append(
        [
            _("Month"),
            _("Track"),
            _("occurrences held"),
            _("attendance"),
            _("held missing attendance"),
        ]
    )
    for cell in months[1]:
        cell.font = bold
    for row in sorted(
        data["monthly"],
        key=lambda r: (r["period_index"], r["track_id"] is not None, r["track_id"] or 0),
    ):
        row = _scope_names(row)
        months.append(
            [
                row["period_index"],
                row["track_name"],
                row["held"],
                row["attendance"],
                row["missing_attendance"],
            ]
        )

    for key, title in (("plan", _("Action plan")), ("next_plan", _("Next year's plan"))):
        plan = data.get(key)
        if not plan:
            continue
        ws = book.create_sheet(f"{title} {plan['year']}"[:31])
        ws.append([plan["title"], plan["status"]])
        ws.append([])
        ws.append(
            [
                _("Branch"),
                _("Track"),
                _("target: events held"),
                _("target: attendance"),
                _("target: co-created"),
            ]
        )
        for t in plan["targets"]:
            ws.append(
                [
                    t["branch_name"] or _("All branches"),
                    t["track_name"] or _("All tracks"),
                    t["held"],
                    t["attendance"],
                    t["co_created"],
                ]
            )
        ws.append([])
        ws.append([_("Track"), _("Branch"), _("Initiative")])
        for i in plan["initiatives"]:
            ws.append([i["track_name"], i["branch_name"] or _("All branches"), i["text"]])

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
