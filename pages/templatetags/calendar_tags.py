"""Template helpers of the public pages: filter URLs, map links, JSON-LD and track colours."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# json.dumps output made safe inside <script>: the same escapes as Django's json_script.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
# Track colours cycle by the track's order; the palette lives in site.css (.track-c0 ... c6).
TRACK_COLOURS = 7


@register.simple_tag(takes_context=True)
def jsonld(context, data) -> str:
    """``<script type="application/ld+json">`` with ``data`` escaped for an HTML script.

    It is the only script element in the page's markup that is not a static file; the nonce is
    filled in when a Content-Security-Policy middleware puts one on the request."""
    body = json.dumps(data, ensure_ascii=False, indent=1).translate(_JSON_SCRIPT_ESCAPES)
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", "") if request is not None else ""
    if nonce:
        return format_html(
            '<script type="application/ld+json" nonce="{}">{}</script>', str(nonce), mark_safe(body)
        )  # escaped above
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(body))


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        key = key.rstrip("_")  # from_=... for the "from" parameter
        if value is None or value == "":
            params.pop(key, None)
        else:
            params.setlist(key, [str(value)])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def track_colour(track) -> str:
    return f"track-c{(track.order or 0) % TRACK_COLOURS}"


@register.filter
def osm_url(place) -> str:
    """An OpenStreetMap link for anything with latitude/longitude or an address."""
    lat, lon = getattr(place, "latitude", None), getattr(place, "longitude", None)
    if lat is not None and lon is not None:
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    address = getattr(place, "full_address", "")
    if address:
        return "https://www.openstreetmap.org/search?" + urlencode({"query": address})
    return ""


@register.filter
def sees_dashboard(user) -> bool:
    """Whether the dashboard link belongs in the navigation: staff, management, admins."""
    from events.roles import may_read_attendance

    return may_read_attendance(user)


@register.filter
def sees_proposals(user) -> bool:
    """Whether the proposals' queue belongs in the navigation: branch staff and admins."""
    from events.roles import branch_ids, is_admin

    return is_admin(user) or bool(branch_ids(user))


@register.simple_tag
def was_url() -> str:
    """The accessibility statement (WAS_URL) the footer links, or "" when none is set."""
    return settings.WAS_URL


@register.filter
def is_management(user) -> bool:
    """Whether management's own links belong on a page (the national statistics)."""
    from events.roles import is_management as management

    return management(user)
