"""Demo status reports: the KIU reports of the latest 1 June and 1 December on or before the
demo's day, frozen as the schedule would have made them, so the archive is not empty."""

from __future__ import annotations

from datetime import date, datetime, time

from events.clock import LOCAL_TZ
from events.models import Track
from tasks.models import StatusReport
from tasks.services.reports import status_report_generate

OVERALL = {
    6: "Et godt første halvår: flere arrangementer end sidste år, og fremmødet er registreret "
    "for de fleste. Vi følger op på de spor, hvor lokalbibliotekerne endnu ikke er med.",
    12: "Året nærmer sig målene for de fleste spor. Handleplanen for næste år bygger videre på "
    "det, der virkede, og ser igen på de spor, der halter.",
}
TRACK_COMMENTS = {
    "hygge": "Fredagshyggen er blevet et fast holdepunkt i flere lokalområder.",
    "digitale-forbindelser": "IT-hjælpen er efterspurgt; vi mangler frivillige i Viby.",
}


def _latest(today: date, month: int) -> date:
    day = date(today.year, month, 1)
    return day if day <= today else date(today.year - 1, month, 1)


def seed_reports(*, today: date) -> list[str]:
    """Freeze the June and December reports (latest on or before ``today``) unless there."""
    lines: list[str] = []
    slugs = set(Track.objects.values_list("slug", flat=True))
    for month in (6, 12):
        as_of = _latest(today, month)
        if StatusReport.objects.filter(as_of=as_of, scheduled=True).exists():
            lines.append(f"Status report {as_of}: already there, left as it was.")
            continue
        report = status_report_generate(
            as_of=as_of,
            scheduled=True,
            now=datetime.combine(as_of, time(6, 0), tzinfo=LOCAL_TZ),
            overall_comment=OVERALL[month],
            track_comments={k: v for k, v in TRACK_COMMENTS.items() if k in slugs},
        )
        lines.append(f"Status report {as_of}: frozen ({report.title}).")
    return lines
