"""Issue 13, clear errors on the staff side: every validation message at its field in the
user's language (never a constraint's name), and another branch's event or occurrence says
whose it is and that this user may not change it (403), without leaking a draft's content.
Also: the occurrence list's filter has a proper Danish title, and the event page shows its
latest changes with a link to the full history."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from events import services
from events.models import Event
from tests.events.test_admin import _event_post
from tests.factories import local, make_event, upcoming

pytestmark = pytest.mark.django_db


def _login(user, language: str = "da") -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


@pytest.fixture
def mine(branch):
    return make_event(
        branch=branch,
        title="Strikkecafé",
        start=local(2026, 1, 6, 14, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [("da", "Slutningen skal ligge efter starten."), ("en", "The end must be after the start.")],
)
def test_end_before_start_with_a_missing_track_shows_at_the_end_field(
    staff_user, mine, language, message
):
    client = _login(staff_user, language)
    response = client.post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, end_0="2026-01-06", end_1="13:00:00", tracks=[]),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["end"] == [message]
    assert "tracks" in form.errors
    assert not form.non_field_errors()
    html = response.content.decode()
    assert "event_end_after_start" not in html
    mine.refresh_from_db()
    assert mine.end == local(2026, 1, 6, 16, 0)


def test_end_before_start_alone_shows_once_at_the_end_field(staff_user, mine):
    response = _login(staff_user, "en").post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, end_0="2026-01-06", end_1="13:00:00"),
    )
    form = response.context["adminform"].form
    assert form.errors["end"] == ["The end must be after the start."]
    assert not form.non_field_errors()


@pytest.fixture
def theirs(other_branch):
    return make_event(branch=other_branch, title="Skak for alle", start=upcoming())


@pytest.fixture
def their_draft(other_branch):
    return make_event(
        branch=other_branch,
        title="Hemmelig forfatteraften",
        description="Forfatteren er endnu ikke offentliggjort.",
        status=Event.Status.DRAFT,
        start=upcoming(),
    )


def test_another_branchs_event_says_whose_it_is_with_403(staff_user, theirs):
    client = _login(staff_user, "en")
    for name in ("change", "history", "delete"):
        response = client.get(reverse(f"admin:events_event_{name}", args=[theirs.pk]))
        assert response.status_code == 403, name
        html = response.content.decode()
        assert "Viby Bibliotek" in html
        assert "may not see or change it" in html
        assert "doesn" not in html
    response = client.post(
        reverse("admin:events_event_change", args=[theirs.pk]), _event_post(theirs, title="X")
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Skak for alle"


def test_another_branchs_occurrence_says_whose_it_is_with_403(staff_user, theirs):
    occurrence = theirs.occurrences.get()
    response = _login(staff_user).get(
        reverse("admin:events_occurrence_change", args=[occurrence.pk])
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Viby Bibliotek" in html
    assert "tilhører" in html  # Danish by default


def test_another_branchs_draft_names_only_its_branch(staff_user, their_draft):
    client = _login(staff_user, "en")
    for url in (
        reverse("admin:events_event_change", args=[their_draft.pk]),
        reverse("admin:events_occurrence_change", args=[their_draft.occurrences.get().pk]),
        reverse("admin:events_event_copy", args=[their_draft.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "Viby Bibliotek" in html
        assert "Hemmelig" not in html
        assert "forfatter" not in html.lower()


def test_management_still_reads_every_branch(management_user, theirs):
    response = _login(management_user).get(reverse("admin:events_event_change", args=[theirs.pk]))
    assert response.status_code == 200


def test_the_occurrence_list_filter_has_a_danish_title(staff_user, mine):
    html = _login(staff_user, "da").get(reverse("admin:events_occurrence_changelist")).content
    html = html.decode()
    assert "Efter attendance" not in html
    assert "Efter registreret fremmøde" in html
    assert "Ikke registreret" in html


def test_the_event_page_shows_the_latest_changes_and_links_the_history(staff_user, branch):
    event = make_event(
        branch=branch,
        title="Sprogcafé",
        start=upcoming(),
        user=staff_user,
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    occurrences = list(event.occurrences.order_by("start"))
    services.occurrence_cancel(occurrence=occurrences[1], reason="Sygdom", user=staff_user)
    services.occurrence_move(
        occurrence=occurrences[2],
        start=occurrences[2].start + (local(2026, 1, 1, 18) - local(2026, 1, 1, 19)),
        user=staff_user,
    )
    html = (
        _login(staff_user, "en")
        .get(reverse("admin:events_event_change", args=[event.pk]))
        .content.decode()
    )
    section = html[html.index('id="recent-changes"') :]
    for what in ("Created", "Occurrence cancelled", "Occurrence moved"):
        assert what in section
    assert "staff-jyllinge" in section
    assert reverse("admin:events_event_history", args=[event.pk]) in section
