"""A librarian follows the link on the attendance screen to their notification settings, turns
the daily digest off and chooses English, by keyboard; axe (WCAG 2.1 A and AA) runs on the
settings page before and after, and on the dashboard's missing-attendance rate section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.test_attendance_screen import (  # noqa: F401 (fixtures)
    axe_violations,
    librarian,
    log_in,
    tablet,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_in(page, selector: str) -> list[str]:
    """axe on one part of the page (the sections of others are their tests')."""
    import axe_playwright_python

    page.evaluate((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    result = page.evaluate(f"axe.run({json.dumps(selector)}, {options})")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def test_settings_page_by_keyboard_and_accessible(tablet, librarian):  # noqa: F811
    from tasks.models import NotificationPreference

    page = tablet
    log_in(page, "bibliotekar", "/personale/fremmoede/jyllinge/")
    page.locator("a[href='/personale/notifikationer/']").click()
    page.wait_for_url("**/personale/notifikationer/")
    assert page.locator("h1").inner_text() == "Indstillinger for notifikationer"
    assert "Jyllinge Bibliotek" in page.locator(".lead").inner_text()
    assert axe_violations(page) == []

    checkbox = page.locator("#id_attendance_digest")
    assert checkbox.is_checked()
    checkbox.focus()
    page.keyboard.press("Space")  # off
    page.keyboard.press("Tab")  # to the radio group
    page.keyboard.press("ArrowDown")  # Danish -> English
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the save button
    page.wait_for_load_state()
    assert "gemt" in page.locator(".messages").inner_text()
    assert not page.locator("#id_attendance_digest").is_checked()
    assert page.locator("input[name=language][value=en]").is_checked()
    assert axe_violations(page) == []
    saved = NotificationPreference.objects.get(user=librarian["user"])
    assert (saved.attendance_digest, saved.language) == (False, "en")


def test_dashboard_missing_rate_section_is_accessible(tablet, librarian):  # noqa: F811
    page = tablet
    log_in(page, "bibliotekar", "/ledelse/")
    rows = page.locator("table.missing-rates tbody tr")
    assert rows.count() >= 1
    assert "Jyllinge Bibliotek" in rows.first.inner_text()
    section = "section:has(> #missing-rate-title)"
    assert axe_in(page, section) == []
