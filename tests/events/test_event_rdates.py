"""Explicit dates: a series whose occurrences are a list of dates, not a rule (dpl-cms)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import services
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_explicit_dates_materialise_one_occurrence_each_at_its_own_time():
    event = make_event(
        start=local(2026, 12, 7, 16, 0),
        rdates=[local(2026, 12, 9, 10, 30), "2026-12-11T16:00:00"],
    )
    assert event.rdates == ["2026-12-09T10:30:00", "2026-12-11T16:00:00"]
    assert event.is_recurring
    assert [o.start for o in event.occurrences.order_by("start")] == [
        local(2026, 12, 7, 16, 0),
        local(2026, 12, 9, 10, 30),
        local(2026, 12, 11, 16, 0),
    ]


def test_explicit_dates_far_ahead_are_all_materialised():
    event = make_event(start=local(2026, 12, 7, 16, 0), rdates=[local(2028, 6, 1, 16, 0)])
    assert event.occurrences.count() == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"rrule": "FREQ=WEEKLY"}, "either a rule or explicit dates"),
        ({"rdates": ["2026-12-07T18:00:00"]}, "fall on one day"),
        ({"rdates": ["2026-12-01T18:00:00"]}, "not after the start"),
        ({"rdates": ["next tuesday"]}, "must be local times"),
    ],
)
def test_bad_explicit_dates_are_refused_with_the_field(extra, message):
    kwargs = {"rdates": [local(2026, 12, 9, 10, 0)], **extra}
    with pytest.raises(ValidationError) as caught:
        make_event(start=local(2026, 12, 7, 16, 0), **kwargs)
    assert message in " ".join(caught.value.message_dict["rdates"])


def test_a_new_explicit_date_adds_an_occurrence_and_keeps_the_others():
    event = make_event(start=local(2026, 12, 7, 16, 0), rdates=[local(2026, 12, 9, 10, 0)])
    kept = event.occurrences.get(local_date="2026-12-09")
    services.occurrence_cancel(occurrence=kept, reason="Syg")
    event = services.event_update(
        event=event, rdates=[*event.rdates, local(2026, 12, 14, 16, 0).isoformat()]
    )
    assert event.occurrences.count() == 3
    kept.refresh_from_db()
    assert kept.status == "cancelled"
