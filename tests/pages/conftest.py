"""Helpers for the page tests: times relative to now, so "upcoming" stays upcoming."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from events.models import LOCAL_TZ


def soon(days: int = 1, hour: int = 19) -> datetime:
    """A local time ``days`` from today at ``hour``:00 (Copenhagen)."""
    today = timezone.now().astimezone(LOCAL_TZ).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, 0, tzinfo=LOCAL_TZ)


def jsonld_blocks(html: str) -> list:
    """Every JSON-LD block of a page, parsed."""
    bodies = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    return [json.loads(body) for body in bodies]


@pytest.fixture(autouse=True)
def _english_free(settings):
    """Pages render in Danish unless a test asks for English."""
    settings.LANGUAGE_CODE = "da"
