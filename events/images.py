"""Event pictures: an upload checked and made into the sizes the pages and feeds show.

Pillow does the work (decoding, orientation, resizing, encoding); nothing here resizes by hand.
What is stored is always re-encoded from the pixels: EXIF (camera, GPS position, time) and
any other metadata of the upload never reach the public.

- Refused, with a message naming the field ``image``: a file over ``EVENT_IMAGE_MAX_BYTES``,
  anything Pillow cannot read as JPEG, PNG, WebP or GIF, a picture over
  ``MAX_PIXELS`` (read from the header, before any pixel is decoded, so a "decompression bomb"
  costs nothing) and one smaller than ``MIN_SIDE`` on its short side.
- Made: a large JPEG at most ``LARGE_WIDTH`` wide (event page, JSON-LD, feeds) and a thumbnail
  at most ``THUMBNAIL_WIDTH`` wide (lists), never upscaled.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import IMAGE_LARGE_WIDTH as LARGE_WIDTH
from .models import IMAGE_THUMBNAIL_WIDTH as THUMBNAIL_WIDTH
from .models import scaled_size

MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger ones are refused unread
MIN_SIDE = 200
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
JPEG_QUALITY = 82


@dataclass(frozen=True)
class ProcessedImage:
    large: bytes
    thumbnail: bytes
    width: int
    height: int


def _refuse(message: str) -> ValidationError:
    return ValidationError({"image": [message]}, code="invalid_image")


def _open(upload) -> Image.Image:
    size = getattr(upload, "size", None)
    limit = settings.EVENT_IMAGE_MAX_BYTES
    if size is not None and size > limit:
        raise _refuse(
            _("The picture file is too large (%(size)s); at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(upload)
            width, height = picture.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_("The picture has too many pixels; at most 40 megapixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(
            _("This file is not a picture we can read: use a JPEG, PNG, WebP or GIF file.")
        ) from None
    if picture.format not in FORMATS:
        raise _refuse(
            _("This file is not a picture we can read: use a JPEG, PNG, WebP or GIF file.")
        )
    if width * height > MAX_PIXELS:
        raise _refuse(
            _("The picture has too many pixels (%(width)d x %(height)d); at most 40 megapixels.")
            % {"width": width, "height": height}
        )
    if min(width, height) < MIN_SIDE:
        raise _refuse(
            _("The picture is too small (%(width)d x %(height)d); at least %(min)d pixels.")
            % {"width": width, "height": height, "min": MIN_SIDE}
        )
    return picture


def _rgb(picture: Image.Image) -> Image.Image:
    """Upright (EXIF orientation applied) and in RGB, transparency flattened on white."""
    try:
        # A JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still at least LARGE_WIDTH
        # on both sides, whichever way it is turned: a 12-megapixel photo decodes 4 times faster.
        picture.draft("RGB", (LARGE_WIDTH, LARGE_WIDTH))
        picture.load()
        picture = ImageOps.exif_transpose(picture) or picture
    except (OSError, ValueError, SyntaxError):
        raise _refuse(_("The picture file is damaged; please save it again and retry.")) from None
    if picture.mode in ("RGBA", "LA", "P", "PA"):
        picture = picture.convert("RGBA")
        ground = Image.new("RGB", picture.size, (255, 255, 255))
        ground.paste(picture, mask=picture.getchannel("A"))
        return ground
    return picture.convert("RGB")


def _jpeg(picture: Image.Image, max_width: int) -> bytes:
    size = scaled_size(picture.width, picture.height, max_width)
    if size != picture.size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: the new file carries no metadata of the upload.
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def image_process(upload) -> ProcessedImage:
    """Check an uploaded picture and make its large and thumbnail JPEGs; raises
    ValidationError on ``image`` with the reason when it cannot be used."""
    picture = _rgb(_open(upload))
    large = _jpeg(picture, LARGE_WIDTH)
    width, height = scaled_size(picture.width, picture.height, LARGE_WIDTH)
    return ProcessedImage(
        large=large,
        thumbnail=_jpeg(picture, THUMBNAIL_WIDTH),
        width=width,
        height=height,
    )
