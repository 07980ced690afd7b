"""Pictures for the tests, drawn with Pillow: a photo with EXIF (camera, GPS position and a
rotation), a transparent PNG, and files that are not pictures at all."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

ORIENTATION_ROTATED_90 = 6  # EXIF: the camera was turned; shown upright the photo is tall


def photo_bytes(width: int = 3000, height: int = 2000, *, rotated: bool = True) -> bytes:
    """A JPEG as a phone makes it: EXIF with the camera's make, a GPS position and an
    orientation; a red band at the top of the stored pixels tells which way is up."""
    picture = Image.new("RGB", (width, height), (40, 90, 160))
    ImageDraw.Draw(picture).rectangle([0, 0, width, height // 10], fill=(220, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Secret Phone 12"  # Model
    if rotated:
        exif[0x0112] = ORIENTATION_ROTATED_90
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (55.0, 38.0, 30.0)  # near Roskilde Cathedral
    gps[3], gps[4] = "E", (12.0, 4.0, 50.0)
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def upload(data: bytes | None = None, name: str = "photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else photo_bytes(), content_type)


def png_bytes(width: int, height: int, mode: str = "RGBA") -> bytes:
    picture = Image.new(mode, (width, height))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
