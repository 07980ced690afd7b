from datetime import time

import pytest

from events.models import LOCAL_TZ
from tests.factories import local, make_event


@pytest.mark.django_db
def test_weekly_series_stays_at_19_local_across_both_dst_changes():
    event = make_event(start=local(2026, 3, 17, 19, 0), rrule="FREQ=WEEKLY;UNTIL=20261110T230000Z")
    starts = [o.start.astimezone(LOCAL_TZ) for o in event.occurrences.order_by("start")]
    assert starts[0].date().isoformat() == "2026-03-17"
    assert {s.time() for s in starts} == {time(19, 0)}
    offsets = {s.utcoffset().total_seconds() / 3600 for s in starts}
    assert offsets == {1.0, 2.0}
    assert len(starts) == 35
