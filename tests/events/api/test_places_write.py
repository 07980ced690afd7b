"""Branches, bookmobile stops and rooms are written through the API by administrators only,
validated by the service (naming the field), and a place still in use is not deleted."""

from __future__ import annotations

import pytest

from events.models import Branch, Room, Stop
from tests import factories
from tests.conftest import require, uses_postgres
from tests.factories import make_event

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_changes_and_deletes_a_branch(admin_client_api):
    response = admin_client_api.post(
        "/api/v1/branches/",
        {"slug": "ny-bib", "name": "Nyt Bibliotek", "url": "", "email": "ny@example.org"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "ny-bib"
    response = admin_client_api.patch("/api/v1/branches/ny-bib/", {"city": "Roskilde"})
    assert response.status_code == 200, response.content
    assert Branch.objects.get(slug="ny-bib").city == "Roskilde"
    assert admin_client_api.delete("/api/v1/branches/ny-bib/").status_code == 204
    assert not Branch.objects.filter(slug="ny-bib").exists()


def test_stops_and_rooms(admin_client_api, branch, bookmobile):
    stop = admin_client_api.post(
        "/api/v1/stops/", {"slug": "svogerslev", "name": "Svogerslev", "branch": bookmobile.slug}
    )
    assert stop.status_code == 201, stop.content
    assert Stop.objects.get(slug="svogerslev").branch == bookmobile
    room = admin_client_api.post(
        "/api/v1/rooms/", {"branch": branch.slug, "name": "Salen", "capacity": 40}
    )
    assert room.status_code == 201, room.content
    room_id = room.json()["id"]
    assert admin_client_api.get(f"/api/v1/rooms/{room_id}/").json()["branch"] == branch.slug
    changed = admin_client_api.patch(f"/api/v1/rooms/{room_id}/", {"capacity": 50})
    assert changed.status_code == 200
    assert Room.objects.get(pk=room_id).capacity == 50


@pytest.mark.parametrize("client_name", ["anon_client", "staff_client", "management_client"])
def test_others_may_not_write(request, client_name, branch):
    client = request.getfixturevalue(client_name)
    assert client.post("/api/v1/branches/", {"slug": "x", "name": "X"}).status_code in (401, 403)
    assert client.patch(f"/api/v1/branches/{branch.slug}/", {"name": "Y"}).status_code in (
        401,
        403,
    )
    assert client.delete(f"/api/v1/branches/{branch.slug}/").status_code in (401, 403)
    assert client.post("/api/v1/rooms/", {"branch": branch.slug, "name": "Z"}).status_code in (
        401,
        403,
    )
    assert Branch.objects.get(slug=branch.slug).name == "Jyllinge Bibliotek"
    assert not Room.objects.exists()
    assert client.get("/api/v1/rooms/").status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/branches/", {"slug": "jyllinge", "name": "Igen"}, "slug"),
        ("/api/v1/branches/", {"slug": "ikke en slug", "name": "X"}, "slug"),
        ("/api/v1/branches/", {"slug": "x", "name": "X", "email": "nope"}, "email"),
        ("/api/v1/branches/", {"slug": "x", "name": "X", "url": "nope"}, "url"),
        ("/api/v1/branches/", {"slug": "x", "name": "X", "kind": "castle"}, "kind"),
        ("/api/v1/branches/", {"slug": "x", "name": 5}, "name"),
        ("/api/v1/branches/", {"slug": "x", "name": "X", "colour": "red"}, "colour"),
        ("/api/v1/stops/", {"slug": "s", "name": "S", "branch": "jyllinge"}, "branch"),
        ("/api/v1/stops/", {"slug": "s", "name": "S", "branch": "a\x00b"}, "branch"),
        ("/api/v1/rooms/", {"branch": "jyllinge", "name": "Salen"}, "non_field_errors"),
        ("/api/v1/rooms/", {"branch": "atlantis", "name": "Salen"}, "branch"),
    ],
)
def test_invalid_places_are_a_400_naming_the_field(admin_client_api, branch, url, body, field):
    factories.RoomFactory(branch=branch, name="Salen")
    before = (Branch.objects.count(), Stop.objects.count(), Room.objects.count())
    response = admin_client_api.post(url, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (Branch.objects.count(), Stop.objects.count(), Room.objects.count()) == before


def test_a_nul_in_a_new_slug_is_a_400(admin_client_api, branch):
    require(uses_postgres(), "PostgreSQL refuses NUL in a query; SQLite lets it through")
    response = admin_client_api.post("/api/v1/branches/", {"slug": "a\x00b", "name": "X"})
    assert response.status_code == 400
    assert "slug" in response.json()


def test_a_place_in_use_is_not_deleted(admin_client_api, branch, bookmobile):
    make_event(branch=branch, title="Læsekreds")
    response = admin_client_api.delete(f"/api/v1/branches/{branch.slug}/")
    assert response.status_code == 400
    assert Branch.objects.filter(pk=branch.pk).exists()
    factories.StopFactory(branch=bookmobile, slug="vindinge")
    response = admin_client_api.patch(f"/api/v1/branches/{bookmobile.slug}/", {"kind": "library"})
    assert response.status_code == 400
    assert "kind" in response.json()
