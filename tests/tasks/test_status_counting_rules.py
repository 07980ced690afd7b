"""The counting rules of DESIGN.md, one test each, with figures worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from events import services as events_services
from tasks.models import ActionPlan, Target
from tasks.services.figures import period_get, status_recompute
from tasks.services.read import (
    missing_attendance_list,
    monthly_attendance_by_track,
    status_figures,
    track_coverage,
)
from tests.factories import local, track
from tests.tasks.util import NOW, event_with, figure, values

pytestmark = pytest.mark.django_db


def test_rule_1_only_occurrences_that_have_ended_and_are_not_cancelled_are_held(branch):
    now = local(2026, 11, 25, 12, 0)
    event_with(branch=branch, start=local(2026, 11, 24, 10, 0), counts=[12], now=now)  # ended
    event_with(
        branch=branch, start=local(2026, 11, 25, 11, 0), counts=[7], now=now
    )  # running until 13:00
    event_with(branch=branch, start=local(2026, 11, 26, 10, 0))  # tomorrow

    status_recompute(year=2026, now=now)

    total = figure(2026, "month", 11)
    # Held: only the one that ended; the running one's count (7) is not counted yet.
    assert values(total, "held", "attendance", "with_attendance", "missing_attendance") == (
        1,
        12,
        1,
        0,
    )
    assert figure(2026, "year", 1).held == 1


def test_rule_2_an_occurrence_with_three_tracks_counts_once_per_track_and_once_in_totals(branch):
    event_with(
        branch=branch,
        start=local(2026, 5, 5, 10, 0),
        slugs=("hygge", "fordybelse", "digitale-forbindelser"),
        counts=[30],
    )
    event_with(branch=branch, start=local(2026, 5, 6, 10, 0), slugs=("hygge",), counts=[10])

    status_recompute(year=2026, now=NOW)

    cols = ("held", "events_held", "attendance")
    assert values(figure(2026, "month", 5, branch, "hygge"), *cols) == (2, 2, 40)
    assert values(figure(2026, "month", 5, branch, "fordybelse"), *cols) == (1, 1, 30)
    assert values(figure(2026, "month", 5, branch, "digitale-forbindelser"), *cols) == (1, 1, 30)
    # The branch's all-tracks total is 2 occurrences and 40 people, not 4 and 100.
    assert values(figure(2026, "month", 5, branch), *cols) == (2, 2, 40)
    assert values(figure(2026, "month", 5, None, "hygge"), *cols) == (2, 2, 40)
    assert values(figure(2026, "month", 5), *cols) == (2, 2, 40)
    assert values(figure(2026, "year", 1), *cols) == (2, 2, 40)


def test_rule_2_track_totals_add_branches_and_the_grand_total_counts_each_occurrence_once(
    branch, other_branch
):
    event_with(
        branch=branch, start=local(2026, 2, 3, 10, 0), slugs=("hygge", "fordybelse"), counts=[5]
    )
    event_with(branch=other_branch, start=local(2026, 2, 4, 10, 0), slugs=("hygge",), counts=[8])

    status_recompute(year=2026, now=NOW)

    assert values(figure(2026, "quarter", 1, None, "hygge"), "held", "attendance") == (2, 13)
    assert values(figure(2026, "quarter", 1, None, "fordybelse"), "held", "attendance") == (1, 5)
    assert values(figure(2026, "quarter", 1, other_branch), "held", "attendance") == (1, 8)
    assert values(figure(2026, "quarter", 1), "held", "attendance") == (2, 13)


def test_rule_3_period_by_local_date_near_midnight_and_across_the_spring_dst_change(branch):
    # Daily at 00:30 local from 29 March (the night clocks go forward) to 2 April. In UTC the
    # first is 28 March 23:30 and 1 April's is 31 March 22:30: grouped by UTC date March would
    # get 4 and April 1. By Copenhagen date it is March 29, 30, 31 and April 1, 2.
    event_with(
        branch=branch,
        start=local(2026, 3, 29, 0, 30),
        rrule="FREQ=DAILY;COUNT=5",
        duration=timedelta(hours=1),
        counts=[1, 2, 3, 4, 5],
    )
    # 23:30 local on 30 June is still in June and Q2/H1; 00:30 on 1 July is Q3/H2 (UTC: 30 June).
    event_with(
        branch=branch, start=local(2026, 6, 30, 23, 30), duration=timedelta(minutes=20), counts=[10]
    )
    event_with(
        branch=branch, start=local(2026, 7, 1, 0, 30), duration=timedelta(minutes=20), counts=[20]
    )

    status_recompute(year=2026, now=NOW)

    assert values(figure(2026, "month", 3), "held", "attendance") == (3, 1 + 2 + 3)
    assert values(figure(2026, "month", 4), "held", "attendance") == (2, 4 + 5)
    assert values(figure(2026, "quarter", 2), "held", "attendance") == (3, 4 + 5 + 10)
    assert values(figure(2026, "quarter", 3), "held", "attendance") == (1, 20)
    assert values(figure(2026, "half", 1), "held", "attendance") == (6, 25)
    assert values(figure(2026, "half", 2), "held", "attendance") == (1, 20)


def test_rule_3_autumn_dst_change_and_new_year_in_local_time(branch):
    # 25 October 2026 02:30 happens twice; the occurrence at 00:30 that night is on 25 October.
    event_with(
        branch=branch, start=local(2026, 10, 25, 0, 30), duration=timedelta(hours=1), counts=[3]
    )
    # 31 October 23:30 CET is 22:30 UTC: October.
    # 1 November 00:15 CET is 31 October 23:15 UTC: November.
    event_with(
        branch=branch, start=local(2026, 10, 31, 23, 30), duration=timedelta(minutes=20), counts=[4]
    )
    event_with(
        branch=branch, start=local(2026, 11, 1, 0, 15), duration=timedelta(minutes=30), counts=[6]
    )
    # 1 January 2026 00:30 local is 31 December 2025 in UTC: it belongs to 2026.
    event_with(
        branch=branch, start=local(2026, 1, 1, 0, 30), duration=timedelta(hours=1), counts=[9]
    )
    # 1 January 2027 00:30 local is 31 December 2026 in UTC: it does not belong to 2026.
    event_with(
        branch=branch, start=local(2027, 1, 1, 0, 30), duration=timedelta(hours=1), counts=[50]
    )

    status_recompute(year=2026, now=NOW)

    assert values(figure(2026, "month", 10), "held", "attendance") == (2, 7)
    assert values(figure(2026, "month", 11), "held", "attendance") == (1, 6)
    assert values(figure(2026, "month", 1), "held", "attendance") == (1, 9)
    assert figure(2026, "month", 12) is None
    assert values(figure(2026, "year", 1), "held", "attendance") == (4, 22)


def test_rule_3_a_moved_occurrence_counts_in_the_period_it_moved_to(branch):
    event = event_with(branch=branch, start=local(2026, 3, 3, 19, 0), rrule="FREQ=WEEKLY;COUNT=4")
    last = event.occurrences.order_by("start").last()  # 24 March
    events_services.occurrence_move(occurrence=last, start=local(2026, 4, 2, 19, 0))

    status_recompute(year=2026, now=NOW)

    assert figure(2026, "month", 3).held == 3
    assert figure(2026, "month", 4).held == 1
    # One series: one distinct event in each month, and one (not two) in the half-year.
    assert figure(2026, "month", 3).events_held == 1
    assert figure(2026, "month", 4).events_held == 1
    assert figure(2026, "half", 1).events_held == 1
    assert figure(2026, "quarter", 1).events_held == 1


def test_rule_4_cancelled_occurrences_count_as_cancelled_only(branch):
    event = event_with(
        branch=branch, start=local(2026, 9, 1, 19, 0), rrule="FREQ=WEEKLY;COUNT=3", counts=[11]
    )
    second = event.occurrences.order_by("start")[1]
    events_services.occurrence_cancel(occurrence=second, reason="Sygdom")
    # A whole event cancelled after its first evening had 25 people: nothing of it is held.
    gone = event_with(
        branch=branch, start=local(2026, 9, 2, 19, 0), rrule="FREQ=WEEKLY;COUNT=2", counts=[25]
    )
    events_services.event_cancel(event=gone, reason="Aflyst")

    status_recompute(year=2026, now=NOW)

    sept = figure(2026, "month", 9)
    # Held: 1 Sept (11 people) and 15 Sept (no count);
    # cancelled: 8 Sept and both of the other event.
    assert values(sept, "held", "cancelled", "attendance", "missing_attendance", "events_held") == (
        2,
        3,
        11,
        1,
        1,
    )


def test_rule_5_held_without_attendance_is_missing_attendance_not_zero(branch):
    event_with(
        branch=branch,
        start=local(2026, 4, 7, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[10, 20, None],
    )

    status_recompute(year=2026, now=NOW)

    [row] = status_figures(period=period_get(year=2026, kind="month", index=4), scope="total")
    assert (row["held"], row["with_attendance"], row["missing_attendance"], row["attendance"]) == (
        3,
        2,
        1,
        30,
    )
    assert row["average_attendance"] == 15.0  # 30 / 2 counted, not 30 / 3
    missing = list(missing_attendance_list(period=period_get(year=2026), now=NOW))
    assert [o.start for o in missing] == [local(2026, 4, 21, 10, 0)]


def test_rule_6_co_created_share_is_held_co_created_over_held(branch, other_branch):
    event_with(
        branch=branch,
        start=local(2026, 8, 4, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=2",
        co_created=True,
        counts=[5, 5],
    )
    event_with(
        branch=branch, start=local(2026, 8, 5, 10, 0), rrule="FREQ=WEEKLY;COUNT=3", counts=[5, 5, 5]
    )
    event_with(branch=other_branch, start=local(2026, 8, 6, 10, 0), co_created=True, counts=[5])
    # A cancelled co-created occurrence is not held and so not in the share.
    cancelled = event_with(branch=branch, start=local(2026, 8, 7, 10, 0), co_created=True)
    events_services.occurrence_cancel(occurrence=cancelled.occurrences.get(), reason="")

    status_recompute(year=2026, now=NOW)

    rows = status_figures(period=period_get(year=2026, kind="month", index=8))
    by_scope = {(r["branch"], r["track"]): r for r in rows}
    assert by_scope[("jyllinge", None)]["co_created_held"] == 2
    assert by_scope[("jyllinge", None)]["co_created_share"] == 0.4  # 2 of 5
    assert by_scope[("viby", None)]["co_created_share"] == 1.0
    assert by_scope[(None, None)]["co_created_share"] == 0.5  # 3 of 6


def test_rule_7_share_of_target_and_empty_where_there_is_no_target(branch, other_branch):
    event_with(
        branch=branch,
        start=local(2026, 2, 10, 10, 0),
        slugs=("hygge", "fordybelse"),
        rrule="FREQ=WEEKLY;COUNT=2",
        counts=[15, 25],
    )
    plan = ActionPlan.objects.create(year=2026)
    Target.objects.create(plan=plan, branch=branch, track=track("hygge"), held=4, attendance=100)
    Target.objects.create(plan=plan, branch=branch, track=None, attendance=50)  # held: no target
    Target.objects.create(plan=plan, branch=other_branch, track=track("hygge"), held=10)

    status_recompute(year=2026, now=NOW)

    rows = status_figures(period=period_get(year=2026))
    by_scope = {(r["branch"], r["track"]): r for r in rows}
    cell = by_scope[("jyllinge", "hygge")]
    assert (cell["share_of_target_held"], cell["share_of_target_attendance"]) == (0.5, 0.4)
    total = by_scope[("jyllinge", None)]
    assert (total["share_of_target_held"], total["share_of_target_attendance"]) == (None, 0.8)
    no_target = by_scope[("jyllinge", "fordybelse")]
    assert no_target["target_held"] is None
    assert no_target["share_of_target_held"] is None
    assert no_target["share_of_target_attendance"] is None
    # A target where nothing was held shows 0 of it, not a missing row.
    nothing = by_scope[("viby", "hygge")]
    assert (nothing["held"], nothing["target_held"], nothing["share_of_target_held"]) == (
        0,
        10,
        0.0,
    )
    assert by_scope[(None, None)]["share_of_target_held"] is None


def test_draft_events_are_never_counted(branch):
    event_with(branch=branch, start=local(2026, 6, 2, 10, 0), status="draft")

    status_recompute(year=2026, now=NOW)

    assert figure(2026, "year", 1) is None


def test_age_groups_add_up_what_was_recorded_with_a_breakdown(branch):
    event_with(
        branch=branch,
        start=local(2026, 6, 2, 10, 0),
        counts=[10],
        by_age={"children": 6, "youth": 0, "adults": 3, "seniors": 1},
    )
    event_with(branch=branch, start=local(2026, 6, 3, 10, 0), counts=[7])

    status_recompute(year=2026, now=NOW)

    assert values(
        figure(2026, "month", 6), "attendance", "children", "youth", "adults", "seniors"
    ) == (17, 6, 0, 3, 1)


def test_year_to_date_stops_at_the_given_day(branch):
    event_with(
        branch=branch, start=local(2026, 5, 30, 23, 30), duration=timedelta(minutes=20), counts=[4]
    )
    event_with(
        branch=branch, start=local(2026, 5, 31, 23, 30), duration=timedelta(minutes=20), counts=[5]
    )
    event_with(
        branch=branch, start=local(2026, 6, 1, 0, 10), duration=timedelta(minutes=20), counts=[100]
    )

    rows = status_figures(
        period=period_get(year=2026, kind="ytd", on=date(2026, 5, 31)),
        scope="total",
        now=NOW,
    )

    assert [(r["held"], r["attendance"]) for r in rows] == [(1 + 1, 9)]


def test_track_coverage_lists_which_tracks_each_branch_held(branch, other_branch):
    all_seven = (
        "fordybelse",
        "hygge",
        "viden-og-vejledning",
        "struktur-for-livet",
        "en-lokal-aktoer",
        "indgang-til-faellesskab",
        "digitale-forbindelser",
    )
    event_with(branch=other_branch, start=local(2026, 3, 3, 10, 0), slugs=all_seven)
    event_with(branch=branch, start=local(2026, 3, 3, 10, 0), slugs=("hygge", "fordybelse"))
    cancelled = event_with(
        branch=branch, start=local(2026, 3, 4, 10, 0), slugs=("digitale-forbindelser",)
    )
    events_services.occurrence_cancel(occurrence=cancelled.occurrences.get(), reason="")

    status_recompute(year=2026, now=NOW)

    coverage = {
        c["branch"]: c
        for c in track_coverage(period=period_get(year=2026, kind="quarter", index=1))
    }
    assert coverage["viby"]["complete"] is True
    assert coverage["jyllinge"]["covered"] == 2
    assert coverage["jyllinge"]["tracks"]["digitale-forbindelser"] == 0
    assert coverage["jyllinge"]["complete"] is False


def test_monthly_attendance_per_track(branch):
    event_with(branch=branch, start=local(2026, 1, 6, 10, 0), slugs=("hygge",), counts=[3])
    event_with(
        branch=branch, start=local(2026, 12, 1, 10, 0), slugs=("hygge", "fordybelse"), counts=[8]
    )

    status_recompute(year=2026, now=NOW)

    rows = {r["track"]: r for r in monthly_attendance_by_track(year=2026)}
    assert rows["hygge"]["attendance"] == [3] + [0] * 10 + [8]
    assert rows["fordybelse"]["attendance"] == [0] * 11 + [8]
    assert rows["viden-og-vejledning"]["held"] == [0] * 12
