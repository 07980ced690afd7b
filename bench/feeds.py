"""Benchmark of the iCal feed against django-ical and a bare view, in-process and over HTTP.

    .venv/bin/python -m bench.feeds       # 5,000 events; writes the Feeds section of BENCHMARKS.md
    BENCH_FEED_EVENTS=500 .venv/bin/python -m bench.feeds --no-write --no-http  # a quick look

Both parts use the Redis cache, as production does: a redis-server of its own on a spare port
(or ``REDIS_URL`` if set). In-process, it creates its own throw-away database (a SQLite file in a
temporary directory, or ``bench_feeds_<pid>`` on PostgreSQL when DATABASE_URL points there),
fills it with single events with Danish text spread over the feed window, and times, through
Django's full request stack (test client, all middleware; ``FEED_MAX_BYTES`` lifted so that the
calendar holds every event, like django-ical's):

- the all-branches calendar with a cold feed cache (pieces current, as they are kept by
  ``events_changed``), against django-ical 1.9.2 serving the same events from the same selector;
- a warm-cache request and a conditional request answered 304, against a bare Django view
  returning a constant body (the same number of bytes as the feed for the warm request, and a
  two-byte body for the 304), measured in alternating batches;
- for context: the icalendar library building the same calendar from scratch, and rebuilding
  every piece.

Over HTTP (unless ``--no-http``), ``bench.harness`` runs the production stack (gunicorn with
the project's config, PostgreSQL, Redis, nginx) with the same events and times the feeds
against the bare view in the same server and nginx, with wrk at concurrency 16 and 64, three
repetitions (``FEED_MAX_BYTES`` as in production: the all-branches calendar is trimmed to 1 MB).

Never a timed unit test: run it by hand on a quiet machine.
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
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

N_EVENTS = int(os.environ.get("BENCH_FEED_EVENTS", "5000"))
ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"

# --- URLs served in the benchmark (ROOT_URLCONF points here while it runs) ----------------

_CONSTANT = {"small": b"ok", "large": b""}


def _bare_small(request):
    from django.http import HttpResponse

    return HttpResponse(_CONSTANT["small"], content_type="text/plain")


def _bare_large(request):
    from django.http import HttpResponse

    return HttpResponse(_CONSTANT["large"], content_type="text/calendar; charset=utf-8")


def _django_ical(request):
    return _django_ical_feed()(request)


def _django_ical_feed():  # noqa: C901 - mccabe counts the hooks of the class it returns
    from django_ical.views import ICalFeed
    from icalendar import vCalAddress

    from events import selectors
    from feeds import builders, views

    class DjangoIcalFeed(ICalFeed):
        product_id = builders.PRODID
        timezone = "Europe/Copenhagen"
        title = "Roskilde Bibliotekerne"
        description = "Roskilde Bibliotekerne"

        def items(self):
            start, end = views.window()
            ids = selectors.occurrence_list(start=start, end=end).values("event_id")
            return selectors.event_list().filter(pk__in=ids)

        def item_guid(self, item):
            return item.uid

        def item_title(self, item):
            return item.title

        def item_description(self, item):
            return item.description

        def item_link(self, item):
            return item.get_absolute_url()

        def item_start_datetime(self, item):
            return item.start

        def item_end_datetime(self, item):
            return item.end

        def item_location(self, item):
            return builders.location_text(item)

        def item_geolocation(self, item):
            return (float(item.branch.latitude), float(item.branch.longitude))

        def item_categories(self, item):
            return [t.name_da for t in item.tracks.all()]

        def item_created(self, item):
            return item.created_at

        def item_updateddate(self, item):
            return item.updated_at

        def item_timestamp(self, item):
            return item.updated_at

        def item_status(self, item):
            return "CONFIRMED"

        def item_organizer(self, item):
            if not item.branch.email:
                return None
            organizer = vCalAddress(f"mailto:{item.branch.email}")
            organizer.params["cn"] = item.branch.name
            return organizer

    return DjangoIcalFeed()


def _urlpatterns():
    from django.urls import include, path

    return [
        path("bare/small", _bare_small),
        path("bare/large", _bare_large),
        path("django-ical.ics", _django_ical),
        path("feeds/", include("feeds.urls")),
        path("", include("pages.urls")),
    ]


def __getattr__(name):  # urlpatterns built lazily, once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# --- data -----------------------------------------------------------------------------------

TITLES = [
    "Læsekreds: Øen i det fjerne",
    "Strikkecafé med kaffe og kage",
    "Fortælletime for børn på 3-6 år",
    "Foredrag om Roskilde Fjords fugle",
    "Digital hjælp: MitID og e-Boks",
    "Brætspilsaften for hele familien",
    "Lektiecafé for skoleelever",
    "Forfattermøde: Ærlighed og æbler",
    "Sy-café: genbrug af tøj",
    "Koncert i biblioteksgården",
]
DESCRIPTION = (
    "Kom og vær med, når vi mødes på biblioteket. Vi byder på kaffe, te og småkager, og der er "
    "plads til både nye og gamle deltagere. Tilmelding er ikke nødvendig, men kom gerne i god tid; "
    "døren åbner et kvarter før. Arrangementet er gratis og foregår på dansk. Spørgsmål? Skriv til "
    "os eller kig forbi skranken; vi glæder os til at se dig!"
)


def seed(n: int) -> list[int]:
    from django.utils import timezone

    from events.models import LOCAL_TZ, Branch, Event, Occurrence, Room, Track

    branches = []
    for i, (slug, name) in enumerate(
        [
            ("roskilde", "Roskilde Bibliotek"),
            ("jyllinge", "Jyllinge Bibliotek"),
            ("viby", "Viby Bibliotek"),
            ("gundsoemagle", "Gundsømagle Bibliotek"),
            ("gadstrup", "Gadstrup Bibliotek"),
        ]
    ):
        branch = Branch.objects.create(
            slug=slug,
            name=name,
            address=f"Bygaden {i + 1}",
            postal_code="4000",
            city="Roskilde",
            latitude="55.641900",
            longitude="12.080300",
            email=f"{slug}@example.org",
        )
        branches.append((branch, Room.objects.create(branch=branch, name="Salen", capacity=60)))
    tracks = list(Track.objects.order_by("order"))
    today = datetime.now(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    now = timezone.now()
    events = []
    for i in range(n):
        branch, room = branches[i % len(branches)]
        start = (today + timedelta(days=(i * 7) % 380 - 20)).replace(hour=10 + i % 10)
        events.append(
            Event(
                branch=branch,
                room=room,
                title=f"{TITLES[i % len(TITLES)]} ({i})",
                description=DESCRIPTION,
                status=Event.Status.PUBLISHED,
                start=start,
                end=start + timedelta(hours=2),
                created_at=now,
                updated_at=now,
            )
        )
    Event.objects.bulk_create(events, batch_size=1000)
    events = list(Event.objects.order_by("pk"))
    Occurrence.objects.bulk_create(
        [
            Occurrence(
                event=e,
                original_start=e.start,
                start=e.start,
                end=e.end,
                local_date=e.start.astimezone(LOCAL_TZ).date(),
            )
            for e in events
        ],
        batch_size=1000,
    )
    through = Event.tracks.through
    through.objects.bulk_create(
        [
            through(event_id=e.pk, track_id=tracks[k % len(tracks)].pk)
            for j, e in enumerate(events)
            for k in (j, j + 3)
        ],
        batch_size=2000,
    )
    return [e.pk for e in events]


# --- timing -----------------------------------------------------------------------------------


def _per_request(client, url, n, **headers) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = client.get(url, **headers)
    elapsed = (time.perf_counter() - start) / n
    response.content  # noqa: B018 - make sure the body was produced
    return elapsed


def _paired(client, a, b, n, batches, headers_a=None, headers_b=None) -> tuple[float, float]:
    """Per-request time of two URLs, measured in alternating batches; the fastest batch of
    each (noise from other processes on a shared machine only ever adds time)."""
    times_a, times_b = [], []
    for _ in range(batches):
        times_a.append(_per_request(client, a, n, **(headers_a or {})))
        times_b.append(_per_request(client, b, n, **(headers_b or {})))
    return min(times_a), min(times_b)


def machine() -> str:
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in _output(["lscpu"]).splitlines()
            if line.startswith("Model name")
        )
    except (StopIteration, OSError):
        cpu = platform.processor() or "unknown CPU"
    system = f"{platform.system()} {platform.release()}"
    return (
        f"{cpu}, nproc {_output(['nproc']).strip()}, Python {platform.python_version()}, {system}"
    )


def _output(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout


HTTP_CASES = [
    ("calendar.ics, all branches", "/feeds/calendar.ics", "200"),
    ("calendar.ics, conditional (304)", "/feeds/calendar.ics", "304"),
    ("one branch and track", "/feeds/branch/gadstrup.ics?track=hygge", "200"),
    ("one branch and track, conditional (304)", "/feeds/branch/gadstrup.ics?track=hygge", "304"),
]


def _http() -> str:
    from bench.harness import Case, Stack, measure, render, versions

    with Stack(events=N_EVENTS, seed="bench.feeds:seed", reuse=True) as stack:
        print(f"HTTP: {stack.web} (gunicorn), {stack.nginx} (nginx)", flush=True)
        results = measure(stack, [Case(label, path, mode) for label, path, mode in HTTP_CASES])
    return f"{versions()}\n\n{render(results)}"


def _own_redis() -> None:
    """Point REDIS_URL at a redis-server of our own (the cache's settings), unless set."""
    if os.environ.get("REDIS_URL"):
        return
    import atexit

    from bench.harness import REDIS_SERVER, free_ports, wait_for_port

    (port,) = free_ports(1)
    server = subprocess.Popen(
        [
            *(REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru"),
        ],
        stdout=subprocess.DEVNULL,
    )
    atexit.register(server.terminate)
    wait_for_port(port)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"


def run(write: bool, http: bool = True) -> dict:
    import django

    _own_redis()
    django.setup()
    import django_ical
    import icalendar
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from events.models import Event
    from feeds import cache as feed_cache
    from feeds.pieces import pieces_refresh

    setup_test_environment()
    tmp = tempfile.mkdtemp(prefix="bench-feeds-")
    test = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        test["NAME"] = f"bench_feeds_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: dict = {}
    try:
        lifted = {"FEED_MAX_BYTES": 10**9}  # compared with django-ical: every event, untrimmed
        with override_settings(
            ROOT_URLCONF="bench.feeds", ALLOWED_HOSTS=["*"], DEBUG=False, **lifted
        ):
            from django.urls import clear_url_caches

            clear_url_caches()
            print(f"seeding {N_EVENTS} events ...", flush=True)
            ids = seed(N_EVENTS)
            t = time.perf_counter()
            pieces_refresh(event_ids=ids)
            results["pieces_rebuild_s"] = time.perf_counter() - t
            client = Client()

            def cold_ours() -> tuple[float, bytes]:
                # A new generation: every cached feed is unreachable (no flush of a shared Redis).
                feed_cache.clear()
                t = time.perf_counter()
                response = client.get("/feeds/calendar.ics")
                elapsed = time.perf_counter() - t
                assert response.status_code == 200
                return elapsed, response.content

            def cold_django_ical() -> tuple[float, bytes]:
                t = time.perf_counter()
                response = client.get("/django-ical.ics")
                elapsed = time.perf_counter() - t
                assert response.status_code == 200
                return elapsed, response.content

            cold_ours()  # import and first-query warm-up, not counted
            ours, theirs = [], []
            rounds = int(os.environ.get("BENCH_FEED_ROUNDS", "9"))
            for _ in range(rounds):  # interleaved so that both see the same machine load
                elapsed, body = cold_ours()
                ours.append(elapsed)
                elapsed, their_body = cold_django_ical()
                theirs.append(elapsed)
            results["rounds"] = rounds
            results["cold_ours_s"] = statistics.median(ours)
            results["django_ical_s"] = statistics.median(theirs)
            results["cold_ratio"] = results["cold_ours_s"] / results["django_ical_s"]
            results["bytes_ours"] = len(body)
            results["bytes_django_ical"] = len(their_body)
            results["vevents"] = body.count(b"BEGIN:VEVENT")
            results["vevents_django_ical"] = their_body.count(b"BEGIN:VEVENT")

            # For context: the icalendar library serializing the same events from scratch.
            from feeds import builders, views  # noqa: F401

            feed = _django_ical_feed()
            t = time.perf_counter()
            calendar = icalendar.Calendar()
            calendar.add("prodid", builders.PRODID)
            calendar.add("version", "2.0")
            for event in feed.items():
                component = icalendar.Event()
                component.add("uid", event.uid)
                component.add("dtstamp", event.updated_at)
                component.add("dtstart", event.start)
                component.add("dtend", event.end)
                component.add("summary", event.title)
                component.add("description", event.description)
                component.add("location", builders.location_text(event))
                component.add("categories", [tr.name_da for tr in event.tracks.all()])
                component.add("url", event.get_absolute_url())
                calendar.add_component(component)
            calendar.add_missing_timezones()
            calendar.to_ical()
            results["icalendar_s"] = time.perf_counter() - t

            # Warm cache and 304 against bare views, in alternating batches.
            response = client.get("/feeds/calendar.ics")
            etag = response["ETag"]
            _CONSTANT["large"] = bytes(response.content)
            n, batches = int(os.environ.get("BENCH_FEED_REQUESTS", "200")), 11
            warm, bare_large = _paired(client, "/feeds/calendar.ics", "/bare/large", n, batches)
            not_modified, bare_small = _paired(
                client,
                "/feeds/calendar.ics",
                "/bare/small",
                n,
                batches,
                headers_a={"HTTP_IF_NONE_MATCH": etag},
            )
            warm_small_body, bare_small_2 = _paired(
                client, "/feeds/branch/gadstrup.ics?track=hygge", "/bare/small", n, batches
            )
            assert client.get("/feeds/calendar.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304
            results.update(
                warm_s=warm,
                bare_large_s=bare_large,
                warm_ratio=warm / bare_large,
                not_modified_s=not_modified,
                bare_small_s=bare_small,
                not_modified_ratio=not_modified / bare_small,
                warm_small_s=warm_small_body,
                bare_small_2_s=bare_small_2,
                warm_small_ratio=warm_small_body / bare_small_2,
                events=Event.objects.count(),
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if http:
        results["http"] = _http()
    results["machine"] = machine()
    results["date"] = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    results["versions"] = (
        f"Django {django.get_version()}, "
        f"django-ical {getattr(django_ical, '__version__', '1.9.2')}, "
        f"icalendar {icalendar.__version__}, database {connection.vendor}, cache "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    report = render(results)
    print(report)
    if write:
        write_section(report)
    return results


def render(r: dict) -> str:
    def ms(s):
        return f"{s * 1000:.1f} ms" if s >= 0.001 else f"{s * 1e6:.0f} us"

    def met(ok: bool) -> str:
        return "yes" if ok else "**NO**"

    size = f"{r['bytes_ours'] / 1e6:.2f} MB"
    rows = [
        (
            "full calendar, cold feed cache, vs django-ical 1.9.2",
            r["cold_ours_s"],
            r["django_ical_s"],
            f"{r['cold_ratio'] * 100:.2f} %",
            "<= 2 %",
            r["cold_ratio"] <= 0.02,
        ),
        (
            "conditional request answered 304, vs bare view (2-byte body)",
            r["not_modified_s"],
            r["bare_small_s"],
            f"{r['not_modified_ratio']:.2f}x",
            "<= 1.5x",
            r["not_modified_ratio"] <= 1.5,
        ),
        (
            f"warm cache, full calendar, vs bare view with a constant body of the same {size}",
            r["warm_s"],
            r["bare_large_s"],
            f"{r['warm_ratio']:.2f}x",
            "<= 1.5x",
            r["warm_ratio"] <= 1.5,
        ),
        (
            "warm cache, small calendar (one branch and track), vs bare view (2-byte body)",
            r["warm_small_s"],
            r["bare_small_2_s"],
            f"{r['warm_small_ratio']:.2f}x",
            "<= 1.5x",
            r["warm_small_ratio"] <= 1.5,
        ),
    ]
    table = "\n".join(
        f"| {what} | {ms(ours)} | {ms(peer)} | {ratio} | {target} | {met(ok)} |"
        for what, ours, peer, ratio, target, ok in rows
    )
    return f"""## Feeds

Command: `.venv/bin/python -m bench.feeds` (from the repository root; it makes and drops its own
database, starts its own Redis, and for the HTTP part the production stack through
`bench.harness`). Last real run: {r["date"]} on {r["machine"]}; {r["versions"]}.

### In-process, with the Redis cache

{r["events"]:,} single events with Danish text across five branches, spread over the feed window,
all in the all-branches calendar (`/feeds/calendar.ics`: {r["vevents"]:,} VEVENTs, {size};
django-ical's answer: {r["vevents_django_ical"]:,} VEVENTs, {r["bytes_django_ical"] / 1e6:.2f} MB).
Every request goes through Django's full stack (test client, all middleware). Cold: median of
{r["rounds"]} interleaved rounds (a single cold request moves by up to a factor of two between
rounds on this machine). Warm and 304: per-request time of the fastest of 11 alternating
batches for each side (load from other processes only ever adds time).

| what | ours | peer | ratio | target | met |
| --- | ---: | ---: | ---: | ---: | :---: |
{table}

For context, in the same run: the icalendar library serializing the same events from scratch
took {ms(r["icalendar_s"])}; rebuilding all {r["events"]:,} per-event pieces (what a change to
every event at once would cost; normally only the changed events are rebuilt, after commit)
took {ms(r["pieces_rebuild_s"])}.

{_http_section(r)}How: each event's VEVENT text is stored as UTF-8 bytes with a digest
(`feeds.EventPiece`) and rebuilt when the core sends `events_changed` (or on read if stale),
so a cold feed is one ordered query, one aggregate, a join of stored bytes, and an ETag hashed
from the head and the pieces' digests. Finished feeds are cached in Redis, one entry per
selection, stamped with the day and the feed generation (database state: the latest
`events.Change` and the reference counter) and overwritten when either moves. Each process
keeps the generation it read for at most `FEED_GENERATION_MAX_AGE_MS` (250 ms; the process that
writes a change forgets it at once), so a warm or conditional request asks neither PostgreSQL
nor Redis and answers from the process's copy, and a change reaches every process's next poll
within a quarter of a second.

"""


def _http_section(r: dict) -> str:
    if "http" not in r:
        return ""
    return f"""### Over HTTP, production stack (`bench.harness`)

gunicorn with `calendar_service/gunicorn.conf.py` (3 sync workers, as compose runs it), PostgreSQL,
the Redis cache, JSON access logs; the same {r["events"]:,} events; wrk with 2 threads, 5 s per
side, the sides interleaved in each of 3 repetitions; median (min-max) of the repetitions.
Peers: a bare Django view in the same server answering the same bytes (or 304), and nginx
serving the same file. `FEED_MAX_BYTES` as in production, so the all-branches calendar is
trimmed to 1 MB. Target: within 1.3x the bare view.

{r["http"]}

"""


def write_section(section: str) -> None:
    text = BENCHMARKS.read_text(encoding="utf-8")  # re-read: another section has another owner
    start = text.index("## Feeds")
    following = text.find("\n## ", start + 1)
    end = len(text) if following == -1 else following + 1
    BENCHMARKS.write_text(text[:start] + section + text[end:], encoding="utf-8")
    print(f"wrote the Feeds section of {BENCHMARKS}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    # Run inside the importable module: ROOT_URLCONF imports ``bench.feeds``, whose views must
    # see the same constants as the code that sets them.
    from bench import feeds as module

    module.run(write="--no-write" not in sys.argv, http="--no-http" not in sys.argv)
