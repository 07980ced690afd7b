"""The staff's attendance screen (/personale/fremmoede/<branch>/): what it lists, what one
submit saves (each row on its own), and who may read or record."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from events import services
from events.models import Attendance, AttendanceRevision, Event
from tests import factories
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


def url(branch) -> str:
    return reverse("pages:attendance", kwargs={"slug": branch.slug})


def occurrence(branch, title: str, days: int, **kwargs):
    event = factories.make_event(branch=branch, title=title, start=soon(days, 10), **kwargs)
    return event.occurrences.get()


@pytest.fixture
def rows(branch, other_branch, admin_user):
    """Occurrences of every kind at the staff's branch, and one at another branch."""
    old_missing = occurrence(branch, "Gammel læsekreds uden tal", -40)
    missing = occurrence(branch, "Strikkecafé", -2)
    recent = occurrence(branch, "Sprogcafé", -5)
    services.attendance_record(occurrence=recent, total=12, user=admin_user)
    old_recorded = occurrence(branch, "Forårsfest med tal", -30)
    services.attendance_record(occurrence=old_recorded, total=50, user=admin_user)
    future = occurrence(branch, "Kommende foredrag", 3)
    cancelled = occurrence(branch, "Aflyst koncert", -3)
    services.occurrence_cancel(occurrence=cancelled, reason="Sygdom", user=admin_user)
    draft = occurrence(branch, "Kladde uden offentliggørelse", -4, status=Event.Status.DRAFT)
    elsewhere = occurrence(other_branch, "IT-hjælp i Viby", -2)
    return {
        "old_missing": old_missing,
        "missing": missing,
        "recent": recent,
        "old_recorded": old_recorded,
        "future": future,
        "cancelled": cancelled,
        "draft": draft,
        "elsewhere": elsewhere,
    }


def page(client, user, branch, **kwargs) -> str:
    client.force_login(user)
    response = client.get(url(branch), **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def total_input(html: str, occ) -> str | None:
    match = re.search(rf'<input[^>]*name="o{occ.pk}-total"[^>]*>', html)
    return match[0] if match else None


# --- access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, branch):
    for target in (reverse("pages:attendance-index"), url(branch)):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/login/?next=/personale/fremmoede/")


def test_user_without_role_is_refused(client, branch):
    client.force_login(factories.UserFactory(username="borger"))
    assert client.get(reverse("pages:attendance-index")).status_code == 403
    assert client.get(url(branch)).status_code == 403
    assert client.post(url(branch), {}).status_code == 403


def test_staff_of_one_branch_go_straight_to_it(client, staff_user, branch):
    client.force_login(staff_user)
    response = client.get(reverse("pages:attendance-index"))
    assert response.status_code == 302
    assert response["Location"] == url(branch)


def test_staff_of_several_branches_choose(client, branch, other_branch, rows):
    user = factories.UserFactory(username="to-steder", branches=[branch, other_branch])
    client.force_login(user)
    html = client.get(reverse("pages:attendance-index")).content.decode()
    assert url(branch) in html
    assert url(other_branch) in html
    assert "2 forekomster mangler fremmøde" in html  # old_missing and missing at Jyllinge


def test_staff_cannot_see_another_branch(client, staff_user, other_branch, rows):
    client.force_login(staff_user)
    response = client.get(url(other_branch))
    assert response.status_code == 403
    assert "Viby Bibliotek" in response.content.decode()  # the reason names the branch


def test_management_reads_without_inputs_and_cannot_post(client, management_user, branch, rows):
    html = page(client, management_user, branch)
    assert "Strikkecafé" in html
    assert "Sprogcafé" in html
    assert total_input(html, rows["missing"]) is None
    response = client.post(url(branch), {f"o{rows['missing'].pk}-total": "9"})
    assert response.status_code == 403
    assert not Attendance.objects.filter(occurrence=rows["missing"]).exists()


def test_admin_records_at_any_branch(client, admin_user, other_branch, rows):
    client.force_login(admin_user)
    response = client.post(url(other_branch), {f"o{rows['elsewhere'].pk}-total": "7"})
    assert response.status_code == 302
    assert Attendance.objects.get(occurrence=rows["elsewhere"]).total == 7


# --- listing ------------------------------------------------------------------------------


def test_lists_held_without_attendance_and_the_last_14_days(client, staff_user, branch, rows):
    html = page(client, staff_user, branch)
    for key in ("old_missing", "missing", "recent"):
        assert total_input(html, rows[key]) is not None, key
    for key in ("old_recorded", "future", "cancelled", "draft", "elsewhere"):
        assert f'id="o{rows[key].pk}"' not in html, key
    assert "Kommende foredrag" not in html
    assert "Aflyst koncert" not in html
    assert "IT-hjælp i Viby" not in html
    # the recorded count is shown and filled in, to correct
    assert 'value="12"' in total_input(html, rows["recent"])
    # missing ones first (newest first), the first total has the focus, numeric keyboard
    assert html.index(f'id="o{rows["missing"].pk}"') < html.index(f'id="o{rows["old_missing"].pk}"')
    assert html.index(f'id="o{rows["old_missing"].pk}"') < html.index(f'id="o{rows["recent"].pk}"')
    first = total_input(html, rows["missing"])
    assert "autofocus" in first
    assert 'inputmode="numeric"' in first
    assert "Fremmøde på Jyllinge Bibliotek" in html


def test_english_with_the_language_cookie(client, staff_user, branch, rows):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, staff_user, branch)
    assert "Attendance at Jyllinge Bibliotek" in html
    assert "Save attendance" in html


# --- saving -------------------------------------------------------------------------------


def test_one_submit_saves_every_row(client, staff_user, branch, rows):
    client.force_login(staff_user)
    response = client.post(
        url(branch),
        {
            f"o{rows['missing'].pk}-total": "23",
            f"o{rows['old_missing'].pk}-total": "8",
            f"o{rows['old_missing'].pk}-children": "5",
            f"o{rows['old_missing'].pk}-adults": "3",
            f"o{rows['recent'].pk}-total": "12",  # unchanged: not saved again
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url(branch)
    assert Attendance.objects.get(occurrence=rows["missing"]).total == 23
    old = Attendance.objects.get(occurrence=rows["old_missing"])
    assert (old.total, old.children, old.youth, old.adults, old.seniors) == (8, 5, 0, 3, 0)
    assert old.recorded_by == staff_user
    assert not AttendanceRevision.objects.exists()
    html = client.get(response["Location"]).content.decode()
    assert "Fremmøde gemt for 2 forekomster." in html


def test_a_correction_keeps_the_earlier_count(client, staff_user, branch, rows):
    client.force_login(staff_user)
    response = client.post(url(branch), {f"o{rows['recent'].pk}-total": "14"})
    assert response.status_code == 302
    assert Attendance.objects.get(occurrence=rows["recent"]).total == 14
    assert AttendanceRevision.objects.get().total == 12


def test_empty_rows_are_skipped(client, staff_user, branch, rows):
    client.force_login(staff_user)
    response = client.post(
        url(branch), {f"o{rows['missing'].pk}-total": "", f"o{rows['old_missing'].pk}-total": " "}
    )
    assert response.status_code == 302
    assert Attendance.objects.count() == 2  # the fixture's two


def test_an_invalid_row_keeps_its_input_and_the_others_are_saved(client, staff_user, branch, rows):
    client.force_login(staff_user)
    response = client.post(
        url(branch),
        {f"o{rows['missing'].pk}-total": "tyve", f"o{rows['old_missing'].pk}-total": "8"},
    )
    assert response.status_code == 200  # one row was committed
    html = response.content.decode()
    assert Attendance.objects.get(occurrence=rows["old_missing"]).total == 8
    assert not Attendance.objects.filter(occurrence=rows["missing"]).exists()
    field = total_input(html, rows["missing"])
    assert 'value="tyve"' in field
    assert 'aria-invalid="true"' in field
    assert "autofocus" in field
    error_id = f'id="id_o{rows["missing"].pk}-total-error"'
    assert error_id in html
    assert "Skriv et helt tal." in html
    assert "Fremmøde gemt for 1 forekomst." in html


def test_age_groups_must_add_up(client, staff_user, branch, rows):
    client.force_login(staff_user)
    pk = rows["missing"].pk
    response = client.post(
        url(branch), {f"o{pk}-total": "10", f"o{pk}-children": "4", f"o{pk}-seniors": "2"}
    )
    assert response.status_code == 400  # nothing was saved
    html = response.content.decode()
    assert not Attendance.objects.filter(occurrence=rows["missing"]).exists()
    assert f'id="o{pk}-ages-error"' in html
    assert "Aldersgrupperne giver tilsammen 6, ikke totalen på 10." in html
    assert 'value="4"' in html
    assert 'value="2"' in html
    assert re.search(rf'class="att-row[^"]*ages-open[^"]*" id="o{pk}"', html)


def test_age_groups_without_a_total_are_refused(client, staff_user, branch, rows):
    client.force_login(staff_user)
    pk = rows["missing"].pk
    response = client.post(url(branch), {f"o{pk}-children": "4"})
    assert response.status_code == 400
    assert not Attendance.objects.filter(occurrence=rows["missing"]).exists()


def test_another_branchs_occurrence_posted_by_hand_is_refused(client, staff_user, branch, rows):
    client.force_login(staff_user)
    response = client.post(
        url(branch),
        {f"o{rows['elsewhere'].pk}-total": "99", f"o{rows['missing'].pk}-total": "5"},
    )
    assert response.status_code == 200
    assert not Attendance.objects.filter(occurrence=rows["elsewhere"]).exists()
    assert Attendance.objects.get(occurrence=rows["missing"]).total == 5
    html = response.content.decode()
    assert "Denne forekomst er ikke på Jyllinge Bibliotek." in html
    # posting to the other branch's screen is refused outright
    elsewhere = rows["elsewhere"]
    response = client.post(url(elsewhere.event.branch), {f"o{elsewhere.pk}-total": "9"})
    assert response.status_code == 403
    assert not Attendance.objects.filter(occurrence=rows["elsewhere"]).exists()


def test_future_or_cancelled_ones_posted_by_hand_are_refused(client, staff_user, branch, rows):
    client.force_login(staff_user)
    response = client.post(
        url(branch),
        {f"o{rows['future'].pk}-total": "5", f"o{rows['cancelled'].pk}-total": "5"},
    )
    assert response.status_code == 400
    refused = [rows["future"], rows["cancelled"]]
    assert not Attendance.objects.filter(occurrence__in=refused).exists()


def test_dashboard_missing_attendance_links_lead_to_the_screen(client, management_user, rows):
    client.force_login(management_user)
    year = rows["missing"].local_date.year
    html = client.get(reverse("pages:dashboard"), {"year": year, "period": "year"}).content.decode()
    section = html[html.index('id="missing-title"') :]
    screen = url(rows["missing"].event.branch)
    assert f'href="{screen}#o{rows["missing"].pk}"' in section
    assert f'href="{rows["missing"].event.get_absolute_url()}"' not in section
    # the anchor names a row of that screen
    assert f'id="o{rows["missing"].pk}"' in client.get(screen).content.decode()


def test_management_chooses_among_every_branch_read_only(client, management_user, rows):
    client.force_login(management_user)
    html = client.get(reverse("pages:attendance-index")).content.decode()
    assert url(rows["missing"].event.branch) in html
    assert url(rows["elsewhere"].event.branch) in html
    assert "kun læseadgang" in html
    assert f'href="{reverse("pages:attendance-index")}"' in html  # in the navigation


def test_staff_without_a_branch_are_told_so(client, db):
    user = factories.UserFactory(username="uden-sted", groups=["staff"])
    client.force_login(user)
    html = client.get(reverse("pages:attendance-index")).content.decode()
    assert "Du er endnu ikke medarbejder på et bibliotek" in html


def test_dashboard_links_staff_to_their_own_screens_only(client, staff_user, rows):
    client.force_login(staff_user)
    year = rows["missing"].local_date.year
    html = client.get(reverse("pages:dashboard"), {"year": year, "period": "year"}).content.decode()
    section = html[html.index('id="missing-title"') :]
    assert f'href="{url(rows["missing"].event.branch)}#o{rows["missing"].pk}"' in section
    elsewhere = rows["elsewhere"]
    assert url(elsewhere.event.branch) not in section  # that screen would refuse them
    assert f'href="{elsewhere.event.get_absolute_url()}"' in section
