"""A manager in a real browser on the national statistics' page, counted now and as frozen with
the December KIU report: the service's figures on screen, and axe finds no WCAG 2.1 A or AA
violation."""

from __future__ import annotations

import importlib
from datetime import date, datetime, time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def mapping(transactional_db):
    """The default mapping of the data migration, which a transactional test's flush removed."""
    from django.apps import apps

    importlib.import_module("tasks.migrations.0009_national_statistics").seed_default_mapping(
        apps, None
    )


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_the_national_statistics_page_shows_the_sheet_and_passes_axe(mapping, page, demo):
    from events.clock import LOCAL_TZ, local_today
    from tasks.services.national import national_sheet
    from tasks.services.reports import status_report_generate

    year = demo["year"]
    december = date(year, 12, 1) if date(year, 12, 1) <= local_today() else date(year - 1, 12, 1)
    status_report_generate(
        as_of=december,
        scheduled=True,
        now=datetime.combine(december, time(6, 0), tzinfo=LOCAL_TZ),
    )

    page.goto(f"/ledelse/statistik/{year}/")
    page.wait_for_url("**/konto/login/**")
    page.locator("#id_username").fill("ledelse")
    page.locator("#id_password").fill("roskilde-ledelse")
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(f"**/ledelse/statistik/{year}/")

    sheet = national_sheet(year=year)
    answers = {line["code"]: line["answer"] for line in sheet["lines"]}
    assert answers["udstillinger"] >= 1
    assert answers["arrangementer"] > 0
    for code in ("arrangementer", "udstillinger", "brugerundervisning-lektioner"):
        shown = page.locator(f"tr[data-code='{code}'] td.answer").inner_text().strip()
        assert shown == str(answers[code]), code
    assert page.locator("h1").inner_text().strip() == f"Biblioteksstatistik {year}"
    assert _violations(page) == []

    # The year picker, then the sheet frozen with the December report.
    page.locator("#n-year").fill(str(december.year))
    page.locator("form.period-form button[type=submit]").click()
    page.wait_for_url(f"**/ledelse/statistik/{december.year}/")
    page.goto(f"/ledelse/statistik/{december.year}/?frozen=1")
    assert page.locator("tr[data-code='udstillinger']").count() == 1
    assert _violations(page) == []
