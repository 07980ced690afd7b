"""Benchmark: the event admin page of a long series, loaded and saved as staff do.

    .venv/bin/python -m bench.admin_event              # weekly for five years, daily for two
    BENCH_ADMIN_ROUNDS=3 .venv/bin/python -m bench.admin_event

It creates its own throw-away database (a SQLite file in a temporary directory, or
``bench_admin_<pid>`` on PostgreSQL when DATABASE_URL points there) and, through Django's full
request stack (test client, all middleware, logged in as staff of the branch), for each series:

- loads the event's change page (bytes, server time);
- saves it as a browser would: every field of the page's form as rendered, with one word of
  the description changed (fields sent, server time, and that the change was stored).

Both series start in the past and keep their past occurrences, with attendance recorded for
the held ones, as they would be after years of use. Timings: median of the rounds after one
warm-up. Never a timed unit test: run it by hand on a quiet machine.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

ROUNDS = int(os.environ.get("BENCH_ADMIN_ROUNDS", "5"))
SERIES = {
    # name: (rule, how far back the series starts)
    "weekly, five years": ("FREQ=WEEKLY;COUNT=270", timedelta(weeks=208)),
    "daily, two years": ("FREQ=DAILY;COUNT=730", timedelta(days=365)),
}


class _FormReader(HTMLParser):
    """The fields a browser would submit from one form: (name, value) pairs in page order."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.pairs: list[tuple[str, str]] = []
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.pairs.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.pairs.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_data(html: str, form_id: str = "event_form") -> dict[str, list[str]]:
    """What a browser posts from the form ``form_id`` of ``html``, as the test client's
    ``post`` takes it (a name with several values, a list)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        data.setdefault(name, []).append(value)
    return data


def field_count(data: dict[str, list[str]]) -> int:
    """Fields as Django counts them against DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    return sum(len(values) for values in data.values())


def make_series(*, branch, rule: str, back: timedelta, title: str, room=None, user=None):
    """A series begun ``back`` ago and still running, made through the services, its past
    occurrences kept (as materialised when it was created)."""
    from django.utils import timezone

    from events import services
    from events.models import LOCAL_TZ, Track

    today = timezone.localdate() - back
    start = datetime(today.year, today.month, today.day, 10, 0, tzinfo=LOCAL_TZ)
    return services.event_create(
        branch=branch,
        title=title,
        description="Vi læser højt og snakker om bøgerne bagefter.",
        start=start,
        end=start + timedelta(hours=1),
        tracks=[Track.objects.order_by("pk").first()],
        room=room,
        rrule=rule,
        status="published",
        user=user,
    )


def _record_past_attendance(event, user) -> int:
    from django.utils import timezone

    from events import services

    held = event.occurrences.filter(end__lte=timezone.now(), status="scheduled")
    for n, occurrence in enumerate(held):
        services.attendance_record(occurrence=occurrence, total=10 + n % 7, user=user)
    return held.count()


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, commit {commit or '?'}"


def run() -> list[dict]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # No setup_test_environment(): its instrumented template rendering (for the test client's
    # response.context) would be counted as server time.
    tmp = tempfile.mkdtemp(prefix="bench-admin-")
    test = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        test["NAME"] = f"bench_admin_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows = []
    try:
        from django.contrib.auth import get_user_model

        from events.models import Branch, Event, Room

        branch = Branch.objects.create(name="Jyllinge Bibliotek", slug="jyllinge")
        user = get_user_model().objects.create_user("bibliotekar", is_staff=True)
        branch.staff.add(user)
        client = Client()
        client.force_login(user)
        for n, (name, (rule, back)) in enumerate(SERIES.items()):
            room = Room.objects.create(branch=branch, name=f"Sal {n}")
            event = make_series(
                branch=branch, rule=rule, back=back, title=f"Højtlæsning {n}", room=room, user=user
            )
            held = _record_past_attendance(event, user)
            url = reverse("admin:events_event_change", args=[event.pk])
            gets, posts, size, fields = [], [], 0, 0
            for i in range(ROUNDS + 1):  # the first round warms up, not counted
                t = time.perf_counter()
                page = client.get(url)
                elapsed_get = time.perf_counter() - t
                assert page.status_code == 200, page.status_code
                size = len(page.content)
                data = form_data(page.content.decode())
                data["description"] = [f"Vi læser højt ({i}) og snakker om bøgerne bagefter."]
                data["_save"] = ["Gem"]
                fields = field_count(data)
                t = time.perf_counter()
                saved = client.post(url, data)
                elapsed_post = time.perf_counter() - t
                assert saved.status_code == 302, saved.content[:2000]
                assert Event.objects.get(pk=event.pk).description.startswith(f"Vi læser højt ({i})")
                if i:
                    gets.append(elapsed_get)
                    posts.append(elapsed_post)
            rows.append(
                {
                    "series": name,
                    "occurrences": event.occurrences.count(),
                    "held": held,
                    "page_kb": size / 1024,
                    "fields": fields,
                    "get_ms": statistics.median(gets) * 1000,
                    "post_ms": statistics.median(posts) * 1000,
                }
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return rows


def main() -> None:
    started = datetime.now().astimezone()
    rows = run()
    from django.db import connection

    print(f"{started:%Y-%m-%d %H:%M %Z}; {_machine()}; database {connection.vendor}")
    print(
        "| series | occurrences (held, with attendance) | page | fields posted "
        "| page load (median) | save (median) | target | met |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | :---: |")
    for r in rows:
        met = r["page_kb"] < 300 and r["fields"] < 1000 and r["post_ms"] < 1000
        print(
            f"| {r['series']} | {r['occurrences']} ({r['held']}) | {r['page_kb']:.0f} KB "
            f"| {r['fields']} | {r['get_ms']:.0f} ms | {r['post_ms']:.0f} ms "
            f"| page < 300 KB, < 1,000 fields, save < 1 s | {'yes' if met else 'no'} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
