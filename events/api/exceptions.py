"""One exception handler for the whole API.

The services raise Django's ``ValidationError`` with field names; here it becomes a 400 whose
body maps each field to its messages (the same shape DRF gives for serializer errors). A
``SchedulingConflict`` becomes a 409 naming the conflicting event and its time. An unknown slug
in a filter becomes a 400 naming the query parameter.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from events.models import LOCAL_TZ
from events.selectors import UnknownSlug
from events.services import SchedulingConflict

_INDEXED = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\]\.(?P<field>.+)$")


def _field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    """``{"field": [messages]}``; keys like ``items[2].total`` (bulk services) become
    ``{"items": {"2": {"total": [...]}}}``, the shape DRF gives for a list field."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": list(exc.messages)}
    body: dict[str, Any] = {}
    for key, messages in exc.message_dict.items():
        match = _INDEXED.match(key)
        if match:
            items = body.setdefault(match["list"], {})
            items.setdefault(match["index"], {})[match["field"]] = list(messages)
        else:
            name = "non_field_errors" if key == "__all__" else key
            body.setdefault(name, []).extend(messages)
    return body


def conflict_body(exc: SchedulingConflict) -> dict[str, Any]:
    other = exc.other
    return {
        "detail": exc.messages[0],
        "code": "conflict",
        "conflict": {
            "event": other.event_id,
            "title": other.event.title,
            "occurrence": other.pk,
            "start": other.start.astimezone(LOCAL_TZ).isoformat(),
            "end": other.end.astimezone(LOCAL_TZ).isoformat(),
        },
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SchedulingConflict):
        return Response(conflict_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(_field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, UnknownSlug):
        message = _("Unknown value: %(values)s.") % {"values": ", ".join(exc.slugs)}
        return Response({exc.field_name: [message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    return drf_exception_handler(exc, context)
