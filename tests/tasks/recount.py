"""An independent recount of the status figures, from the public API alone.

It reads what anyone with management's rights can read (the events, their occurrences, the
recorded head counts, the branches and tracks) and counts by DESIGN.md's counting rules in
plain Python, then compares with the stored figures the status API answers, cell by cell.
Nothing here imports the code that stores the figures (``tasks.services``, the ORM conditions of
``events.models``): a shared mistake would hide itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
AGE_GROUPS = ("children", "youth", "adults", "seniors")
MEASURES = (
    "held",
    "events_held",
    "cancelled",
    "with_attendance",
    "missing_attendance",
    "attendance",
    *AGE_GROUPS,
    "co_created_held",
)
DERIVED = ("average_attendance", "co_created_share")

# Every stored period: (kind, index, the months it covers).
PERIODS: tuple[tuple[str, int, tuple[int, ...]], ...] = (
    *(("month", m, (m,)) for m in range(1, 13)),
    *(("quarter", q, tuple(range(3 * q - 2, 3 * q + 1))) for q in range(1, 5)),
    *(("half", h, tuple(range(6 * h - 5, 6 * h + 1))) for h in range(1, 3)),
    ("year", 1, tuple(range(1, 13))),
)


def moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"not an aware time: {text}"
    return value


def read_all(client, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every result of a paginated list, following ``next``."""
    out: list[dict[str, Any]] = []
    response = client.get(url, {"page_size": 500, **params})
    while True:
        assert response.status_code == 200, (url, params, response.status_code, response.data)
        body = response.json()
        out += body["results"]
        if not body["next"]:
            return out
        response = client.get(body["next"])


@dataclass
class Snapshot:
    """What the public API says exists: events by id, their occurrences, head counts."""

    branches: list[str]
    tracks: list[str]
    events: dict[int, dict[str, Any]]
    occurrences: list[dict[str, Any]]
    attendance: dict[int, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def years(self) -> set[int]:
        """The local years of every occurrence's start and original slot."""
        years = set()
        for o in self.occurrences:
            years.add(moment(o["start"]).astimezone(COPENHAGEN).year)
            years.add(moment(o["original_start"]).astimezone(COPENHAGEN).year)
        return years


def snapshot(client) -> Snapshot:
    """Read everything the recount needs through the API (as management)."""
    branches = [b["slug"] for b in client.get("/api/v1/branches/").json()]
    tracks = [t["slug"] for t in client.get("/api/v1/tracks/").json()]
    listed = read_all(client, "/api/v1/events/")
    events: dict[int, dict[str, Any]] = {}
    for e in listed:
        detail = client.get(f"/api/v1/events/{e['id']}/")
        assert detail.status_code == 200, detail.data
        events[e["id"]] = detail.json()
    occurrences: list[dict[str, Any]] = []
    ids = sorted(events)
    for i in range(0, len(ids), 50):
        chunk = ",".join(str(pk) for pk in ids[i : i + 50])
        occurrences += read_all(client, "/api/v1/occurrences/", event=chunk)
    snap = Snapshot(branches=branches, tracks=tracks, events=events, occurrences=occurrences)
    for record in read_all(client, "/api/v1/attendance/"):
        snap.attendance[record["occurrence"]] = record
    # The two ways to read a head count and a local date agree, or the recount says so.
    for o in occurrences:
        listed_count = snap.attendance.get(o["id"])
        inline = o["attendance"]
        if (listed_count is None) != (inline is None) or (
            inline is not None and inline["total"] != listed_count["total"]
        ):
            snap.problems.append(f"occurrence {o['id']}: attendance {inline} vs {listed_count}")
        local = moment(o["start"]).astimezone(COPENHAGEN).date()
        if local.isoformat() != o["local_date"]:
            snap.problems.append(f"occurrence {o['id']}: local_date {o['local_date']} vs {local}")
    return snap


def _zero() -> dict[str, Any]:
    return {**dict.fromkeys(MEASURES, 0), "_events": set()}


def _count(cell: dict[str, Any], *, event: dict, record: dict | None) -> None:
    """Add one held occurrence to a cell: rules 5, 6 and 9 decide what else it adds."""
    cell["held"] += 1
    cell["_events"].add(event["id"])
    if event["co_created"]:
        cell["co_created_held"] += 1  # rule 6
    if record is None:
        cell["missing_attendance"] += 1  # rule 5: held, and the gap shows
        return
    cell["with_attendance"] += 1
    cell["attendance"] += record["total"]
    for group in AGE_GROUPS:
        cell[group] += (record["by_age"] or {}).get(group) or 0


def _months(snap: Snapshot, *, year: int, as_of: datetime) -> dict[tuple, dict[str, Any]]:
    """The cells of each local month of ``year``: {(month, branch, track): measures}."""
    per_month: dict[tuple, dict[str, Any]] = defaultdict(_zero)
    for o in snap.occurrences:
        event = snap.events[o["event"]]
        if event["status"] == "draft":  # rule 8: drafts count nowhere
            continue
        start = moment(o["start"]).astimezone(COPENHAGEN)
        if start.year != year:  # rule 3: the local date of the start decides the period
            continue
        cancelled = o["status"] == "cancelled" or event["status"] == "cancelled"  # rule 4
        held = not cancelled and moment(o["end"]) <= as_of  # rule 1
        branch = event["branch"]["slug"]
        tracks = [t["slug"] for t in event["tracks"]]
        # rule 2: once in each of its tracks at its branch, once in its branch's total, once
        # in each track's total and once in the grand total
        scopes = [(branch, t) for t in tracks] + [(branch, None), (None, None)]
        scopes += [(None, t) for t in tracks]
        for scope in scopes:
            cell = per_month[(start.month, *scope)]
            if cancelled:
                cell["cancelled"] += 1  # rule 10: whether or not its time has come
            elif held:
                _count(cell, event=event, record=snap.attendance.get(o["id"]))
    return per_month


def recount(snap: Snapshot, *, year: int, as_of: datetime) -> dict[tuple, dict[str, Any]]:
    """The figures of ``year`` by the counting rules, with "ended" decided at ``as_of``:
    ``{(kind, index, branch slug or None, track slug or None): {measure: value}}``, every scope
    of every period present (zeros where nothing counts)."""
    per_month = _months(snap, year=year, as_of=as_of)
    out: dict[tuple, dict[str, Any]] = {}
    scopes_all = [(b, t) for b in [None, *snap.branches] for t in [None, *snap.tracks]]
    for kind, index, months in PERIODS:
        for scope in scopes_all:
            total = _zero()
            for cell in (per_month[(m, *scope)] for m in months if (m, *scope) in per_month):
                for name in MEASURES:
                    total[name] += cell[name]
                total["_events"] |= cell["_events"]
            # distinct events with a held occurrence in the period
            total["events_held"] = len(total.pop("_events"))
            held, with_att = total["held"], total["with_attendance"]
            # rule 9: a missing head count is never read as zero; rule 6
            total["average_attendance"] = (
                round(total["attendance"] / with_att, 2) if with_att else None
            )
            total["co_created_share"] = round(total["co_created_held"] / held, 4) if held else None
            out[(kind, index, *scope)] = total
    return out


@dataclass
class Comparison:
    cells: int = 0
    mismatches: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def stored(client, *, year: int, kind: str, index: int) -> dict[str, Any]:
    params: dict[str, Any] = {"year": year, "period": kind}
    if kind != "year":
        params["index"] = index
    response = client.get("/api/v1/status/figures/", params)
    assert response.status_code == 200, (params, response.status_code, response.data)
    return response.json()


def compare(client, snap: Snapshot, *, years: set[int], now: datetime) -> Comparison:
    """Stored figures (status API) against the recount, for every year, period and scope.
    A year never computed must hold zeros (``now`` decides "ended" for the recount then)."""
    result = Comparison(years=sorted(years))
    result.mismatches += snap.problems
    for year in sorted(years):
        as_of_seen: set[str | None] = set()
        expected: dict[tuple, dict[str, Any]] | None = None
        for kind, index, _months in PERIODS:
            body = stored(client, year=year, kind=kind, index=index)
            as_of_seen.add(body["as_of"])
            if body["stale"]:
                result.mismatches.append(f"{year}: still marked stale after the catch-up")
            if expected is None:
                as_of = moment(body["as_of"]) if body["as_of"] else now
                expected = recount(snap, year=year, as_of=as_of)
            rows = {(r["branch"], r["track"]): r for r in body["results"]}
            for (k, i, b, t), want in expected.items():
                if (k, i) != (kind, index):
                    continue
                got = rows.pop((b, t), None)
                label = f"{year} {kind} {index} branch={b} track={t}"
                if got is None:
                    result.mismatches.append(f"{label}: scope missing from the answer")
                    continue
                for name in (*MEASURES, *DERIVED):
                    result.cells += 1
                    if got[name] != want[name]:
                        result.mismatches.append(
                            f"{label} {name}: stored {got[name]}, recount {want[name]}"
                        )
            for b, t in rows:
                result.mismatches.append(f"{year} {kind} {index}: unexpected scope {b}/{t}")
        if len(as_of_seen) != 1:
            seen = sorted(map(str, as_of_seen))
            result.mismatches.append(f"{year}: periods answered as of {seen}")
    return result
