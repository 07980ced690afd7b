"""A manager in a real browser: log in, see the heat map with the demo's figures, generate a
KIU status report and see the job finish."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_manager_sees_heat_map_and_generates_a_report(page, demo, screenshot):
    from events.models import Branch, Track
    from tasks.services.figures import period_get
    from tasks.services.read import status_figures

    page.goto("/ledelse/")
    page.wait_for_url("**/konto/login/**")
    page.locator("#id_username").fill("ledelse")
    page.locator("#id_password").fill("roskilde-ledelse")
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/ledelse/")

    # the year's figures as computed by tasks.services, shown in the heat map
    page.goto(f"/ledelse/?year={demo['year']}&period=year&measure=attendance")
    period = period_get(year=demo["year"])
    figures = status_figures(period=period, scope="cell")
    busiest = max(figures, key=lambda r: r["attendance"])
    assert busiest["attendance"] > 0
    branch = Branch.objects.get(pk=busiest["branch_id"])
    track = Track.objects.get(pk=busiest["track_id"])
    cell = page.locator(f"td[data-branch='{branch.slug}'][data-track='{track.slug}']")
    assert cell.locator(".cell-value").inner_text() == str(busiest["attendance"])
    if busiest["target_attendance"]:
        share = round(busiest["share_of_target_attendance"] * 100)
        assert re.search(rf"\b{share}\s*%", cell.inner_text())
    assert page.locator("svg.chart-svg polyline").count() == Track.objects.count()
    screenshot(page, "dashboard")

    # generate a report now and follow the job until it has finished
    page.locator("form.report-start button[type=submit]").click()
    page.wait_for_url("**/ledelse/job/**")
    page.locator("#job[data-state='succeeded']").wait_for()
    assert page.locator("#job progress").get_attribute("value") == "100"
    page.locator(".job-result a").click()
    page.wait_for_url("**/ledelse/rapporter/*/")
    assert page.locator("h1").inner_text().strip() != ""
    assert page.locator("a[href$='/csv/']").count() == 1
    assert page.locator("a[href$='/xlsx/']").count() == 1
