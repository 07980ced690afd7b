"""Rendered public pages for anonymous visitors, kept by the feeds' generation (issue 19).

The front page, the calendar's week and month views and the event, branch and track pages are
rendered once and then answered from a copy while nothing they show has changed. A copy is
stamped with the database generation the feeds use (``feeds.generation.data_generation``: the
latest ``events.Change`` rows and the reference counter, written in the transaction of every change,
known in each process with no round trip per request, read again at most
``FEED_GENERATION_MAX_AGE_MS`` after the last read and at once in the process that wrote the
change) and with the local day. So an edit, a cancelled or moved occurrence, an unpublished
event show on the next request after the commit (in another process within a quarter of a
second).

A copy also expires by the clock: at the earliest end of an occurrence it lists (a page lists
what has not ended yet: one that ends leaves the page at that moment) and at the latest
``PAGE_CACHE_SECONDS`` after it was rendered (occurrences that come into a page's window of
four weeks as time passes). ``PAGE_CACHE_SECONDS = 0`` turns the cache off (the test settings
do, except in the tests of this module: the other tests change rows directly, not through the
services that record a change).

What is never cached: a logged-in user's page (it can show a draft as a preview and the staff
navigation); a page with messages for its visitor; anything but a 200 to a GET or HEAD; a query
with a parameter the page does not read, or a long one (a cache key per made-up URL would only
fill the cache). Each copy is one cache entry per URL and language, overwritten when it is renewed,
with a Redis timeout no longer than its own expiry: the cache holds at most one copy of each
page visited in the last minute.

Per-request parts stay per request. The template is rendered with random markers in place of
the CSRF token of the language switch and of the Content-Security-Policy nonce (the event
page's JSON-LD carries it); every answer, a fresh render as well as a copy, then gets its own
token (``get_token``, which also sets the CSRF cookie as the tag would) and the nonce the
middleware put in its header. So the body and the headers of a copy are exactly those of a
fresh render. The visitor's language is part of the key, and so are the scheme and host (the
page's absolute links are built from them).

A warm request costs no query and at most one cache read: each process also keeps the copies
it served last (bounded), checked against the same stamp.
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

from events.clock import local_today
from feeds.generation import data_generation
from feeds.memo import BoundedMemo, body_size

# The query parameters the cached pages read; a URL with any other is rendered every time.
QUERY_PARAMETERS = frozenset({"branch", "stop", "track", "audience", "q", "from", "to", "page"})
MAX_PATH_LENGTH = 512
MEMO_MAX_ENTRIES = 256
MEMO_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class PageEntry:
    stamp: str
    expires: float  # time.time() after which the copy is not answered
    body: bytes
    headers: tuple[tuple[str, str], ...]
    nonce_mark: bytes
    csrf_mark: bytes


# This process's copies, bounded in number and bytes (least recently used go first).
memo: BoundedMemo[PageEntry] = BoundedMemo(MEMO_MAX_ENTRIES, MEMO_MAX_BYTES, body_size)


def _cacheable(request: HttpRequest) -> bool:
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return False
    if len(request.get_full_path()) > MAX_PATH_LENGTH:
        return False
    if any(name not in QUERY_PARAMETERS for name in request.GET):
        return False
    if request.user.is_authenticated:
        return False
    # The template shows the visitor's messages (e.g. after logging out): render those.
    return not len(get_messages(request))


def _key(request: HttpRequest) -> str:
    identity = "\n".join(
        (request.scheme or "", request.get_host(), get_language() or "", request.get_full_path())
    )
    return "pages:page:" + hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()


@functools.cache
def release() -> str:
    """What the pages' look depends on besides the data: the templates, the compiled
    translations and the static files' manifest of this release, hashed once per process. A
    deploy that changes any of them so never answers a copy the previous release rendered."""
    digest = hashlib.blake2b(digest_size=8)
    root = Path(settings.BASE_DIR)
    files = [
        *root.glob("*/templates/**/*.html"),
        *root.glob("*/templates/**/*.txt"),
        *root.glob("locale/*/LC_MESSAGES/*.mo"),
    ]
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root:
        files.append(Path(static_root) / "staticfiles.json")
    for path in sorted(files):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


def _stamp() -> str:
    return f"{data_generation()}|{local_today().isoformat()}|{release()}"


def _answer(request: HttpRequest, entry: PageEntry, nonce: str) -> HttpResponse:
    body = entry.body
    if entry.csrf_mark in body:
        body = body.replace(entry.csrf_mark, get_token(request).encode())
    if entry.nonce_mark in body:
        body = body.replace(entry.nonce_mark, nonce.encode())
    response = HttpResponse(body)
    for name, value in entry.headers:
        response[name] = value
    return response


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer anonymous GETs of ``view`` from a copy while it is current (see the module's
    docstring). The view renders with ``render_page``, which puts in the CSRF marker, and says
    until when its page holds with ``page_holds_until``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key, stamp = _key(request), _stamp()
        nonce = getattr(request, "csp_nonce", "")
        entry = memo.get(key)
        if entry is None or entry.stamp != stamp or entry.expires <= time.time():
            entry = cache.get(key)
            if entry is None or entry.stamp != stamp or entry.expires <= time.time():
                entry = _render(request, view, args, kwargs, key=key, stamp=stamp, nonce=nonce)
                if isinstance(entry, HttpResponse):
                    return entry
            memo.put(key, entry)
        return _answer(request, entry, nonce)

    return wrapper


def _render(request, view, args, kwargs, *, key: str, stamp: str, nonce: str):
    """Render with markers; a 200 without cookies becomes an entry (stored), anything else is
    answered as the view made it (with the real token and nonce put back)."""
    rendered_at = time.time()
    nonce_mark, csrf_mark = secrets.token_hex(16), secrets.token_hex(16)
    request.csp_nonce = nonce_mark
    request.page_cache_csrf_mark = csrf_mark
    request.page_holds_until = rendered_at + settings.PAGE_CACHE_SECONDS
    try:
        response = view(request, *args, **kwargs)
    finally:
        request.csp_nonce = nonce
        del request.page_cache_csrf_mark
    expires = request.page_holds_until
    body = b"" if response.streaming else response.content
    entry = PageEntry(
        stamp=stamp,
        expires=expires,
        body=body,
        headers=tuple(response.items()),
        nonce_mark=nonce_mark.encode(),
        csrf_mark=csrf_mark.encode(),
    )
    if response.status_code != 200 or response.streaming or response.cookies:
        if not response.streaming:
            response.content = _answer(request, entry, nonce).content
        return response
    timeout = math.ceil(expires - rendered_at) + 1
    if expires > time.time():
        cache.set(key, entry, timeout=timeout)
    return entry


def render_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """``render`` for a cached page: while the page is rendered for the cache, the CSRF token
    is a marker that each answer replaces with its own."""
    mark = getattr(request, "page_cache_csrf_mark", None)
    if mark is not None:
        context = {**context, "csrf_token": mark}
    return render(request, template, context)


def page_holds_until(request: HttpRequest, ends: Iterable[datetime]) -> None:
    """The page lists occurrences that end at ``ends`` (what has ended leaves the page): its
    copy expires at the earliest of them still to come."""
    until = getattr(request, "page_holds_until", None)
    if until is None:
        return
    now = time.time()
    for end in ends:
        moment = end.timestamp()
        if now < moment < until:
            until = moment
    request.page_holds_until = until  # type: ignore[attr-defined]


def clear() -> None:
    """Forget this process's copies (tests); shared copies go with a new generation."""
    memo.clear()
