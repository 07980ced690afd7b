"""Measurement: the missing-attendance rate per branch on the demo, before and after a week in
which staff answer every attendance digest.

    .venv/bin/python -m bench.digest_effect

It makes its own throw-away database (a SQLite file in a temporary directory, or
``bench_digest_<pid>`` on PostgreSQL when DATABASE_URL points there), loads the demo laid out
around the day a week ago (``seed_demo --today``: the demo as it stood then, every occurrence
since that noon without a head count), and then, for each of the seven mornings since:

- sends the day's digests as the beat would at 07:00 (``attendance_digests_send`` with the
  locmem mail backend: composed as for SMTP, kept in memory);
- lets the staff answer them: every occurrence listed in a digest that morning gets a head
  count (recorded by the digest's recipient through ``attendance_record_bulk``).

Rates (``tasks.services.missing``: held occurrences past the 24-hour grace without a head count /
held occurrences past the grace), for the occurrences of this year up to the day:

- *before*: on the first morning, before the first digest;
- *without digests*: a week later, had nobody answered (read before any answer is recorded);
- *with digests*: a week later, after the staff answered each digest.

Two scenarios, each on a fresh demo: the demo's staff as seeded (one librarian, at Jyllinge;
other branches have no staff, so nobody is mailed about them), and with one librarian added at
every branch without staff (as in a real installation). Deterministic for a given day.
"""

from __future__ import annotations

import os
import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

DAYS = 7


def _fresh_database():
    from django.db import connection

    tmp = tempfile.mkdtemp(prefix="bench-digest-")
    test = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        test["NAME"] = f"bench_digest_{os.getpid()}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True)


def _add_staff_everywhere() -> list[str]:
    from django.contrib.auth import get_user_model

    from events.models import Branch

    added = []
    for branch in Branch.objects.filter(staff__isnull=True):
        user, _made = get_user_model().objects.get_or_create(
            username=f"personale-{branch.slug}",
            defaults={"email": f"personale-{branch.slug}@bibliotekerne.roskilde.dk"},
        )
        branch.staff.add(user)
        added.append(branch.name)
    return added


def _rates(*, first: date, last: date, now: datetime) -> dict[str, tuple[int, int]]:
    from events.models import Branch
    from tasks.services.missing import missing_rates

    names = dict(Branch.objects.values_list("pk", "name"))
    rates = missing_rates(first=first, last=last, now=now)
    out = {names[k]: (r.held, r.missing) for k, r in rates.items() if k is not None}
    out["All branches"] = (rates[None].held, rates[None].missing) if None in rates else (0, 0)
    return out


def _answer(run, rng: random.Random) -> int:
    """Every occurrence listed in the morning's digests gets a head count, recorded by the first
    recipient who lists it."""
    from events import services
    from events.models import Attendance

    answered = 0
    for digest in run.sent:
        done = set(
            Attendance.objects.filter(
                occurrence__in=[line.occurrence for line in digest.lines]
            ).values_list("occurrence_id", flat=True)
        )
        items = [
            {"occurrence": line.occurrence, "total": rng.randint(4, 40)}
            for line in digest.lines
            if line.occurrence.pk not in done
        ]
        if items:
            services.attendance_record_bulk(items=items, user=digest.user)
            answered += len(items)
    return answered


def scenario(*, staff_everywhere: bool, today: date) -> dict:
    from django.conf import settings
    from django.core import mail

    from demo import events as demo
    from tasks.services.digests import attendance_digests_send, digest_moment

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    old_name = _fresh_database()
    try:
        day0 = today - timedelta(days=DAYS)
        demo.seed(today=day0)
        added = _add_staff_everywhere() if staff_everywhere else []
        first = date(day0.year, 1, 1)
        end = day0 + timedelta(days=DAYS)
        before = _rates(first=first, last=day0, now=digest_moment(day0))
        without = _rates(first=first, last=end, now=digest_moment(end))
        rng = random.Random(f"digest-effect-{day0}")
        days = []
        for n in range(DAYS):
            day = day0 + timedelta(days=n)
            run = attendance_digests_send(today=day, now=digest_moment(day))
            days.append(
                {
                    "day": day,
                    "mails": len(run.sent),
                    "lines": sum(len(d.lines) for d in run.sent),
                    "answered": _answer(run, rng),
                }
            )
        after = _rates(first=first, last=end, now=digest_moment(end))
        return {
            "added": added,
            "day0": day0,
            "end": end,
            "before": before,
            "without": without,
            "after": after,
            "days": days,
            "mails": len(mail.outbox),
        }
    finally:
        from django.db import connection

        connection.creation.destroy_test_db(old_name, verbosity=0)


def _pct(held: int, missing: int) -> str:
    return f"{100 * missing / held:.1f} % ({missing}/{held})" if held else "-"


def report(result: dict, title: str) -> None:
    print(f"\n### {title}\n")
    if result["added"]:
        print(f"Librarians added at: {', '.join(result['added'])}.\n")
    print(
        f"Demo laid out around {result['day0']}; digests each morning {result['day0']} to "
        f"{result['end'] - timedelta(days=1)}; rates of this year's occurrences.\n"
    )
    print(
        f"| branch | before ({result['day0']} 07:00) | a week later without digests "
        f"| a week later with digests answered |"
    )
    print("| --- | ---: | ---: | ---: |")
    for name in result["after"]:
        cells = [_pct(*result[k].get(name, (0, 0))) for k in ("before", "without", "after")]
        print(f"| {name} | {' | '.join(cells)} |")
    print("\n| morning | mails | lines | head counts recorded in answer |")
    print("| --- | ---: | ---: | ---: |")
    for d in result["days"]:
        print(f"| {d['day']} | {d['mails']} | {d['lines']} | {d['answered']} |")
    print(f"\nMails in all: {result['mails']}.")


def main() -> None:
    import platform
    import subprocess

    import django

    django.setup()
    from django.db import connection

    from events.clock import local_today

    started = datetime.now().astimezone()
    today = local_today()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    print(
        f"{started:%Y-%m-%d %H:%M %Z}; {cpu}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; commit {commit or '?'}; database {connection.vendor}"
    )
    report(scenario(staff_everywhere=False, today=today), "The demo's staff as seeded")
    report(scenario(staff_everywhere=True, today=today), "One librarian at every branch")


if __name__ == "__main__":
    main()
