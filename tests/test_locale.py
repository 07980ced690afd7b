"""Danish first: pages and feeds ignore the browser's Accept-Language; the language switch
(cookie) chooses English; the API follows Accept-Language for its messages."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_danish_even_for_an_english_browser(client):
    html = client.get(reverse("pages:calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="da">' in html


def test_the_language_switch_chooses_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("pages:calendar"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Choose at least one track."), ("da", "Vælg mindst ét spor.")],
)
def test_api_messages_follow_accept_language(admin_client_api, branch, language, expected):
    response = admin_client_api.post(
        "/api/v1/events/",
        {
            "branch": branch.slug,
            "title": "Læsekreds",
            "start": "2027-02-02T19:00:00+01:00",
            "end": "2027-02-02T21:00:00+01:00",
            "tracks": [],
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert expected in str(response.json())
