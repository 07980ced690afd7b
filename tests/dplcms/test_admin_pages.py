"""The connector's pages: the status page for administrators (counts, errors in words, sync
now), the review queue "Mangler spor" (tagged in one step, then published, never public before),
imported events read only where the website owns them, and the write-back of links and state."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dplcms import services
from dplcms.models import ConnectorSettings, ImportedInstance, ImportedSeries, SyncRun
from events import services as events_services
from events.models import Event
from events.selectors import Selection
from tasks.models import Job
from tests import factories
from tests.dplcms.conftest import at, feeds_agree, instance, run_sync, uid, week_start
from tests.factories import track

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def test_status_page_shows_the_last_run_with_counts_and_errors(dpl, roskilde, admin_user):
    dpl.items[3]["state"] = "Postponed"
    run_sync()
    page = _login(admin_user).get(reverse("admin:dplcms_status"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Done" in text
    assert uid(4) in text
    assert "Postponed" in text
    assert '<th scope="col">New</th>' in text


def test_status_page_is_for_administrators_only(dpl, roskilde, staff_user):
    page = _login(staff_user).get(reverse("admin:dplcms_status"))
    assert page.status_code in (302, 403)


def test_sync_now_runs_a_job_with_its_progress_row(
    dpl, roskilde, admin_user, django_capture_on_commit_callbacks
):
    client = _login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:dplcms_status"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pages:job-detail", args=[job.pk])
    run = SyncRun.objects.get()
    assert (run.trigger, run.state, run.progress, run.created_by, run.job) == (
        SyncRun.Trigger.MANUAL,
        SyncRun.State.SUCCEEDED,
        100,
        admin_user,
        job,
    )
    assert run.created == 7
    assert (job.kind, job.state, job.progress, job.attempts) == ("dpl_sync", "succeeded", 100, 1)
    assert (job.result["run"], job.result["created"]) == (run.pk, 7)
    page = client.get(response["Location"]).content.decode()
    assert "Sync with the library website" in page
    assert reverse("admin:dplcms_status") in page


def test_sync_now_pressed_twice_while_a_sync_waits_starts_no_second_one(
    dpl, roskilde, admin_user, django_capture_on_commit_callbacks
):
    client = _login(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as sent:  # no worker takes it yet
        first = client.post(reverse("admin:dplcms_status"))
        second = client.post(reverse("admin:dplcms_status"), follow=True)
    job = Job.objects.get()
    assert first["Location"] == second.redirect_chain[0][0]
    assert "no second one was started" in second.content.decode()
    assert len(sent) == 1  # one message for one job
    status = client.get(reverse("admin:dplcms_status")).content.decode()
    assert "starts no second one" in status
    assert reverse("pages:job-detail", args=[job.pk]) in status
    assert " disabled>" in status
    # The worker runs it; the button is back, the counts shown.
    sent[0]()
    status = client.get(reverse("admin:dplcms_status")).content.decode()
    assert " disabled>" not in status
    assert "<td>7</td>" in status
    assert SyncRun.objects.get().job == job


def test_one_sync_job_at_a_time_is_held_by_the_database(db):
    from django.db import IntegrityError, transaction

    from tasks.services.jobs import job_create

    job_create(kind=Job.Kind.DPL_SYNC, params={})
    with pytest.raises(IntegrityError), transaction.atomic():
        job_create(kind=Job.Kind.DPL_SYNC, params={})
    Job.objects.update(state=Job.State.SUCCEEDED)
    job_create(kind=Job.Kind.DPL_SYNC, params={})  # once it is done, the next may start
    job_create(kind=Job.Kind.RECOMPUTE, params={"year": 2026})  # other kinds are not held
    job_create(kind=Job.Kind.RECOMPUTE, params={"year": 2026})


def test_refused_login_is_shown_in_words(dpl, roskilde, admin_user):
    dpl.failures = [401]
    run_sync()
    text = _login(admin_user).get(reverse("admin:dplcms_status")).content.decode()
    assert "check the dpl-cms user" in text


def test_the_command_runs_a_sync(dpl, roskilde, capsys):
    call_command("dpl_cms_sync")
    assert "created 7" in capsys.readouterr().out
    job = Job.objects.get()
    assert (job.kind, job.state, job.params["trigger"]) == ("dpl_sync", "succeeded", "command")
    assert SyncRun.objects.get().job == job


def test_the_command_starts_no_second_sync_beside_a_running_one(dpl, roskilde):
    from django.core.management.base import CommandError

    from dplcms import jobs

    job, _created = jobs.sync_job_create(trigger=SyncRun.Trigger.MANUAL)
    with pytest.raises(CommandError, match="already pending"):
        call_command("dpl_cms_sync")
    assert list(Job.objects.all()) == [job]
    assert not SyncRun.objects.exists()


def test_the_command_fails_in_words_and_so_does_its_job(dpl, roskilde):
    from django.core.management.base import CommandError

    dpl.failures = [401]
    with pytest.raises(CommandError, match="check the dpl-cms user"):
        call_command("dpl_cms_sync")
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    assert "check the dpl-cms user" in job.message


def test_the_schedule_runs_only_when_configured_and_due(
    dpl, roskilde, settings, django_capture_on_commit_callbacks
):
    from dplcms.tasks import dpl_cms_sync_due_task

    with django_capture_on_commit_callbacks(execute=True):  # sent to a worker once committed
        started = dpl_cms_sync_due_task()
    job = Job.objects.get(pk=started["job"])
    assert (job.state, job.params["trigger"]) == (Job.State.SUCCEEDED, "schedule")
    assert SyncRun.objects.get().state == SyncRun.State.SUCCEEDED
    assert dpl_cms_sync_due_task()["job"] is None  # not due again yet
    settings.DPL_CMS_URL = ""
    SyncRun.objects.all().delete()
    assert dpl_cms_sync_due_task()["job"] is None


def test_the_schedule_starts_nothing_beside_a_waiting_sync_and_resends_a_lost_one(
    dpl, roskilde, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from dplcms import jobs
    from dplcms.tasks import dpl_cms_sync_due_task

    job, _created = jobs.sync_job_create(trigger=SyncRun.Trigger.MANUAL)
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now())
    assert dpl_cms_sync_due_task() == {"job": None}
    assert Job.objects.count() == 1
    # Its message was lost (Redis restarted): after DPL_CMS_SYNC_MINUTES it is sent again.
    sent = timezone.now() - timedelta(minutes=settings.DPL_CMS_SYNC_MINUTES + 1)
    Job.objects.filter(pk=job.pk).update(sent_at=sent)
    assert dpl_cms_sync_due_task() == {"job": str(job.pk), "sent_again": True}
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert SyncRun.objects.get().created == 7


def test_a_sync_job_whose_worker_died_is_run_again_and_says_so(dpl, roskilde, settings):
    """The sweep gave a lost sync job to another worker (tests/dplcms/test_sync_real_worker.py
    does it with a real worker killed): the second attempt runs the same run again from the
    start, and the status page says it was taken over."""
    from datetime import timedelta

    from django.utils import timezone

    from dplcms import jobs
    from tasks.services.jobs import jobs_sweep

    job, _created = jobs.sync_job_create(trigger=SyncRun.Trigger.MANUAL)
    run = SyncRun.objects.create(job=job, trigger=SyncRun.Trigger.MANUAL)
    stale = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=1, worker="elsewhere:1", heartbeat_at=stale
    )
    SyncRun.objects.filter(pk=run.pk).update(state=SyncRun.State.RUNNING, started_at=stale)
    assert [j.pk for j in jobs_sweep()] == [job.pk]
    result = jobs.sync_job_run(job_id=job.pk)
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.state, job.attempts, result["run"]) == (Job.State.SUCCEEDED, 2, run.pk)
    assert (run.state, run.created) == (SyncRun.State.SUCCEEDED, 7)
    assert "took it over" in run.errors[0]["message"]
    assert SyncRun.objects.count() == 1


def _unknown(dpl):
    monday = week_start()
    dpl.items += [
        instance(20, title="Koncert i Gadstrup", start=at(monday, 19), branch="Gadstrup Bibliotek"),
        instance(21, title="Bogcafé", start=at(monday, 14), categories=["Ukendt kategori"]),
    ]


def test_unknown_branch_and_unmapped_category_wait_in_the_queue_never_public(dpl, roskilde, client):
    _unknown(dpl)
    run = run_sync()
    assert run.queued == 2
    queued = services.queue()
    assert queued.count() == 2
    assert all(s.event is None for s in queued)
    titles = {e.title for e in Event.objects.all()}
    assert not titles & {"Koncert i Gadstrup", "Bogcafé"}
    assert b"Bogcaf" not in client.get("/feeds/calendar.ics").content
    # No write-back for what is not here yet.
    assert uid(20) not in {p["path"].rsplit("/", 1)[-1] for p in dpl.patches()}
    feeds_agree(client)


def test_staff_tag_a_queued_event_in_one_step_and_it_is_published(
    dpl, roskilde, client, admin_user
):
    _unknown(dpl)
    run_sync()
    central, _jyllinge = roskilde
    staff = factories.UserFactory(username="staff-roskilde", branches=[central])
    series = ImportedSeries.objects.get(instances__uuid=uid(21))
    staff_client = _login(staff)
    listing = staff_client.get(reverse("admin:dplcms_importedseries_changelist"))
    assert "Bogcafé" in listing.content.decode()
    url = reverse("admin:dplcms_importedseries_tag", args=[series.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "branch": central.pk,
            "tracks": [track("hygge").pk],
            "kind": Event.Kind.ARRANGEMENT,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    event = ImportedInstance.objects.get(uuid=uid(21)).occurrence.event
    assert event.status == Event.Status.PUBLISHED
    assert [t.slug for t in event.tracks.all()] == ["hygge"]
    assert services.queue().count() == 1
    # The next run leaves it be, and writes its links back.
    run = run_sync()
    assert run.unchanged == 8
    assert any(p["path"].endswith(uid(21)) for p in dpl.patches())
    feeds_agree(client)


def test_staff_of_another_branch_cannot_tag_into_it(dpl, roskilde):
    _unknown(dpl)
    run_sync()
    _central, jyllinge = roskilde
    other = factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    staff = factories.UserFactory(username="staff-viby", branches=[other])
    series = ImportedSeries.objects.get(instances__uuid=uid(20))
    url = reverse("admin:dplcms_importedseries_tag", args=[series.pk])
    response = _login(staff).post(
        url, {"branch": jyllinge.pk, "tracks": [track("hygge").pk], "kind": "arrangement"}
    )
    assert response.status_code == 200  # the form refuses a branch not theirs
    assert ImportedSeries.objects.get(pk=series.pk).event is None


def test_a_new_rule_publishes_a_waiting_event_on_the_next_run(dpl, roskilde):
    from dplcms.models import MappingRule

    _unknown(dpl)
    run_sync()
    rule = MappingRule.objects.create(source="category", name="ukendt kategori")
    rule.tracks.set([track("hygge")])
    run = run_sync()
    assert run.created == 1
    assert ImportedInstance.objects.get(uuid=uid(21)).occurrence.event.is_public


def test_an_imported_event_is_read_only_where_the_website_owns_it(dpl, roskilde, admin_user):
    run_sync()
    event = ImportedInstance.objects.get(uuid=uid(5)).occurrence.event
    page = _login(admin_user).get(reverse("admin:events_event_change", args=[event.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="title"' not in text
    assert '-start_0"' not in text  # an occurrence's date: the website's
    assert "-attendance_total" in text  # head counts: ours
    assert 'name="tracks"' in text  # ours
    assert "https://www.roskildebib.dk/arrangementer/5" in text


def test_links_are_written_back_again_only_when_they_change(dpl, roskilde, settings):
    run_sync()
    first = len(dpl.patches())
    run_sync()
    assert len(dpl.patches()) == first
    settings.SITE_URL = "https://kalender.roskilde.dk"
    run = run_sync()
    assert run.written_back == 7
    assert dpl.patches()[-1]["body"]["external_data"]["url"].startswith(
        "https://kalender.roskilde.dk/"
    )


def test_state_is_written_only_when_an_administrator_turns_it_on(dpl, roskilde):
    run_sync()
    occurrence = ImportedInstance.objects.get(uuid=uid(5)).occurrence
    events_services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
    run_sync()
    assert not any("state" in p["body"] for p in dpl.patches())
    ConnectorSettings.objects.update_or_create(pk=1, defaults={"write_state": True})
    run_sync()
    states = [p for p in dpl.patches() if "state" in p["body"]]
    assert [(p["path"], p["body"]) for p in states] == [
        (f"/api/v1/events/{uid(5)}", {"state": "Cancelled"})
    ]
    run_sync()
    assert len([p for p in dpl.patches() if "state" in p["body"]]) == 1


def test_drafts_and_the_queue_stay_out_of_the_api(dpl, roskilde, anon_client):
    _unknown(dpl)
    run_sync()
    body = anon_client.get("/api/v1/events/?page_size=100").json()
    titles = {e["title"] for e in body["results"]}
    assert "Bogcafé" not in titles
    assert "Strikkecafé" in titles
    knit = next(e for e in body["results"] if e["title"] == "Strikkecafé")
    assert len(knit["rdates"]) == 2
    assert Selection()  # the selection the feeds and API share


def test_attendance_is_recorded_on_an_imported_event_and_survives_a_resync(dpl, roskilde):
    from tests.dplcms.conftest import _past_instance

    dpl.items.append(_past_instance(8))
    run_sync()
    occurrence = ImportedInstance.objects.get(uuid=uid(8)).occurrence
    events_services.attendance_record(occurrence=occurrence, total=11)
    dpl.items[-1]["title"] = "Læsekreds (ny titel)"
    run_sync()
    occurrence.refresh_from_db()
    assert occurrence.attendance.total == 11
    assert occurrence.event.title == "Læsekreds (ny titel)"


def _form_data(html: str) -> dict[str, list[str]]:
    """What a browser would post from the page's main form (inputs, selects, textareas)."""
    from html.parser import HTMLParser

    data: dict[str, list[str]] = {}

    class Form(HTMLParser):
        select: str | None = None
        textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "button"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                data.setdefault(name, []).append(a.get("value") or "")
            elif tag == "select" and name:
                self.select = name
            elif tag == "option" and self.select and "selected" in a:
                data.setdefault(self.select, []).append(a.get("value") or "")
            elif tag == "textarea" and name:
                self.textarea = name
                data.setdefault(name, []).append("")

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            if tag == "textarea":
                self.textarea = None

        def handle_data(self, text):
            if self.textarea:
                data[self.textarea][-1] += text

    Form().feed(html)
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_staff_change_tracks_of_an_imported_event_and_a_resync_keeps_them(
    dpl, roskilde, admin_user
):
    run_sync()
    event = ImportedInstance.objects.get(uuid=uid(5)).occurrence.event
    client = _login(admin_user)
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _form_data(client.get(url).content.decode())
    data["tracks"] = [str(track("hygge").pk), str(track("fordybelse").pk)]
    data["co_created"] = ["on"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    event.refresh_from_db()
    assert {t.slug for t in event.tracks.all()} == {"hygge", "fordybelse"}
    assert event.title == "Foredrag: Roskildes historie"
    run = run_sync()
    assert run.unchanged == 7
    assert {t.slug for t in event.tracks.all()} == {"hygge", "fordybelse"}


def test_old_runs_go_with_old_jobs_and_the_latest_run_stays():
    """The jobs' sweep deletes sync runs that finished more than JOB_KEEP_DAYS ago (one starts
    every 15 minutes), but never the latest, which the status page shows."""
    from datetime import timedelta

    from django.utils import timezone

    from tasks import tasks as task_module

    now = timezone.now()
    old = now - timedelta(days=settings.JOB_KEEP_DAYS + 1)
    ancient = SyncRun.objects.create(trigger=SyncRun.Trigger.MANUAL, created_at=old)
    SyncRun.objects.filter(pk=ancient.pk).update(finished_at=old)
    recent = SyncRun.objects.create(trigger=SyncRun.Trigger.MANUAL, created_at=now)
    SyncRun.objects.filter(pk=recent.pk).update(finished_at=now)

    task_module.jobs_sweep_task()
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [recent.pk]

    # Only old runs left: the latest of them stays.
    SyncRun.objects.filter(pk=recent.pk).update(created_at=old, finished_at=old)
    task_module.jobs_sweep_task()
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [recent.pk]
