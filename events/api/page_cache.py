"""Whole pages of the event and occurrence lists kept ready (issue 19), as the feeds keep
whole feeds: a warm page costs one light query (the keys and versions of the page's rows, as
tuples, no model instances) and a look-up in this process (``feeds.generation_cache``); no
count, no rows, no prefetch, no serialization, no rendering.

Visibility stays the database's business on every request: the light query is the list's own
query (the selectors' visibility, the filters, the order, the page's offset and size), so a
draft, a status written behind the services' back or a new row on the page changes the page's
stamp at once. A kept page is also valid for one feeds generation only (database state that
every change of an event, occurrence, head count, branch, stop, room, track, audience or
partner raises in its own transaction): that covers what the light query does not read (a
renamed branch, the count, a change on another page), on the next request in the process that
wrote the change and in every other process within ``FEED_GENERATION_MAX_AGE_MS``. Its
identity holds everything else the body depends on:

* the list and its normalised query (parameters sorted by name, each one's values in their
  order: the pagination links are built from the parameters sorted the same way);
* the request's language, scheme and host (names, labels and links) and the negotiated media
  type (only JSON is kept; the browsable API is built every time);
* what the asker may see, never who they are: anonymous; or management (every draft); or the
  ids of the branches whose drafts they see; and whether they read head counts. So an
  anonymous request never meets a page built for staff, and two members of staff of the same
  branches share one;
* the code (``representations._CODE``: this module's neighbours, the serializers and the
  links), so a deployment never serves a page rendered by the previous code.

Only 200 answers are kept; a bad parameter is refused before the look-up as before."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.http import HttpResponse
from django.utils.translation import get_language

from events import roles
from feeds.generation_cache import BoundedMemo, GenerationCache, Kept

from .filters import query_parameters_check
from .representations import _CODE

pages = GenerationCache("api:page", timeout=60 * 60)

# The light query of each page identity and generation, compiled once (``page_rows``).
LIGHT_MAX_ENTRIES = 1024
_light: BoundedMemo[tuple[str, Any, str]] = BoundedMemo(LIGHT_MAX_ENTRIES)


def scope(user) -> str:
    """What a user may see of the lists (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    drafts = (
        "all"
        if roles.is_management(user)
        else ",".join(str(pk) for pk in sorted(roles.branch_ids(user)))
    )
    attendance = "1" if roles.may_read_attendance(user) else "0"
    return f"drafts={drafts};attendance={attendance}"


def identity(request, name: str) -> str | None:
    """The page's identity, or None when it is not kept (not a GET, not JSON)."""
    if request.method != "GET" or getattr(request.accepted_renderer, "format", None) != "json":
        return None
    query = sorted(request.query_params.lists())
    return "|".join(
        (
            name,
            _CODE,
            request.path,
            repr(query),
            get_language() or "",
            f"{request.scheme}://{request.get_host()}",
            request.accepted_media_type or "",
            scope(request.user),
        )
    )


def page_number(request, paginator) -> int | None:
    """The page asked for, or None when the paginator would refuse it (it answers the 400)."""
    raw = request.query_params.get(paginator.page_query_param)
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        return None
    return int(raw)


class KeptPages:
    """For a list ViewSet (before ``KnownQueryParameters`` in its bases): read the page's keys
    and versions (``page_stamps``: one light query, no model instances), and answer the page
    kept for them and the generation if there is one; else build it as before and keep it."""

    page_stamps: tuple[str, ...] = ("pk",)

    def page_sql(self, request) -> tuple[str, Any, str] | None:
        """The light query of the page (SQL, parameters, database alias; an empty SQL for a
        selection that can match nothing), or None to let the list answer (a bad parameter:
        the list gives the 400)."""
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        paginator = self.paginator  # type: ignore[attr-defined]
        size = paginator.get_page_size(request)  # a bad size: 400 here as in the list
        number = page_number(request, paginator)
        if number is None:
            return None
        offset = (number - 1) * size
        light = queryset.select_related(None).prefetch_related(None)
        light = light.values_list(*self.page_stamps)[offset : offset + size]
        try:
            sql, params = light.query.get_compiler(using=light.db).as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        return sql, params, light.db

    def page_rows(self, request, name: str, generation: str) -> list | None:
        """The keys and versions of the page's rows (``page_stamps``), as the database gives
        them, or None (see ``page_sql``). The light query is made once per page identity and
        generation in this process: the parameters it follows from were checked when it was
        made (and an unknown slug can only become known with a new generation), so a warm
        request neither parses its parameters again nor compiles a query."""
        key = (name, generation)
        found = _light.get(key)
        if found is None:
            found = self.page_sql(request)
            if found is None:
                return None
            _light.put(key, found)
        sql, params, alias = found
        if not sql:
            return []
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def list(self, request, *args, **kwargs):
        query_parameters_check(request, self.known_query_parameters())  # type: ignore[attr-defined]
        name = identity(request, type(self).__name__)
        if name is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        generation = pages.generation()  # first: the page is never older than its stamp
        rows = self.page_rows(request, name, generation)
        if rows is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        digest = hashlib.blake2b(repr(rows).encode(), digest_size=16).hexdigest()
        stamp = pages.stamp(generation, digest)
        kept = pages.get(name, stamp)
        if kept is not None:
            return HttpResponse(kept.body, content_type=kept.content_type)
        response = super().list(request, *args, **kwargs)  # type: ignore[misc]

        def keep(rendered):
            if rendered.status_code == 200:
                pages.put(name, Kept(stamp, rendered.content, rendered["Content-Type"]))

        response.add_post_render_callback(keep)
        return response
