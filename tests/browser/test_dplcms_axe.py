"""The connector's pages in a real browser: the administrators' status page (after a run with
an error), the review queue "Mangler spor", its tagging form and an imported event pass axe-core
(WCAG 2.1 A and AA) without critical or serious violations."""

from __future__ import annotations

import importlib

import pytest

from tests.browser.test_staff_admin import serious_violations
from tests.dplcms.conftest import at, dpl, instance, roskilde, run_sync, uid, week_start  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "roskilde-administrator-16"


@pytest.fixture
def seeded(transactional_db):
    from django.apps import apps

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)


def test_connector_pages_have_no_serious_accessibility_violations(seeded, dpl, roskilde, page):  # noqa: F811
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from dplcms.models import ImportedInstance, ImportedSeries

    dpl.items.append(
        instance(30, title="Bogcafé", start=at(week_start(), 14), categories=["Ukendt"])
    )
    dpl.items[4]["state"] = "Postponed"
    run_sync()
    get_user_model().objects.create_superuser("chef", password=PASSWORD)
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("chef")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/admin/")
    queued = ImportedSeries.objects.get(instances__uuid=uid(30))
    imported = ImportedInstance.objects.get(uuid=uid(1)).occurrence.event
    pages = {
        "status": reverse("admin:dplcms_status"),
        "queue": reverse("admin:dplcms_importedseries_changelist"),
        "tag": reverse("admin:dplcms_importedseries_tag", args=[queued.pk]),
        "rules": reverse("admin:dplcms_mappingrule_changelist"),
        "imported event": reverse("admin:events_event_change", args=[imported.pk]),
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        found[name] = serious_violations(page)
    assert "Postponed" in page.goto(pages["status"]).text()
    # A sync waiting for a worker: the status page with its progress, and the job's page.
    from dplcms import jobs

    job, _created = jobs.sync_job_create(trigger="manual")
    for name, url in (
        ("status with a sync waiting", pages["status"]),
        ("sync job", reverse("pages:job-detail", args=[job.pk])),
    ):
        page.goto(url)
        found[name] = serious_violations(page)
    report = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert report == [], "\n".join(report)
