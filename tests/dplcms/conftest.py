"""A dpl-cms in-process (pytest-httpserver) that serves fixtures validated against the
specification, and checks every request the connector makes against it: path, query, basic
auth and body. Plus a realistic week of Roskilde events and the feed readers' agreement."""

from __future__ import annotations

import base64
import json
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft4Validator
from werkzeug import Request, Response

import feeds.cache
from dplcms import validate
from events.clock import LOCAL_TZ, local_today
from events.models import Branch
from events.selectors import Selection
from tests import factories
from tests.factories import track

USER, PASSWORD = "kalender", "hemmeligt-kodeord"
SERIES_KNIT = "5b6f0e2a-0000-4000-8000-000000000001"


@pytest.fixture(autouse=True)
def english():
    """Messages in English (the catalogue has them in Danish too)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def uid(n: int) -> str:
    return str(uuidlib.UUID(int=n, version=4))


def week_start() -> date:
    """Monday two weeks ahead: the fixtures' week lies in the future whatever day runs them."""
    today = local_today()
    return today + timedelta(days=14 - today.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def instance(
    n: int,
    *,
    title: str,
    start: datetime,
    hours: float = 2,
    branch: str = "Roskilde Bibliotek",
    series: str | None = None,
    categories=(),
    tags=(),
    state: str = "Active",
    **extra: Any,
) -> dict[str, Any]:
    item = {
        "uuid": uid(n),
        "title": title,
        "description": f"{title} på biblioteket.",
        "url": f"https://www.roskildebib.dk/arrangementer/{n}",
        "created_at": "2026-11-01T10:00:00+01:00",
        "updated_at": "2026-11-02T10:00:00+01:00",
        "ticket_manager_relevance": False,
        "state": state,
        "all_day": False,
        "date_time": {
            "start": start.isoformat(),
            "end": (start + timedelta(hours=hours)).isoformat(),
        },
        "branches": [branch],
        "address": {
            "locationType": "physical",
            "location": branch,
            "street": "Dronning Margrethes Vej 14",
            "zip_code": 4000,
            "city": "Roskilde",
            "country": "DK",
        },
        "categories": list(categories),
        "tags": list(tags),
        "partners": [],
        "series": {"uuid": series or uid(10_000 + n)},
        "external_data": {},
    }
    item.update(extra)
    return item


def roskilde_week() -> list[dict[str, Any]]:
    """A week of Roskilde events: a knitting café series (three dates, one at another time),
    story time for children, a talk, an exhibition all day at Jyllinge, an online course."""
    monday = week_start()
    return [
        instance(
            1,
            title="Strikkecafé",
            start=at(monday, 16),
            series=SERIES_KNIT,
            tags=["Strikkecafé"],
        ),
        instance(
            2,
            title="Strikkecafé",
            start=at(monday + timedelta(days=2), 10, 30),
            series=SERIES_KNIT,
            tags=["Strikkecafé"],
        ),
        instance(
            3,
            title="Strikkecafé",
            start=at(monday + timedelta(days=4), 16),
            hours=3,
            series=SERIES_KNIT,
            tags=["Strikkecafé"],
        ),
        instance(
            4,
            title="Højtlæsning for de mindste",
            start=at(monday + timedelta(days=1), 10),
            hours=1,
            branch="Jyllinge Bibliotek",
            categories=["Børn"],
        ),
        instance(
            5,
            title="Foredrag: Roskildes historie",
            start=at(monday + timedelta(days=3), 19),
            categories=["Foredrag"],
        ),
        instance(
            6,
            title="Udstilling: Lokale kunstnere",
            start=at(monday + timedelta(days=5), 0),
            branch="Jyllinge Bibliotek",
            categories=["Udstilling"],
            all_day=True,
        ),
        instance(
            7,
            title="Digital hjælp: MitID",
            start=at(monday + timedelta(days=2), 14),
            categories=["Kursus"],
            address={
                "locationType": "online",
                "street": "-",
                "zip_code": 4000,
                "city": "Roskilde",
                "country": "DK",
            },
        ),
    ]


def _past_instance(n: int, days: int = 3) -> dict[str, Any]:
    day = local_today() - timedelta(days=days)
    return instance(n, title="Læsekreds", start=at(day, 10), hours=1, tags=["Strikkecafé"])


@pytest.fixture
def roskilde(db):
    """Branches named as the website names them, and the staff's mapping rules."""
    from dplcms.models import MappingRule

    central = factories.BranchFactory(
        name="Roskilde Bibliotek",
        slug="roskilde",
        dpl_cms_names="Roskilde Bibliotek\nHovedbiblioteket",
    )
    jyllinge = factories.BranchFactory(
        name="Jyllinge Bibliotek", slug="jyllinge", dpl_cms_names="Jyllinge Bibliotek"
    )

    def rule(source, name, tracks=(), audiences=(), kind=""):
        made = MappingRule.objects.create(source=source, name=name, kind=kind)
        made.tracks.set([track(t) for t in tracks])
        made.audiences.set([factories.audience(a) for a in audiences])
        return made

    rule("tag", "Strikkecafé", tracks=["hygge", "indgang-til-faellesskab"])
    rule("category", "Børn", tracks=["fordybelse"], audiences=["boern"])
    rule("category", "Foredrag", tracks=["viden-og-vejledning"])
    rule("category", "Udstilling", tracks=["en-lokal-aktoer"], kind="exhibition")
    rule("category", "Kursus", tracks=["digitale-forbindelser"], kind="teaching")
    return central, jyllinge


@dataclass
class FakeDplCms:
    """The website: ``items`` are listed; ``failures`` are answered first, one per request."""

    items: list[Any]
    requests: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    raw_body: bytes | None = None

    def _check_auth(self, request: Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return request.headers.get("Authorization") == expected

    def _check_query(self, request: Request, operation: dict[str, Any]) -> None:
        allowed = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        for name in request.args:
            if name not in allowed:
                self.problems.append(f"unknown query parameter {name}")
        for name, param in allowed.items():
            value = request.args.get(name)
            if param.get("required") and value is None:
                self.problems.append(f"missing query parameter {name}")
            if value is not None and "enum" in param and value not in param["enum"]:
                self.problems.append(f"{name}={value} not in {param['enum']}")
            if value is not None and param.get("format") == "date":
                date.fromisoformat(value)

    def handle(self, request: Request) -> Response:
        paths = validate.spec()["paths"]
        record = {"method": request.method, "path": request.path, "args": dict(request.args)}
        if request.method == "PATCH":
            record["body"] = json.loads(request.get_data() or b"null")
        self.requests.append(record)
        if not self._check_auth(request):
            self.problems.append(f"{request.method} {request.path} without the basic auth")
        if request.method == "GET" and request.path == "/api/v1/events":
            self._check_query(request, paths["/api/v1/events"]["get"])
        elif request.method == "PATCH" and request.path.startswith("/api/v1/events/"):
            operation = paths["/api/v1/events/{uuid}"]["patch"]
            self._check_query(request, operation)
            body_schema = next(p for p in operation["parameters"] if p["in"] == "body")["schema"]
            body_schema = {**body_schema, "additionalProperties": False}
            for error in Draft4Validator(body_schema).iter_errors(record["body"]):
                self.problems.append(f"PATCH body: {error.message}")
            if not record["body"]:
                self.problems.append("an empty PATCH")
        else:
            self.problems.append(f"{request.method} {request.path} is not in the specification")
            return Response(status=404)
        if self.failures:
            failure = self.failures.pop(0)
            if callable(failure):
                return failure(request)
            return Response(status=failure)
        if request.method == "PATCH":
            return Response(status=200)
        body = self.raw_body if self.raw_body is not None else json.dumps(self.items).encode()
        return Response(body, status=200, content_type="application/json")

    def patches(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "PATCH"]


def items_valid(items: list[Any]) -> None:
    """The fixtures themselves follow the specification (the list's schema)."""
    schema = validate.spec()["paths"]["/api/v1/events"]["get"]["responses"]["200"]["schema"]
    errors = list(Draft4Validator(schema).iter_errors(items))
    assert not errors, errors[0].message


@pytest.fixture
def dpl(httpserver, settings):
    fake = FakeDplCms(items=roskilde_week())
    items_valid(fake.items)
    httpserver.expect_request("/api/v1/events", method="GET").respond_with_handler(fake.handle)
    from re import compile as regex

    httpserver.expect_request(regex(r"^/api/v1/events/.+$")).respond_with_handler(fake.handle)
    settings.DPL_CMS_URL = httpserver.url_for("/").rstrip("/")
    settings.DPL_CMS_USERNAME, settings.DPL_CMS_PASSWORD = USER, PASSWORD
    settings.DPL_CMS_RETRY_BACKOFF = 0
    settings.DPL_CMS_TIMEOUT_SECONDS = 2
    settings.SITE_URL = "https://kalender.roskildebib.dk"
    feeds.cache.clear()
    yield fake
    assert not fake.problems, fake.problems


def run_sync():
    from dplcms import services
    from dplcms.models import SyncRun

    feeds.cache.clear()
    run = services.run_create(trigger=SyncRun.Trigger.COMMAND)
    return services.run_execute(run_id=run.pk)


def feeds_agree(client) -> None:
    """Every reader expands the feeds to what the API lists (tests/feeds' helpers)."""
    from feeds.views import window
    from tests.conftest import has_node
    from tests.feeds.conftest import api_instances, icaljs_instances, python_instances

    start, end = window()
    feeds.cache.clear()
    for url, selection in (
        ("/feeds/calendar.ics", Selection()),
        *(
            (f"/feeds/branch/{b.slug}.ics", Selection(branches=(b.slug,)))
            for b in Branch.objects.all()
        ),
    ):
        body = client.get(url).content
        expected = api_instances(selection, start, end)
        assert python_instances(body, start, end) == expected, url
        if has_node():
            assert icaljs_instances(body, start, end) == expected, url
