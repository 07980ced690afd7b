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
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert (run.trigger, run.state, run.progress, run.created_by) == (
        SyncRun.Trigger.MANUAL,
        SyncRun.State.SUCCEEDED,
        100,
        admin_user,
    )
    assert run.created == 7


def test_refused_login_is_shown_in_words(dpl, roskilde, admin_user):
    dpl.failures = [401]
    run_sync()
    text = _login(admin_user).get(reverse("admin:dplcms_status")).content.decode()
    assert "check the dpl-cms user" in text


def test_the_command_runs_a_sync(dpl, roskilde, capsys):
    call_command("dpl_cms_sync")
    assert "created 7" in capsys.readouterr().out


def test_the_schedule_runs_only_when_configured_and_due(dpl, roskilde, settings):
    from dplcms.tasks import dpl_cms_sync_due_task

    assert dpl_cms_sync_due_task()["state"] == SyncRun.State.SUCCEEDED
    assert dpl_cms_sync_due_task()["run"] is None  # not due again yet
    settings.DPL_CMS_URL = ""
    SyncRun.objects.all().delete()
    assert dpl_cms_sync_due_task()["run"] is None


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
