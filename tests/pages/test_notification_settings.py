"""The staff's own notification settings (/personale/notifikationer/) and the administrators'
view of everyone's in the admin."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tasks.models import NotificationPreference
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/personale/notifikationer/"


def test_the_url_is_the_danish_staff_path():
    assert reverse("pages:notification-settings") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/?next=/personale/notifikationer/")


def test_a_user_without_a_role_is_refused(client):
    client.force_login(factories.UserFactory(username="borger"))
    assert client.get(URL).status_code == 403


def test_staff_see_their_branches_and_the_defaults(client, staff_user):
    client.force_login(staff_user)
    html = client.get(URL).content.decode()

    assert "Jyllinge Bibliotek" in html
    assert "staff-jyllinge@example.org" in html
    checkbox = re.search(r'<input type="checkbox" name="attendance_digest"[^>]*>', html)
    assert checkbox is not None
    assert " checked" in checkbox[0]  # the digest is on until one opts out
    radios = dict(re.findall(r'<input type="radio" name="language" value="(\w+)"([^>]*)>', html))
    assert set(radios) == {"da", "en"}
    assert "checked" in radios["da"]
    assert "checked" not in radios["en"]


def test_staff_opt_out_and_choose_english_for_themselves_only(client, staff_user, other_staff_user):
    client.force_login(staff_user)
    response = client.post(URL, {"language": "en", "user": other_staff_user.pk})

    assert response.status_code == 302
    assert response["Location"] == URL
    mine = NotificationPreference.objects.get(user=staff_user)
    assert (mine.attendance_digest, mine.language) == (False, "en")
    assert not NotificationPreference.objects.filter(user=other_staff_user).exists()
    html = client.get(URL).content.decode()
    assert "Dine indstillinger for notifikationer er gemt." in html

    client.post(URL, {"attendance_digest": "on", "language": "da"})
    mine.refresh_from_db()
    assert (mine.attendance_digest, mine.language) == (True, "da")


def test_a_bad_language_is_refused_with_a_message_and_changes_nothing(client, staff_user):
    NotificationPreference.objects.create(user=staff_user, language="en")
    client.force_login(staff_user)

    response = client.post(URL, {"attendance_digest": "on", "language": "fr"})

    assert response.status_code == 400
    assert "Vælg dansk eller engelsk." in response.content.decode()
    assert NotificationPreference.objects.get(user=staff_user).language == "en"


def test_management_without_a_branch_is_told_no_digest_comes(client, management_user):
    client.force_login(management_user)
    html = client.get(URL).content.decode()
    assert "Du er ikke personale på noget bibliotek" in html


def test_the_attendance_screens_link_to_it(client, staff_user, branch):
    client.force_login(staff_user)
    for page in (reverse("pages:attendance", kwargs={"slug": branch.slug}),):
        assert f'href="{URL}"' in client.get(page).content.decode()


def test_an_administrator_sets_anyones_preference_in_the_admin(client, admin_user, staff_user):
    client.force_login(admin_user)
    changelist = client.get("/admin/tasks/notificationpreference/")
    assert changelist.status_code == 200
    assert f'href="{URL}"' in changelist.content.decode()

    response = client.post(
        "/admin/tasks/notificationpreference/add/",
        {"user": staff_user.pk, "attendance_digest": "", "language": "en"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    saved = NotificationPreference.objects.get(user=staff_user)
    assert (saved.attendance_digest, saved.language) == (False, "en")
    assert client.get("/admin/tasks/digestentry/").status_code == 200
