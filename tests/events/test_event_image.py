"""An event's picture: optional, with alt text required; resized with Pillow to a 1200 px
JPEG and a 400 px thumbnail, upright, without the upload's EXIF; refused with a reason when
it is not a picture, too large or too big in pixels; through the service, the admin and the
API (400 naming the field). Files are written when the save commits and removed with it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from PIL import Image

from events import services
from events.models import Event
from tests.events.test_admin import _event_post, _login
from tests.factories import make_event
from tests.pictures import photo_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_media_root_in_english(settings, tmp_path, staff_client, other_staff_client):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for client in (staff_client, other_staff_client):
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        yield


def _files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _stored(field) -> Image.Image:
    with field.open("rb") as f:
        picture = Image.open(io.BytesIO(f.read()))
        picture.load()
    return picture


def test_a_picture_is_resized_upright_and_stripped_of_its_exif(
    branch, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(branch=branch, image=upload(), image_alt="  Børn bygger med LEGO  ")
    event.refresh_from_db()
    # 3000 x 2000 turned by its EXIF orientation is 2000 x 3000, made 1200 wide.
    assert (event.image_width, event.image_height) == (1200, 1800)
    assert event.image_alt == "Børn bygger med LEGO"
    large, thumbnail = _stored(event.image), _stored(event.image_thumbnail)
    assert (large.format, large.size) == ("JPEG", (1200, 1800))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (400, 600))
    assert event.thumbnail_size == (400, 600)
    for picture in (large, thumbnail):
        assert "exif" not in picture.info
        assert dict(picture.getexif()) == {}
    # Upright: the red band (the top of the stored pixels) is now on the right side.
    red, _green, blue = large.convert("RGB").getpixel((1190, 900))
    assert red > 180
    assert blue < 90
    raw = Path(settings.MEDIA_ROOT, event.image.name).read_bytes()
    assert b"PhoneMaker" not in raw
    assert b"Secret Phone" not in raw


def test_a_picture_needs_alt_text_and_nothing_is_stored_without_it(branch, settings):
    before = _files(settings)
    with pytest.raises(ValidationError) as error:
        make_event(branch=branch, image=upload(), image_alt="   ")
    assert "image_alt" in error.value.message_dict
    assert Event.objects.count() == 0
    assert _files(settings) == before


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4 not a picture", "not a picture we can read"),
        (png_bytes(8000, 6000, mode="1"), "too many pixels (8000 x 6000)"),
        (png_bytes(20000, 20000, mode="1"), "too many pixels"),  # Pillow's "bomb" limit
        (png_bytes(120, 80), "too small"),
    ],
    ids=["not-a-picture", "forty-eight-megapixels", "four-hundred-megapixels", "tiny"],
)
def test_what_cannot_be_used_is_refused_with_a_reason(branch, data, reason):
    with pytest.raises(ValidationError) as error:
        make_event(branch=branch, image=upload(data, name="x.png"), image_alt="Et billede")
    assert reason in " ".join(error.value.message_dict["image"])


def test_a_file_over_the_limit_is_refused(branch, settings):
    settings.EVENT_IMAGE_MAX_BYTES = 50_000
    with pytest.raises(ValidationError) as error:
        make_event(branch=branch, image=upload(), image_alt="Et billede")
    assert "too large" in error.value.message_dict["image"][0]


def test_transparent_png_is_flattened_on_white(branch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(branch=branch, image=upload(png_bytes(600, 400), "a.png"), image_alt="x")
    assert _stored(event.image).getpixel((10, 10)) == (255, 255, 255)
    assert (event.image_width, event.image_height) == (600, 400)  # never upscaled


def test_replacing_and_clearing_remove_the_old_files(
    branch, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(branch=branch, image=upload(), image_alt="Første")
    first = {event.image.name, event.image_thumbnail.name}
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_update(event=event, image=upload(photo_bytes(900, 600)))
    assert first.isdisjoint(_files(settings))
    assert {event.image.name, event.image_thumbnail.name} <= set(_files(settings))
    assert event.image_alt == "Første"  # the description stays with a new picture
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_update(event=event, image=None)
    event.refresh_from_db()
    assert not event.image
    assert not event.image_thumbnail
    assert event.image_alt == ""
    assert _files(settings) == []


def test_removing_the_alt_text_of_a_picture_is_refused(branch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(branch=branch, image=upload(), image_alt="Et billede")
    with pytest.raises(ValidationError) as error:
        services.event_update(event=event, image_alt="")
    assert "image_alt" in error.value.message_dict


def test_a_copy_gets_its_own_picture(branch, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(branch=branch, image=upload(), image_alt="Et billede")
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.event_copy(event=event, start=event.start.replace(year=2027), user=None)
    assert copy.image.name != event.image.name
    assert copy.image_alt == "Et billede"
    assert _stored(copy.image).size == (1200, 1800)


# --- API ----------------------------------------------------------------------------------


def _image_url(event: Event) -> str:
    return f"/api/v1/events/{event.pk}/image/"


def test_api_sets_and_removes_a_picture(staff_client, branch, settings):
    event = make_event(branch=branch)
    response = staff_client.post(
        _image_url(event),
        {"image": upload(), "image_alt": "Børn bygger med LEGO"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    picture = response.json()["image"]
    assert picture["width"] == 1200
    assert picture["height"] == 1800
    assert picture["alt"] == "Børn bygger med LEGO"
    assert picture["thumbnail"]["width"] == 400
    assert picture["url"].startswith("http")
    assert picture["url"].endswith(".jpg")
    # what the API lists for everyone
    listed = staff_client.get(f"/api/v1/events/{event.pk}/").json()
    assert listed["image"] == picture
    response = staff_client.delete(_image_url(event))
    assert response.status_code == 200
    assert response.json()["image"] is None


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"image_alt": "Et billede"}, "image", "No file"),
        ({"image": "photo"}, "image", ""),
        ({"image": "FILE"}, "image_alt", "required"),
        ({"image": b"GIF89a broken", "image_alt": "Et billede"}, "image", "picture we can read"),
    ],
    ids=["no-file", "not-a-file", "no-alt", "broken-file"],
)
def test_api_refuses_a_bad_picture_naming_the_field(staff_client, branch, body, field, reason):
    event = make_event(branch=branch)
    body = dict(body)
    if body.get("image") == "FILE":
        body["image"] = upload()
    elif isinstance(body.get("image"), bytes):
        body["image"] = upload(body["image"], name="x.gif", content_type="image/gif")
    response = staff_client.post(_image_url(event), body, format="multipart")
    assert response.status_code == 400, response.content
    assert reason in " ".join(response.json()[field])
    event.refresh_from_db()
    assert not event.image


def test_api_alt_text_cannot_be_emptied_while_there_is_a_picture(staff_client, branch):
    event = make_event(branch=branch)
    staff_client.post(
        _image_url(event), {"image": upload(), "image_alt": "Et billede"}, format="multipart"
    )
    response = staff_client.patch(f"/api/v1/events/{event.pk}/", {"image_alt": ""}, format="json")
    assert response.status_code == 400
    assert "image_alt" in response.json()


def test_api_staff_of_another_branch_cannot_set_a_picture(other_staff_client, branch):
    event = make_event(branch=branch)
    response = other_staff_client.post(
        _image_url(event), {"image": upload(), "image_alt": "x"}, format="multipart"
    )
    assert response.status_code == 403


def test_api_upload_larger_than_the_json_limit_is_taken(staff_client, branch, settings):
    """The 1 MiB request limit is for JSON; a picture may be up to EVENT_IMAGE_MAX_BYTES."""
    import os

    event = make_event(branch=branch)
    from PIL import Image as PILImage

    noisy = PILImage.frombytes("RGB", (1400, 1000), os.urandom(1400 * 1000 * 3))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    assert out.tell() > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = staff_client.post(
        _image_url(event),
        {"image": upload(out.getvalue()), "image_alt": "Støj"},
        format="multipart",
    )
    assert response.status_code == 200, response.content


# --- admin --------------------------------------------------------------------------------


def test_admin_sets_a_picture_and_requires_its_alt_text(
    staff_user, branch, django_capture_on_commit_callbacks
):
    event = make_event(branch=branch)
    url = reverse("admin:events_event_change", args=[event.pk])
    client = _login(staff_user)
    response = client.post(url, {**_event_post(event), "image": upload(), "image_alt": ""})
    assert response.status_code == 200  # the form again, with the error at the field
    assert "image_alt" in response.context["adminform"].form.errors
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**_event_post(event), "image": upload(), "image_alt": "Et billede"}
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.image_width == 1200
    assert event.image_alt == "Et billede"
    # saving again without a new file keeps the picture
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**_event_post(event), "image_alt": "Et billede", "title": "Ny titel"})
    event.refresh_from_db()
    assert event.title == "Ny titel"
    assert event.image_width == 1200


def test_demo_pictures_are_drawn_the_same_every_time_with_alt_text():
    from demo.pictures import PICTURES, picture_for

    assert len(PICTURES) >= 3
    for key in PICTURES:
        first, alt = picture_for(key)
        again, _alt = picture_for(key)
        assert first.read() == again.read()
        assert len(alt) > 10
    assert picture_for("no-such-event") is None
