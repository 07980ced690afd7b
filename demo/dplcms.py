"""The library website connector in the demo (dplcms/): the branches' names as roskildebib.dk
spells them, the staff's mapping rules, a few events imported from the website (read only here,
with the link to edit them there), one waiting in the queue "Mangler spor", and the last run
with its counts and one error in words.

The connector stays off (no DPL_CMS_URL): the events are imported by the real sync
(``dplcms.services.run_execute``) from a list this module plays the website with, so they are
exactly what a real import makes. Deterministic for a day and idempotent: a second seeding
changes nothing; events of an import deleted since are made again."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings

from dplcms import services as dpl_services
from dplcms.client import DplClient
from dplcms.models import ImportedSeries, MappingRule, SyncRun
from events.clock import LOCAL_TZ
from events.models import Audience, Branch, Event, Track

WEBSITE = "https://www.roskildebib.dk/arrangementer"
NAMESPACE = uuidlib.UUID("1b0c2f3e-5d4a-4e8b-9c7d-6f5e4d3c2b1a")

# The branches as the website names them (the first one as it writes it; Roskilde's main
# library also appears as "Hovedbiblioteket").
WEBSITE_NAMES = {
    "roskilde": "Roskilde Bibliotek\nHovedbiblioteket",
    "jyllinge": "Jyllinge Bibliotek",
    "viby": "Viby Bibliotek",
    "gundsoemagle": "Gundsømagle Bibliotek",
    "gadstrup": "Gadstrup Bibliotek",
    "bogbussen": "Bogbussen",
}

# source, name on the website, track slugs, audience slugs, kind
RULES = [
    ("category", "Børn", [], ["boern"], ""),
    ("tag", "Strikkecafé", ["hygge", "indgang-til-faellesskab"], [], ""),
    ("tag", "Højtlæsning", ["fordybelse"], [], ""),
    ("category", "Foredrag", ["viden-og-vejledning"], ["voksne"], ""),
    ("category", "Kursus", ["digitale-forbindelser"], [], Event.Kind.TEACHING),
]


def uid(key: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, key))


def _next(today: date, weekday: int, weeks: int = 0) -> date:
    """The first ``weekday`` (Monday 0) after ``today``, ``weeks`` later."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7, weeks=weeks)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def _instance(
    key: str,
    *,
    title: str,
    start: datetime,
    hours: float,
    branch: str,
    description: str,
    series: str | None = None,
    categories: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    end: datetime | None = None,
    street: str = "",
    zip_code: int = 4000,
    city: str = "Roskilde",
) -> dict[str, Any]:
    return {
        "uuid": uid(key),
        "title": title,
        "description": description,
        "url": f"{WEBSITE}/{key}",
        "created_at": "2026-01-05T10:00:00+01:00",
        "updated_at": "2026-01-05T10:00:00+01:00",
        "ticket_manager_relevance": False,
        "state": "Active",
        "all_day": False,
        "date_time": {
            "start": start.isoformat(),
            "end": (end or start + timedelta(hours=hours)).isoformat(),
        },
        "branches": [branch],
        "address": {
            "locationType": "physical",
            "location": branch,
            "street": street,
            "zip_code": zip_code,
            "city": city,
            "country": "DK",
        },
        "categories": list(categories),
        "tags": list(tags),
        "partners": [],
        "series": {"uuid": uid(series or key)},
        "external_data": {},
    }


def website_list(today: date) -> list[dict[str, Any]]:
    """What the website lists in the demo, laid out from ``today``: a knitting café at Viby on
    three Tuesdays, story time for the youngest at Jyllinge, a talk at the main library, a
    course; a concert in a category no rule maps (it waits in the queue); and a film club
    whose dates are wrong on the website (skipped, the error in words)."""
    knit = "Strikkecafé i Viby"
    viby = {"branch": "Viby Bibliotek", "street": "Stationsvej 2", "zip_code": 4130}
    viby["city"] = "Viby Sjælland"
    return [
        *(
            _instance(
                f"strikkecafe-viby-{n}",
                title=knit,
                start=_at(_next(today, 1, weeks=n), 14),
                hours=2,
                series="strikkecafe-viby",
                tags=("Strikkecafé",),
                description="Tag strikketøjet med; kaffen er på kanden.",
                **viby,  # type: ignore[arg-type]
            )
            for n in range(3)
        ),
        _instance(
            "hoejtlaesning-jyllinge",
            title="Højtlæsning for de mindste",
            start=_at(_next(today, 3), 10),
            hours=0.75,
            branch="Jyllinge Bibliotek",
            street="Bygaden 30",
            zip_code=4040,
            city="Jyllinge",
            categories=("Børn",),
            tags=("Højtlæsning",),
            description="Billedbøger læst højt for børn fra 2 år og deres voksne.",
        ),
        _instance(
            "foredrag-domkirken",
            title="Foredrag: Roskilde Domkirke gennem 1000 år",
            start=_at(_next(today, 2, weeks=1), 19),
            hours=1.5,
            branch="Hovedbiblioteket",
            street="Dronning Margrethes Vej 14",
            categories=("Foredrag",),
            description="Museumsinspektøren fortæller om domkirkens bygning og begravelser.",
        ),
        _instance(
            "koncert-musikskolen",
            title="Koncert med Roskilde Musikskole",
            start=_at(_next(today, 4, weeks=2), 16),
            hours=1,
            branch="Gundsømagle Bibliotek",
            street="Gundsømaglevej 92",
            categories=("Musik",),
            description="Musikskolens elever spiller i caféen.",
        ),
        _instance(
            "filmklub-jyllinge",
            title="Filmklub",
            start=_at(_next(today, 0, weeks=1), 19),
            end=_at(_next(today, 0, weeks=1), 17),
            hours=0,
            branch="Jyllinge Bibliotek",
            street="Bygaden 30",
            zip_code=4040,
            city="Jyllinge",
            categories=("Film",),
            description="Månedens film og en snak bagefter.",
        ),
    ]


class DemoWebsite(DplClient):
    """The website as the demo plays it: its list, and the write-back accepted (no website is
    called: the connector is off in the demo)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:  # no session, no URL
        self.items = items

    def events(self, *, from_date: date | None = None) -> Iterator[Any]:
        return iter(self.items)

    def patch(self, *, uuid: str, body: dict[str, Any]) -> None:
        return None


def _names_and_rules() -> list[str]:
    lines = []
    for slug, names in WEBSITE_NAMES.items():
        if Branch.objects.filter(slug=slug, dpl_cms_names="").update(dpl_cms_names=names):
            lines.append(f"  + website names of {slug}: {names.replace(chr(10), ', ')}")
    for source, name, tracks, audiences, kind in RULES:
        rule, made = MappingRule.objects.get_or_create(
            source=source, name=name, defaults={"kind": kind}
        )
        if made:
            rule.tracks.set(Track.objects.filter(slug__in=tracks))
            rule.audiences.set(Audience.objects.filter(slug__in=audiences))
            lines.append(f"  + mapping rule: {rule}")
    return lines


def seed_dplcms(*, today: date) -> list[str]:
    """The connector's demo (see the module). Answers the lines to print."""
    lines = ["Library website (dpl-cms), connector off:"]
    lines += _names_and_rules()
    # Imported series whose event was deleted since (cleared queue reason: it had one).
    lost = ImportedSeries.objects.filter(event__isnull=True, queue_reason="").exists()
    if SyncRun.objects.exists() and not lost:
        lines.append("  imported events and the last run already there")
        return lines
    run = dpl_services.run_create(trigger=SyncRun.Trigger.SCHEDULE)
    run = dpl_services.run_execute(run_id=run.pk, client=DemoWebsite(website_list(today)))
    # The events' UIDs from their series on the website, so the demo is the same each time.
    domain = settings.EVENT_UID_DOMAIN
    for series in ImportedSeries.objects.filter(event__isnull=False).select_related("event"):
        assert series.event is not None
        wanted = f"dpl-{series.key}@{domain}"
        if series.event.uid != wanted:
            Event.objects.filter(pk=series.event.pk).update(uid=wanted)
    counts = ", ".join(f"{name} {getattr(run, name)}" for name in SyncRun.COUNTS)
    lines.append(f"  + last run ({run.get_state_display()}): {counts}")
    return lines
