"""Whole pages of the event and occurrence lists kept ready (issue 19), as the feeds keep
whole feeds: a warm page costs neither a query nor a serialization, only a look-up in this
process (``feeds.generation_cache``).

A kept page is valid for one feeds generation (database state that every change of an event,
occurrence, head count or place raises in its own transaction), so a change is on the next
request in the process that wrote it and in every other process within
``FEED_GENERATION_MAX_AGE_MS``. Its identity holds everything else the body depends on:

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

from django.http import HttpResponse
from django.utils.translation import get_language

from events import roles
from feeds.generation_cache import GenerationCache, Kept

from .filters import query_parameters_check
from .representations import _CODE

pages = GenerationCache("api:page", timeout=60 * 60)


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

    def page_rows(self, request) -> list | None:
        """The keys and versions of the page's rows, or None to let the list answer (a bad
        parameter: the list gives the 400)."""
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        paginator = self.paginator  # type: ignore[attr-defined]
        size = paginator.get_page_size(request)  # a bad size: 400 here as in the list
        number = page_number(request, paginator)
        if number is None:
            return None
        offset = (number - 1) * size
        light = queryset.select_related(None).prefetch_related(None)
        return list(light.values_list(*self.page_stamps)[offset : offset + size])

    def list(self, request, *args, **kwargs):
        query_parameters_check(request, self.known_query_parameters())  # type: ignore[attr-defined]
        name = identity(request, type(self).__name__)
        if name is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        generation = pages.generation()  # first: the page is never older than its stamp
        rows = self.page_rows(request)
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
