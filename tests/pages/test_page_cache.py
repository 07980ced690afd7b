"""The public pages' cache for anonymous visitors (pages/cache.py, issue 19): a warm page runs
no query, a change shows on the next request, logged-in users and other languages never share
a copy, and a copy's headers and body are those of a fresh render."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import feeds.cache
import pages.cache
from events import services
from events.models import Change, Event, Partner
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(rb'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    # Long enough that only this process's own writes move its generation (they forget it at
    # once, feeds.receivers): a test then sees exactly what a warm process does.
    settings.FEED_GENERATION_MAX_AGE_MS = 600_000
    feeds.cache.clear()  # a new generation: no copy from another test is current
    pages.cache.clear()
    yield
    pages.cache.clear()


@pytest.fixture
def event(branch):
    return factories.make_event(
        branch=branch, title="Læsekreds", start=soon(1, 19), rrule="FREQ=WEEKLY;COUNT=3"
    )


def event_url(event) -> str:
    return reverse("pages:event-detail", args=[event.pk])


def branch_url(branch) -> str:
    return reverse("pages:branch-detail", args=[branch.slug])


def fetch(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def normalised(body: bytes) -> bytes:
    """The body without its per-request parts (CSRF token, CSP nonce)."""
    return NONCE.sub(b'nonce="N"', TOKEN.sub(b'name="csrfmiddlewaretoken" value="T"', body))


@pytest.mark.parametrize("which", ["front", "week", "month", "event", "branch"])
def test_a_warm_page_runs_no_query(client, event, branch, which):
    url = {
        "front": "/",
        "week": reverse("pages:calendar-week"),
        "month": reverse("pages:calendar-month"),
        "event": event_url(event),
        "branch": branch_url(branch),
    }[which]
    first, cold = fetch(client, url)
    second, warm = fetch(Client(), url)
    assert first.status_code == second.status_code == 200
    assert b"L\xc3\xa6sekreds" in second.content
    assert cold > 0
    assert warm == 0


def test_a_copy_has_the_headers_and_body_of_a_fresh_render(event, settings):
    url = event_url(event)
    first, _ = fetch(Client(), url)
    second, warm = fetch(Client(), url)
    assert warm == 0
    settings.PAGE_CACHE_SECONDS = 0
    fresh, _ = fetch(Client(), url)
    for response in (first, second, fresh):
        # The JSON-LD block carries this response's own nonce, the one in its CSP header.
        nonces = set(NONCE.findall(response.content))
        assert len(nonces) == 1
        assert f"'nonce-{nonces.pop().decode()}'" in response["Content-Security-Policy"]
    assert normalised(first.content) == normalised(second.content) == normalised(fresh.content)
    assert NONCE.findall(first.content) != NONCE.findall(second.content)
    assert TOKEN.findall(first.content) != TOKEN.findall(second.content)

    def headers(response) -> dict:
        found = dict(response.headers)
        found["Content-Security-Policy"] = re.sub(
            r"'nonce-[^']+'", "'nonce-N'", found["Content-Security-Policy"]
        )
        return found

    assert headers(first) == headers(second) == headers(fresh)
    assert "Cookie" in second["Vary"]
    assert second["Content-Language"] == "da"
    cookie = django_settings.CSRF_COOKIE_NAME
    assert first.cookies[cookie].value
    assert second.cookies[cookie].value


def test_the_csrf_token_of_a_copy_works(event):
    visitor = Client(enforce_csrf_checks=True)
    fetch(Client(), "/")  # someone else made the copy
    page, warm = fetch(visitor, "/")
    assert warm == 0
    token = TOKEN.search(page.content).group(1).decode()
    switched = visitor.post(
        reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    assert "Calendar" in visitor.get("/").content.decode()


def test_the_other_language_is_never_the_copy_of_the_first(client, event):
    danish, _ = fetch(client, "/")
    assert 'lang="da"' in danish.content.decode()
    english_client = Client()
    english_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english, queries = fetch(english_client, "/")
    assert queries > 0
    assert 'lang="en"' in english.content.decode()
    assert english["Content-Language"] == "en"
    again, warm = fetch(english_client, "/")
    assert warm == 0
    assert 'lang="en"' in again.content.decode()
    assert 'lang="da"' in fetch(Client(), "/")[0].content.decode()


def test_staff_never_get_the_anonymous_copy_nor_leave_theirs(client, event, staff_user):
    draft = factories.make_event(
        branch=event.branch, title="Hemmeligt udkast", start=soon(2), status=Event.Status.DRAFT
    )
    fetch(client, "/")
    staff = Client()
    staff.force_login(staff_user)
    page, queries = fetch(staff, "/")
    assert queries > 0  # rendered for them
    assert "Log ud" in page.content.decode()
    preview, _ = fetch(staff, event_url(draft))
    assert preview.status_code == 200
    assert "Hemmeligt udkast" in preview.content.decode()
    staff_branch, _ = fetch(staff, branch_url(event.branch))
    assert "Log ud" in staff_branch.content.decode()
    # ... and nothing of theirs reaches an anonymous visitor
    anonymous = Client()
    assert fetch(anonymous, event_url(draft))[0].status_code == 404
    for url in ("/", branch_url(event.branch)):
        html = fetch(anonymous, url)[0].content.decode()
        assert "Log ud" not in html
        assert "Hemmeligt udkast" not in html


def test_an_edit_shows_on_the_next_request(client, event, branch):
    urls = ["/", event_url(event), branch_url(branch)]
    for url in urls:
        fetch(client, url)
        assert fetch(client, url)[1] == 0  # warm
    services.event_update(event=event, title="Strikkecafé")
    for url in urls:
        html = client.get(url).content.decode()
        assert "Strikkecafé" in html, url
        assert "Læsekreds" not in html, url


def test_a_cancelled_occurrence_shows_on_the_next_request(client, event, branch):
    urls = ["/", event_url(event), branch_url(branch)]
    for url in urls:
        assert "notice-cancelled" not in client.get(url).content.decode()
    services.occurrence_cancel(occurrence=event.occurrences.order_by("start")[1], reason="Syg")
    for url in urls:
        html = client.get(url).content.decode()
        assert "notice-cancelled" in html, url
        assert "Syg" in html, url


def test_an_unpublished_event_leaves_at_once(client, event, branch):
    for url in ("/", event_url(event), branch_url(branch)):
        assert "Læsekreds" in client.get(url).content.decode()
    services.event_update(event=event, status=Event.Status.DRAFT)
    assert client.get(event_url(event)).status_code == 404
    for url in ("/", branch_url(branch)):
        assert "Læsekreds" not in client.get(url).content.decode()


def test_a_renamed_branch_shows_on_the_next_request(client, event, branch):
    assert "Jyllinge Bibliotek" in client.get(branch_url(branch)).content.decode()
    branch.name = "Jyllinge Kulturhus"
    branch.save()
    assert "Jyllinge Kulturhus" in client.get(branch_url(branch)).content.decode()


def test_a_copy_expires_when_a_listed_occurrence_ends(client, event, monkeypatch):
    fetch(client, "/")
    assert fetch(client, "/")[1] == 0
    first_end = event.occurrences.order_by("start")[0].end.timestamp()
    clock = pages.cache.time.time
    monkeypatch.setattr(pages.cache.time, "time", lambda: max(clock(), first_end + 1))
    assert fetch(client, "/")[1] > 0  # rendered again: that occurrence has ended


def test_messages_unknown_parameters_and_posts_are_rendered_each_time(client, event):
    fetch(client, "/")
    assert fetch(client, "/?utm_source=x")[1] > 0
    assert fetch(client, "/?utm_source=x")[1] > 0
    assert fetch(client, "/?branch=jyllinge")[1] > 0
    assert fetch(client, "/?branch=jyllinge")[1] == 0


def test_a_renamed_partner_shows_on_the_next_request(client, branch):
    partner = Partner.objects.create(name="Jyllinge Lokalråd")
    event = factories.make_event(branch=branch, start=soon(1), partners=[partner])
    assert "Jyllinge Lokalråd" in client.get(event_url(event)).content.decode()
    partner.name = "Jyllinge Borgerforening"
    partner.save()
    assert "Jyllinge Borgerforening" in client.get(event_url(event)).content.decode()


def test_a_change_another_process_wrote_shows_once_the_generation_is_read_again(client, event):
    """Another web process wrote the change: this one has not forgotten its generation (no
    signal here), so it serves its copy until its generation is older than
    FEED_GENERATION_MAX_AGE_MS, then reads the new one and renders again."""
    url = event_url(event)
    assert "Læsekreds" in client.get(url).content.decode()
    # As the service would, but without this process's post_save (bulk_create sends none).
    Event.objects.filter(pk=event.pk).update(title="Strikkecafé")
    Change.objects.bulk_create(
        [
            Change(
                event=event,
                event_uid=event.uid,
                event_title="Strikkecafé",
                action=Change.Action.UPDATED,
            )
        ]
    )
    assert "Læsekreds" in client.get(url).content.decode()  # within the generation's age
    # An hour later by this process's clock: its copy of the generation is old, read again.
    read_at, *known = feeds.cache._known
    feeds.cache._known = (read_at - 3600, *known)
    assert "Strikkecafé" in client.get(url).content.decode()


def test_a_head_request_shares_the_copy(client, event):
    fetch(client, "/")
    with CaptureQueriesContext(connection) as queries:
        response = client.head("/")
    assert response.status_code == 200
    assert len(queries) == 0


def test_a_new_release_never_answers_the_previous_releases_copy(client, event, monkeypatch):
    """A deploy that changes a template, a translation or a static file renders afresh (the
    copy is stamped with a digest of them), even though the data did not change."""
    assert len(pages.cache.release()) == 16
    url = event_url(event)
    fetch(client, url)
    assert fetch(client, url)[1] == 0  # warm

    monkeypatch.setattr(pages.cache, "release", lambda: "another-release")
    pages.cache.memo.clear()  # a new process; the shared copy stays in the cache
    response, queries = fetch(client, url)
    assert response.status_code == 200
    assert queries > 0  # rendered, not the previous release's copy
    assert fetch(client, url)[1] == 0  # and kept for this release
