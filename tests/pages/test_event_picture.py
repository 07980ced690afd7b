"""An event's picture on the pages: on the event page (alt text, width and height, a srcset
with the thumbnail), as a lazy thumbnail in the lists, and as ``image`` in the JSON-LD."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.factories import BranchFactory, make_event
from tests.pages.conftest import jsonld_blocks, soon
from tests.pictures import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictured(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        return make_event(
            branch=BranchFactory(slug="viby", name="Viby Bibliotek"),
            title="Lego-klub",
            start=soon(3, 16),
            image=upload(),
            image_alt='Børn bygger med LEGO & "Duplo"',
        )


def _img(html: str, css_class: str | None = None) -> dict[str, str]:
    for tag in re.findall(r"<img\b[^>]*>", html):
        attrs = {k: html_lib.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', tag)}
        if css_class is None or attrs.get("class") == css_class:
            return attrs
    raise AssertionError("no picture")


def test_event_page_shows_the_picture_with_alt_and_size(client, pictured):
    html = client.get(pictured.get_absolute_url()).content.decode()
    img = _img(html)
    assert img["src"] == pictured.image.url
    assert img["alt"] == 'Børn bygger med LEGO & "Duplo"'  # escaped in the HTML, read back
    assert (img["width"], img["height"]) == ("1200", "1800")
    assert img["srcset"] == (f"{pictured.image_thumbnail.url} 400w, {pictured.image.url} 1200w")


def test_event_page_jsonld_has_the_image(client, pictured):
    html = client.get(pictured.get_absolute_url()).content.decode()
    [data] = jsonld_blocks(html)
    assert data["image"] == ["http://testserver" + pictured.image.url]  # as absolute as "url"
    assert data["url"].startswith("http://testserver/")
    assert data["name"] == "Lego-klub"


@pytest.mark.parametrize("url", ["/", "/biblioteker/viby/"])
def test_lists_show_a_lazy_thumbnail(client, pictured, url):
    html = client.get(url).content.decode()
    img = _img(html, "occ-picture")
    assert img["src"] == pictured.image_thumbnail.url
    assert img["alt"] == 'Børn bygger med LEGO & "Duplo"'
    assert (img["width"], img["height"], img["loading"]) == ("400", "600", "lazy")


def test_an_event_without_a_picture_has_no_img_and_no_jsonld_image(client, db):
    event = make_event(branch=BranchFactory(), start=soon(2))
    html = client.get(event.get_absolute_url()).content.decode()
    assert 'class="event-picture"' not in html
    assert "occ-picture" not in html
    assert "image" not in jsonld_blocks(html)[0]


def test_the_picture_file_is_served(client, pictured):
    response = client.get(pictured.image.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"  # a JPEG
