"""Fixtures for the API tests: a few events around the role fixtures of tests/conftest.py.

``branch`` (jyllinge) is where ``staff_client`` works, ``other_branch`` (viby) is where
``other_staff_client`` works.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.api import page_cache
from events.models import LOCAL_TZ, Event
from feeds import cache as feed_cache
from tests import factories
from tests.factories import local, make_event, track

API_CACHE_PATTERNS = ("idempotency:*", "api:repr:*", "api:page:*")


def clear_api_cache_keys() -> None:
    """Forget idempotency keys, kept representations and kept pages (and this process's copies
    of them), and nothing else: on a shared Redis, ``cache.clear()`` would flush other tests'
    data (and a Celery broker's queues)."""
    page_cache.pages.clear()
    feed_cache.generation_forget()
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        backend.clear()
        return
    client = backend._cache.get_client(write=True)  # django.core.cache.backends.redis
    for pattern in API_CACHE_PATTERNS:
        keys = list(client.scan_iter(match=backend.make_key(pattern)))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _forget_api_cache_keys(settings):
    # Query counts must not depend on the tests' speed: the kept pages read the feeds'
    # generation again when this process's copy is older than this (one more query). Every
    # change here is written by this process, which reads the new generation at once anyway.
    settings.FEED_GENERATION_MAX_AGE_MS = 60 * 60 * 1000
    clear_api_cache_keys()
    yield
    clear_api_cache_keys()


@pytest.fixture
def room(branch):
    return factories.RoomFactory(branch=branch, name="Salen")


@pytest.fixture
def other_room(other_branch):
    return factories.RoomFactory(branch=other_branch, name="Mødelokalet")


@pytest.fixture
def published(branch, room):
    """A published single event at the staff user's branch, in the future."""
    return make_event(
        branch=branch,
        room=room,
        title="Læsekreds",
        start=local(2027, 2, 2, 19, 0),
        tracks=[track("fordybelse"), track("hygge")],
    )


@pytest.fixture
def draft(branch):
    return make_event(
        branch=branch,
        title="Hemmelig kladde",
        start=local(2027, 2, 3, 10, 0),
        status=Event.Status.DRAFT,
    )


@pytest.fixture
def other_published(other_branch, other_room):
    return make_event(
        branch=other_branch,
        room=other_room,
        title="Strikkecafé",
        start=local(2027, 2, 4, 14, 0),
        tracks=[track("indgang-til-faellesskab")],
    )


@pytest.fixture
def other_draft(other_branch):
    return make_event(
        branch=other_branch,
        title="Viby-kladde",
        start=local(2027, 2, 5, 14, 0),
        status=Event.Status.DRAFT,
    )


@pytest.fixture
def past(branch, room):
    """A published event that took place two days ago: attendance can be recorded."""
    start = (
        (timezone.now() - timedelta(days=2))
        .astimezone(LOCAL_TZ)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    return make_event(branch=branch, room=room, title="Babysalmesang", start=start)


@pytest.fixture
def token_client(admin_user):
    """An administrator authenticated the way scripts are: with a token header."""
    token = Token.objects.create(user=admin_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def pytest_terminal_summary(terminalreporter):
    """How many requests the schemathesis run sent per role, if it ran."""
    module = sys.modules.get("tests.events.api.test_schema_property")
    if module is not None and module.CASES:
        CASES = module.CASES
        counts = ", ".join(f"{key}: {CASES[key]}" for key in sorted(CASES))
        terminalreporter.write_line(f"schemathesis requests per role: {counts}")
