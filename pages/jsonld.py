"""schema.org Event data for an event page (JSON-LD), built from the event and its dates.

One object per upcoming occurrence, as search engines expect for a series: each with its own
``eventStatus`` (cancelled, moved = rescheduled with ``previousStartDate``, else scheduled).
"""

from __future__ import annotations

from typing import Any, cast

from django.urls import reverse

from events.models import LOCAL_TZ, Branch, Event, Occurrence, Stop
from feeds.links import absolute

SCHEMA = "https://schema.org"


def _place(event: Event, occurrence: Occurrence | None) -> dict[str, Any]:
    branch = event.branch
    # ``stop`` is set whenever ``stop_id`` is.
    where: Stop | Branch = cast(Stop, event.stop) if event.stop_id else branch
    room = occurrence.effective_room if occurrence is not None else event.room
    name_parts = [p for p in (room.name if room else event.place, where.name) if p]
    if event.stop_id:
        name_parts.append(branch.name)
    place: dict[str, Any] = {
        "@type": "Place",
        "name": ", ".join(dict.fromkeys(name_parts)),
        "address": {
            "@type": "PostalAddress",
            "streetAddress": where.address,
            "postalCode": where.postal_code,
            "addressLocality": where.city,
            "addressCountry": "DK",
        },
    }
    if where.latitude is not None and where.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(where.latitude),
            "longitude": float(where.longitude),
        }
    return place


def _status(event: Event, occurrence: Occurrence | None) -> str:
    cancelled = event.is_cancelled if occurrence is None else occurrence.is_cancelled
    if cancelled:
        return f"{SCHEMA}/EventCancelled"
    if occurrence is not None and occurrence.moved:
        return f"{SCHEMA}/EventRescheduled"
    return f"{SCHEMA}/EventScheduled"


def event_jsonld(
    *, event: Event, occurrences: list[Occurrence], request=None, language: str = "da"
) -> dict[str, Any] | list[dict[str, Any]]:
    """The JSON-LD of an event page: an Event object, or a list of them for several dates."""
    url = absolute(event.get_absolute_url(), request)
    branch_path = reverse("pages:branch-detail", kwargs={"slug": event.branch.slug})
    branch_url = absolute(branch_path, request)
    tracks = [t.name for t in event.tracks.all()]
    audiences = [a.name for a in event.audiences.all()]
    partners = list(event.partners.all())
    image = [absolute(event.image.url, request)] if event.image else []

    def one(occurrence: Occurrence | None) -> dict[str, Any]:
        start = (occurrence.start if occurrence else event.start).astimezone(LOCAL_TZ)
        end = (occurrence.end if occurrence else event.end).astimezone(LOCAL_TZ)
        data: dict[str, Any] = {
            "@context": SCHEMA,
            "@type": "Event",
            "name": event.title,
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "eventStatus": _status(event, occurrence),
            "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
            "location": _place(event, occurrence),
            "organizer": {"@type": "Organization", "name": event.branch.name, "url": branch_url},
            "url": url,
            "inLanguage": language,
        }
        if event.description:
            data["description"] = event.description
        if image:
            data["image"] = image
        if tracks:
            data["keywords"] = ", ".join(tracks)
        if audiences:
            data["audience"] = {"@type": "Audience", "audienceType": ", ".join(audiences)}
        if partners:
            data["contributor"] = [
                {"@type": "Organization", "name": p.name, **({"url": p.url} if p.url else {})}
                for p in partners
            ]
        if event.capacity:
            data["maximumAttendeeCapacity"] = event.capacity
        if (
            occurrence is not None
            and occurrence.moved
            and occurrence.original_start != occurrence.start
        ):
            data["previousStartDate"] = occurrence.original_start.astimezone(LOCAL_TZ).isoformat()
        return data

    if not occurrences:
        return one(None)
    if len(occurrences) == 1:
        return one(occurrences[0])
    return [one(o) for o in occurrences]
