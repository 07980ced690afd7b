"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's
live_server with the demo data. Missing Chromium skips locally and fails in CI
(``tests.conftest.require``). Never ``playwright install``: the browser is the system's."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _have_chromium() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def browser():
    require(_have_chromium(), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        require(False, "playwright is not installed")
    # Playwright's sync API keeps an event loop running in this thread, so Django's guard
    # against ORM calls from async code would refuse the tests' own queries; they are
    # synchronous, so the guard is lifted while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="da-DK",
        viewport={"width": 1280, "height": 900},
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data (events, attendance, users) plus an action plan with targets, with the
    reference rows a transactional test's flush removed seeded again."""
    from django.apps import apps

    from demo import events as demo_data
    from events.models import LOCAL_TZ
    from tests.browser.plan import plan_with_targets

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    demo_data.seed()
    from django.utils import timezone

    year = timezone.now().astimezone(LOCAL_TZ).year
    plan_with_targets(year=year)
    return {"year": year}


@pytest.fixture
def screenshot(tmp_path):
    """Save a full-page screenshot; into docs/screenshots/ when UPDATE_SCREENSHOTS=1."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path

    def take(page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        return path

    return take
