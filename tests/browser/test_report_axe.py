"""The printable status report passes axe (WCAG 2.1 A and AA), on screen and as printed."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def report(transactional_db):
    from django.apps import apps

    from tasks.models import ActionPlan, Initiative, Target
    from tasks.services.reports import status_report_generate
    from tests import factories
    from tests.factories import local, track
    from tests.tasks.util import event_with

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    branch = factories.BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")
    now = local(2026, 12, 1, 6, 0)
    event_with(branch=branch, start=local(2026, 3, 3, 10, 0), counts=[12], now=now)
    event_with(branch=branch, start=local(2025, 3, 4, 10, 0), counts=[8], now=now)
    plan = ActionPlan.objects.create(year=2026, status=ActionPlan.Status.ADOPTED, title="HP 2026")
    Target.objects.create(plan=plan, branch=None, track=None, held=4, attendance=40)
    Initiative.objects.create(plan=plan, track=track("hygge"), text="Fredagshygge")
    ActionPlan.objects.create(year=2027, title="HP 2027")
    return status_report_generate(
        as_of=date(2026, 12, 1),
        now=now,
        overall_comment="Et godt år.",
        track_comments={"hygge": "Fint."},
    )


def test_the_printable_report_passes_axe(browser, report):
    from axe_playwright_python.sync_playwright import Axe
    from django.utils import translation

    from tasks import exports

    with translation.override("da"):
        html = exports.report_html(report)
    page = browser.new_page()
    try:
        page.set_content(html)
        assert "KIU december 2026" in page.locator("h1").inner_text()
        for media in ("screen", "print"):
            page.emulate_media(media=media)
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
            violations = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]
            ]
            assert violations == [], media
    finally:
        page.close()
