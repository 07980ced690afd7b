"""The national statistics (DESIGN.md, N1-N6), each rule with figures worked out by hand: the
yearly answer sheet for Danmarks Statistik's BIB2B and the library barometer, the mapping as
data, adjustments, and the sheet frozen with the December KIU report."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from events import services as events_services
from events.models import Event
from tasks.models import NationalLine
from tasks.services.national import (
    national_adjustment_save,
    national_line_validate,
    national_sheet,
    national_sheet_frozen,
)
from tasks.services.reports import status_report_generate
from tests.factories import BookmobileFactory, StopFactory, local
from tests.tasks.util import NOW, event_with

pytestmark = pytest.mark.django_db

FREEZE = local(2026, 12, 1, 6, 0)  # the December KIU report's run


def answers(sheet) -> dict[str, int]:
    return {line["code"]: line["answer"] for line in sheet["lines"]}


def line(sheet, code: str) -> dict:
    return next(row for row in sheet["lines"] if row["code"] == code)


def sheet_2026(**kwargs):
    return national_sheet(year=2026, now=NOW, **kwargs)


def test_the_default_mapping_is_seeded_with_the_questionnaires_answers():
    codes = set(NationalLine.objects.filter(year__isnull=True).values_list("code", flat=True))
    assert {
        "arrangementer",
        "arrangementer-deltagere",
        "udstillinger",
        "brugerundervisning-lektioner",
        "brugerundervisning-deltagere",
        "barometer-laesekredse-biblioteket",
        "barometer-laesekredse-brugerne",
    } <= codes
    assert sheet_2026()["mapping_source"] == "default"


def test_n1_and_n4_each_session_counts_once_with_its_attendance_zero_is_not_missing(branch):
    # A weekly series of three (5 came, 0 came, not recorded) and a single event (12 came).
    event_with(
        branch=branch,
        start=local(2026, 3, 3, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[5, 0, None],
        kind="arrangement",
    )
    event_with(branch=branch, start=local(2026, 4, 1, 10, 0), counts=[12], kind="arrangement")

    sheet = sheet_2026()
    arrangements = line(sheet, "arrangementer")
    participants = line(sheet, "arrangementer-deltagere")
    assert arrangements["answer"] == 4  # 3 sessions + 1
    assert participants["answer"] == 17  # 5 + 0 + 12; the missing one is not guessed
    assert (participants["zero_attendance"], participants["missing_attendance"]) == (1, 1)
    assert participants["with_attendance"] == 3
    assert [m["start"][:10] for m in sheet["missing"]] == ["2026-03-17"]
    assert sheet["missing"][0]["lines"] == [
        "arrangementer",
        "arrangementer-deltagere",
    ]
    assert sheet["missing_count"] == 1


def test_n2_a_series_of_exhibitions_counts_once(branch, other_branch):
    # Open every day for three weeks: 21 held occurrences, one exhibition.
    event_with(
        branch=branch,
        start=local(2026, 5, 1, 10, 0),
        rrule="FREQ=DAILY;COUNT=21",
        kind="exhibition",
    )
    event_with(branch=other_branch, start=local(2026, 6, 1, 10, 0), kind="exhibition")
    # Held only before the year: not an exhibition of 2026.
    event_with(branch=branch, start=local(2025, 12, 10, 10, 0), kind="exhibition")

    sheet = sheet_2026()
    exhibitions = line(sheet, "udstillinger")
    assert exhibitions["answer"] == 2
    assert exhibitions["held"] == 22
    assert exhibitions["by_branch"] == {str(branch.pk): 1, str(other_branch.pk): 1}
    assert answers(sheet)["arrangementer"] == 0


def test_n2_an_exhibition_spanning_new_year_counts_in_each_year_it_was_held(branch):
    event_with(
        branch=branch,
        start=local(2025, 12, 30, 10, 0),
        rrule="FREQ=DAILY;COUNT=4",
        kind="exhibition",
    )
    assert answers(national_sheet(year=2025, now=NOW))["udstillinger"] == 1
    assert answers(sheet_2026())["udstillinger"] == 1


def test_n3_teaching_sessions_are_lessons_with_participants(branch):
    # An IT course of four lessons: 8, 10, 0 and one not recorded.
    event_with(
        branch=branch,
        start=local(2026, 9, 7, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
        counts=[8, 10, 0, None],
        kind="teaching",
    )
    sheet = sheet_2026()
    assert answers(sheet)["brugerundervisning-lektioner"] == 4
    participants = line(sheet, "brugerundervisning-deltagere")
    assert participants["answer"] == 18
    assert (participants["zero_attendance"], participants["missing_attendance"]) == (1, 1)
    assert answers(sheet)["arrangementer"] == 0  # teaching is not an arrangement


def test_a_cancelled_session_is_not_held_and_a_cancelled_event_counts_nowhere(branch):
    course = event_with(
        branch=branch,
        start=local(2026, 2, 2, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        counts=[6, None, 7],
        kind="teaching",
    )
    second = course.occurrences.order_by("start")[1]
    events_services.occurrence_cancel(occurrence=second, reason="Underviseren var syg")
    called_off = event_with(branch=branch, start=local(2026, 2, 10, 10, 0), kind="teaching")
    events_services.event_cancel(event=called_off, reason="Ingen tilmeldte")

    sheet = sheet_2026()
    assert answers(sheet)["brugerundervisning-lektioner"] == 2
    assert answers(sheet)["brugerundervisning-deltagere"] == 13
    assert sheet["missing"] == []  # the cancelled one is not missing attendance either


def test_n5_an_arrangement_with_three_tracks_counts_once(branch):
    event_with(
        branch=branch,
        start=local(2026, 10, 6, 19, 0),
        slugs=("hygge", "fordybelse", "digitale-forbindelser"),
        counts=[30],
    )
    assert answers(sheet_2026())["arrangementer"] == 1
    assert answers(sheet_2026())["arrangementer-deltagere"] == 30


def test_venues_split_the_arrangements_and_the_bookmobile_is_in_the_community(branch):
    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), counts=[10])  # in the library
    event_with(
        branch=branch, start=local(2026, 3, 4, 19, 0), counts=[5], venue="community"
    )  # at the local school
    event_with(branch=branch, start=local(2026, 3, 5, 19, 0), counts=[3], venue="online")
    bus = BookmobileFactory()
    on_tour = event_with(
        branch=bus, start=local(2026, 3, 6, 15, 0), counts=[9], stop=StopFactory(branch=bus)
    )
    assert on_tour.venue == Event.Venue.COMMUNITY  # no venue given: the bookmobile's default

    sheet = sheet_2026()
    arrangements = line(sheet, "arrangementer")
    assert arrangements["answer"] == 4
    assert arrangements["by_venue"] == {"library": 1, "community": 2, "online": 1}
    assert line(sheet, "arrangementer-deltagere")["by_venue"] == {
        "library": 10,
        "community": 14,
        "online": 3,
    }
    assert answers(sheet)["arrangementer-lokalsamfundet"] == 2
    assert answers(sheet)["arrangementer-online"] == 1
    # The branches add up to the whole library system.
    assert sum(arrangements["by_branch"].values()) == 4
    assert arrangements["by_branch"][str(bus.pk)] == 1


def test_drafts_count_nowhere_and_future_sessions_are_not_held(branch):
    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), status="draft", kind="teaching")
    event_with(branch=branch, start=local(2026, 12, 20, 10, 0), kind="teaching")  # after now
    now = local(2026, 12, 2, 12, 0)
    sheet = national_sheet(year=2026, now=now)
    assert answers(sheet)["brugerundervisning-lektioner"] == 0
    assert sheet["missing"] == []


def test_the_barometer_counts_by_type_and_reading_clubs_by_who_started_them(branch):
    event_with(
        branch=branch,
        start=local(2026, 1, 7, 19, 0),
        rrule="FREQ=MONTHLY;COUNT=10",
        barometer_type="reading_club",
        initiated_by="users",
    )
    event_with(
        branch=branch,
        start=local(2026, 1, 8, 19, 0),
        rrule="FREQ=MONTHLY;COUNT=10",
        barometer_type="reading_club",
        initiated_by="library",
        kind="other",
    )
    event_with(branch=branch, start=local(2026, 4, 8, 19, 0), barometer_type="author")
    event_with(branch=branch, start=local(2026, 4, 9, 19, 0), barometer_type="music")
    event_with(branch=branch, start=local(2026, 4, 10, 19, 0), barometer_type="music")

    got = answers(sheet_2026())
    assert got["barometer-laesekredse-brugerne"] == 1  # one club, ten meetings
    assert got["barometer-laesekredse-biblioteket"] == 1
    assert got["barometer-forfattere"] == 1
    assert got["barometer-musik"] == 2
    assert got["barometer-debat"] == 0
    assert got["arrangementer"] == 13  # the users' club's 10 meetings and the three others


def test_an_adjustment_is_added_beside_the_counted_figure_and_needs_a_reason(branch, admin_user):
    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), counts=[10])
    national_adjustment_save(
        year=2026,
        code="arrangementer",
        delta=3,
        reason="Tre arrangementer i Bogbussen blev ført på papir",
        user=admin_user,
    )
    arrangements = line(sheet_2026(), "arrangementer")
    assert (arrangements["counted"], arrangements["answer"]) == (1, 4)
    assert arrangements["adjustment"]["delta"] == 3
    assert arrangements["adjustment"]["reason"].startswith("Tre arrangementer")
    assert arrangements["adjustment"]["changed_by"] == "admin"
    # Saved again it replaces the first; another year is not touched.
    national_adjustment_save(year=2026, code="arrangementer", delta=-1, reason="Dobbelt talt")
    assert line(sheet_2026(), "arrangementer")["answer"] == 0
    assert line(national_sheet(year=2025, now=NOW), "arrangementer")["adjustment"] is None

    with pytest.raises(ValidationError) as no_reason:
        national_adjustment_save(year=2026, code="arrangementer", delta=2, reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        national_adjustment_save(year=2026, code="udlaan", delta=2, reason="?")
    assert "code" in unknown.value.message_dict


def test_a_years_own_mapping_replaces_the_default_for_that_year_only(branch):
    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), counts=[10], kind="other")
    NationalLine.objects.create(
        year=2026,
        form="bib2b",
        code="arrangementer",
        label_da="Arrangementer (inkl. andet)",
        measure="occurrences",
        kinds=["arrangement", "other"],
    )
    sheet = sheet_2026()
    assert sheet["mapping_source"] == "year"
    assert answers(sheet) == {"arrangementer": 1}
    assert answers(national_sheet(year=2025, now=NOW))["arrangementer"] == 0


def test_the_line_check_refuses_unknown_values_and_a_line_without_kinds():
    with pytest.raises(ValidationError) as bad:
        national_line_validate(
            year=2026, code="x", kinds=[], venues=["moon"], barometer_types=[], initiated_by=[]
        )
    assert set(bad.value.message_dict) == {"kinds", "venues"}
    with pytest.raises(ValidationError) as taken:
        national_line_validate(year=None, code="udstillinger", kinds=["exhibition"])
    assert "code" in taken.value.message_dict


def _december_report():
    return status_report_generate(as_of=date(2026, 12, 1), scheduled=True, now=FREEZE)


def test_the_december_report_freezes_the_sheet_with_its_mapping(branch):
    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), counts=[10], kind="exhibition")
    event_with(branch=branch, start=local(2026, 11, 30, 10, 0), counts=[4], now=FREEZE)
    report = _december_report()
    frozen = report.data["national"]
    assert (frozen["first"], frozen["last"]) == ("2026-01-01", "2026-11-30")
    assert answers(frozen)["udstillinger"] == 1
    assert answers(frozen)["arrangementer"] == 1
    assert [m["code"] for m in frozen["mapping"]][:2] == [
        "arrangementer",
        "arrangementer-deltagere",
    ]
    assert national_sheet_frozen(year=2026) == report
    # A June report does not carry a sheet.
    june = status_report_generate(as_of=date(2026, 6, 1), now=FREEZE)
    assert "national" not in june.data


def test_a_mapping_edit_changes_the_live_sheet_but_not_the_frozen_one(branch):
    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), counts=[10], kind="other")
    report = _december_report()
    before = report.data["national"]

    exhibitions = NationalLine.objects.get(year__isnull=True, code="arrangementer")
    exhibitions.kinds = ["arrangement", "other"]
    exhibitions.save()

    assert answers(sheet_2026())["arrangementer"] == 1
    report.refresh_from_db()
    assert answers(report.data["national"])["arrangementer"] == 0
    assert report.data["national"] == before
    assert line(report.data["national"], "arrangementer")["kinds"] == ["arrangement"]


def test_the_frozen_sheet_does_not_move_when_attendance_is_recorded_later(branch):
    event = event_with(branch=branch, start=local(2026, 10, 6, 19, 0), counts=[None])
    report = _december_report()
    frozen = report.data["national"]
    assert line(frozen, "arrangementer-deltagere")["missing_attendance"] == 1
    assert [m["occurrence"] for m in frozen["missing"]] == [event.occurrences.get().pk]

    events_services.attendance_record(occurrence=event.occurrences.get(), total=25, now=NOW)
    national_adjustment_save(year=2026, code="arrangementer", delta=5, reason="Eftertalt")

    live = sheet_2026()
    assert line(live, "arrangementer-deltagere")["answer"] == 25
    assert live["missing"] == []
    report.refresh_from_db()
    assert report.data["national"] == frozen
    assert line(report.data["national"], "arrangementer-deltagere")["answer"] == 0
    assert line(report.data["national"], "arrangementer")["adjustment"] is None


def _admin_client(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the admin is Danish unless switched
    client.force_login(user)
    return client


def test_an_administrator_edits_the_mapping_and_adjusts_an_answer_in_the_admin(admin_user, branch):
    from django.urls import reverse

    event_with(branch=branch, start=local(2026, 3, 3, 19, 0), counts=[10], kind="other")
    client = _admin_client(admin_user)
    line_row = NationalLine.objects.get(year__isnull=True, code="arrangementer")
    url = reverse("admin:tasks_nationalline_change", args=[line_row.pk])
    assert client.get(url).status_code == 200
    form = {
        "year": "",
        "form": "bib2b",
        "code": "arrangementer",
        "label_da": "Arrangementer",
        "label_en": "Events",
        "order": "10",
        "measure": "occurrences",
        "kinds": ["arrangement", "other"],
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert answers(sheet_2026())["arrangementer"] == 1

    # Without a kind the line is refused, naming the field, and nothing changes.
    response = client.post(url, {**form, "kinds": []})
    assert response.status_code == 200
    assert "Choose at least one event kind." in response.content.decode()
    line_row.refresh_from_db()
    assert line_row.kinds == ["arrangement", "other"]

    add = reverse("admin:tasks_nationaladjustment_add")
    response = client.post(add, {"year": 2026, "code": "arrangementer", "delta": 2, "reason": ""})
    assert response.status_code == 200  # a reason is required
    response = client.post(
        add, {"year": 2026, "code": "arrangementer", "delta": 2, "reason": "Talt på papir"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    arrangements = line(sheet_2026(), "arrangementer")
    assert (arrangements["counted"], arrangements["answer"]) == (1, 3)
    assert arrangements["adjustment"]["changed_by"] == "admin"


def test_staff_and_management_cannot_edit_the_mapping(staff_user, management_user):
    from django.urls import reverse

    for user in (staff_user, management_user):
        client = _admin_client(user)
        assert client.get(reverse("admin:tasks_nationalline_changelist")).status_code in (302, 403)
