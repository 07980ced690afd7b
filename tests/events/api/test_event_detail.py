import pytest

URL = "/api/v1/events/{}/"
pytestmark = pytest.mark.django_db


def test_a_published_event_for_everyone_with_offsets_and_links(anon_client, published):
    response = anon_client.get(URL.format(published.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2027-02-02T19:00:00+01:00"
    assert body["end"] == "2027-02-02T21:00:00+01:00"
    assert body["uid"] == published.uid
    assert {t["slug"] for t in body["tracks"]} == {"fordybelse", "hygge"}
    assert body["links"]["ics"].endswith(f"/feeds/event/{published.pk}.ics")
    assert body["links"]["webcal"].startswith("webcal://")


@pytest.mark.parametrize("client_name", ["anon_client", "other_staff_client"])
def test_a_draft_is_404_for_those_who_may_not_see_it(request, client_name, draft):
    client = request.getfixturevalue(client_name)
    response = client.get(URL.format(draft.pk))
    assert response.status_code == 404
    assert "Hemmelig" not in response.content.decode()


@pytest.mark.parametrize("client_name", ["staff_client", "management_client", "admin_client_api"])
def test_a_draft_is_shown_to_its_branch_management_and_administrators(request, client_name, draft):
    client = request.getfixturevalue(client_name)
    response = client.get(URL.format(draft.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_token_authentication_for_scripts(token_client, draft):
    assert token_client.get(URL.format(draft.pk)).status_code == 200


def test_an_unknown_id_is_404(anon_client):
    assert anon_client.get(URL.format(999999)).status_code == 404
