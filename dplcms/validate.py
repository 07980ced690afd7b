"""One dpl-cms instance checked against the specification (``spec/``, jsonschema) and by the
rules this service adds, then reduced to what the connector keeps: a small, JSON-able
``Instance``. A bad instance raises ``InstanceError`` naming its UUID; the others proceed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from jsonschema import Draft4Validator

from events.clock import LOCAL_TZ

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "dpl-cms-events.openapi.json"
CANCELLED = "Cancelled"


class InstanceError(ValueError):
    def __init__(self, uuid: str | None, message: str) -> None:
        self.uuid = uuid
        super().__init__(message)


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def instance_validator() -> Draft4Validator:
    schema = spec()["paths"]["/api/v1/events"]["get"]["responses"]["200"]["schema"]["items"]
    return Draft4Validator(schema)


@dataclass(frozen=True)
class Instance:
    """What the connector keeps of one instance (times aware, in ISO text for storage)."""

    uuid: str
    series: str
    title: str
    description: str
    url: str
    state: str
    all_day: bool
    start: str
    end: str
    branches: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    place: str = ""
    online: bool = False
    capacity: int | None = None

    @property
    def start_at(self) -> datetime:
        return datetime.fromisoformat(self.start)

    @property
    def end_at(self) -> datetime:
        return datetime.fromisoformat(self.end)

    @property
    def cancelled(self) -> bool:
        return self.state == CANCELLED

    def as_data(self) -> dict[str, Any]:
        return asdict(self)

    def digest(self) -> str:
        text = json.dumps(self.as_data(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Instance:
        return cls(**data)


def _uuid_of(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("uuid"), str):
        return item["uuid"]
    return None


def _moment(uuid: str, name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InstanceError(
            uuid,
            _("%(field)s “%(value)s” is not an ISO 8601 date-time.")
            % {"field": name, "value": value},
        ) from None
    if moment.tzinfo is None:
        raise InstanceError(
            uuid, _("%(field)s “%(value)s” has no time zone.") % {"field": name, "value": value}
        )
    return moment.astimezone(LOCAL_TZ)


def _schema_message(item: Any) -> str | None:
    errors = sorted(instance_validator().iter_errors(item), key=lambda e: list(e.path))
    if not errors:
        return None
    first = errors[0]
    if list(first.path) == ["state"] and first.validator == "enum":
        return _("unknown state “%(state)s”") % {"state": first.instance}
    where = ".".join(str(p) for p in first.path) or "the instance"
    return f"{where}: {first.message}"


def _place(address: dict[str, Any] | None) -> tuple[str, bool]:
    """Where, as one line, and whether it is online."""
    if not address:
        return "", False
    online = address.get("locationType") == "online"
    parts = [address.get("location", ""), address.get("locationAdditional", "")]
    if not online:
        city = " ".join(str(p) for p in (address.get("zip_code", ""), address.get("city", "")) if p)
        parts += [address.get("street", ""), city]
    return ", ".join(p.strip() for p in parts if p and str(p).strip())[:300], online


def _times(uuid: str, item: dict[str, Any]) -> tuple[datetime, datetime]:
    start = _moment(uuid, "date_time.start", item["date_time"]["start"])
    end = _moment(uuid, "date_time.end", item["date_time"]["end"])
    if item.get("all_day"):
        # All day: from the start's local midnight to the midnight after the end's local date.
        first = start.date()
        last = max(end.date(), first)
        if end.time() == datetime.min.time() and end.date() > first:
            last = end.date() - timedelta(days=1)
        start = datetime.combine(first, datetime.min.time(), tzinfo=LOCAL_TZ)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL_TZ)
    if end <= start:
        raise InstanceError(
            uuid,
            _("It ends (%(end)s) before it starts (%(start)s); correct the dates on the website.")
            % {"end": end.isoformat(), "start": start.isoformat()},
        )
    return start, end


def instance_parse(item: Any) -> Instance:
    """Check one listed item; raises InstanceError (with its UUID when it has one)."""
    uuid = _uuid_of(item)
    problem = _schema_message(item)
    if problem is not None:
        raise InstanceError(
            uuid,
            _("Skipped: it does not follow the dpl-cms specification (%(problem)s).")
            % {"problem": problem},
        )
    assert uuid is not None
    try:
        uuid = str(UUID(uuid))
    except ValueError:
        raise InstanceError(uuid, _("Skipped: its uuid is not a UUID.")) from None
    start, end = _times(uuid, item)
    place, online = _place(item.get("address"))
    series = (item.get("series") or {}).get("uuid") or uuid
    title = (item.get("title") or "").strip()
    if not title:
        raise InstanceError(uuid, _("Skipped: it has no title."))
    return Instance(
        uuid=uuid,
        series=series,
        title=title[:200],
        description=item.get("description") or "",
        url=item["url"],
        state=item["state"],
        all_day=bool(item.get("all_day")),
        start=start.isoformat(),
        end=end.isoformat(),
        branches=list(item.get("branches") or []),
        categories=list(item.get("categories") or []),
        tags=list(item.get("tags") or []),
        partners=list(item.get("partners") or []),
        place=place,
        online=online,
        capacity=item.get("ticket_capacity"),
    )
