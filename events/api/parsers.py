"""A JSON parser that refuses what would break the code behind it: nesting deeper than any
endpoint takes (a body nested 100,000 levels deep would exhaust Python's recursion)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # no endpoint takes more than a few levels


def _depth(data) -> int:
    """How deeply lists and objects nest in ``data``, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
        else:
            if _depth(data) <= MAX_DEPTH:
                return data
        raise ParseError(
            _("JSON parse error - nested more than %(max)d levels deep.") % {"max": MAX_DEPTH}
        )
