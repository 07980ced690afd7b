"""The demo's frozen KIU reports: last June's and this December's, idempotent."""

from datetime import date

import pytest

from demo import reports as demo
from tasks.models import StatusReport

pytestmark = pytest.mark.django_db


def test_seed_reports_freezes_june_and_december_once(branch):
    lines = demo.seed_reports(today=date(2026, 12, 2))
    again = demo.seed_reports(today=date(2026, 12, 2))

    reports = list(StatusReport.objects.order_by("as_of"))
    assert [(r.as_of, r.kind) for r in reports] == [
        (date(2026, 6, 1), "june"),
        (date(2026, 12, 1), "december"),
    ]
    assert all(r.scheduled and r.overall_comment for r in reports)
    assert reports[1].data["period"]["last"] == "2026-11-30"
    assert all("frozen" in line for line in lines)
    assert all("already there" in line for line in again)


def test_before_june_the_reports_are_last_years():
    demo.seed_reports(today=date(2027, 3, 1))

    assert list(StatusReport.objects.order_by("as_of").values_list("as_of", flat=True)) == [
        date(2026, 6, 1),
        date(2026, 12, 1),
    ]
