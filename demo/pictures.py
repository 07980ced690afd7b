"""Pictures for a few demo events, drawn with Pillow: the same picture every time (no
randomness, no fonts from the system), each with the alt text staff would write."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

SIZE = (1200, 800)


def _knitting(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, 0, 1200, 800], fill=(244, 226, 206))
    for n, colour in enumerate([(196, 62, 62), (62, 110, 170), (224, 170, 50)]):
        x = 300 + n * 300
        draw.ellipse([x - 120, 330, x + 120, 570], fill=colour)
        for k in range(-100, 101, 25):  # the yarn's turns
            draw.arc(
                [x - 120, 330 + 0, x + 120, 570],
                200 + k // 4,
                340 + k // 4,
                fill=(255, 255, 255),
                width=3,
            )
    draw.line([180, 250, 520, 650], fill=(120, 80, 40), width=12)
    draw.line([260, 220, 560, 640], fill=(120, 80, 40), width=12)


def _chess(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, 0, 1200, 800], fill=(60, 70, 80))
    for row in range(8):
        for col in range(8):
            dark = (row + col) % 2
            x, y = 280 + col * 80, 80 + row * 80
            draw.rectangle([x, y, x + 80, y + 80], fill=(118, 86, 58) if dark else (236, 218, 185))
    for x, y, white in [(440, 300, True), (600, 380, False), (760, 220, True)]:
        fill = (250, 250, 250) if white else (20, 20, 20)
        draw.ellipse([x - 25, y - 60, x + 25, y - 10], fill=fill)
        draw.polygon([(x - 35, y + 40), (x + 35, y + 40), (x, y - 20)], fill=fill)


def _story(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, 0, 1200, 800], fill=(203, 230, 245))
    draw.polygon([(600, 200), (250, 620), (600, 560)], fill=(255, 255, 255), outline=(80, 80, 80))
    draw.polygon([(600, 200), (950, 620), (600, 560)], fill=(250, 248, 240), outline=(80, 80, 80))
    for n in range(6):
        draw.line([330 + n * 20, 560 - n * 40, 580, 500 - n * 40], fill=(150, 150, 150), width=4)
    draw.ellipse([860, 80, 1020, 240], fill=(255, 205, 60))


def _code(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, 0, 1200, 800], fill=(30, 34, 48))
    draw.rounded_rectangle([200, 120, 1000, 620], radius=24, fill=(48, 54, 74))
    colours = [(120, 200, 120), (240, 180, 90), (130, 170, 240), (230, 110, 140)]
    for line in range(9):
        indent = (line % 3) * 40
        width = 200 + (line * 97) % 380
        draw.rounded_rectangle(
            [250 + indent, 160 + line * 48, 250 + indent + width, 184 + line * 48],
            radius=8,
            fill=colours[line % 4],
        )
    draw.rectangle([480, 620, 720, 700], fill=(70, 76, 96))


# event key -> (drawing, alt text in Danish, as staff write it)
PICTURES: dict[str, tuple[Callable[[ImageDraw.ImageDraw], None], str]] = {
    "jyllinge-strikkecafe": (_knitting, "Tre garnnøgler i rødt, blåt og gult med strikkepinde"),
    "viby-skak": (_chess, "Et skakbræt med tre brikker midt i et parti"),
    "viby-fortaellestund": (_story, "En opslået billedbog under en gul sol"),
    "roskilde-kodeklub": (_code, "En skærm med farvede linjer af programkode"),
}


def picture_for(key: str) -> tuple[ContentFile, str] | None:
    """The demo picture of an event (a PNG to upload) and its alt text, or None."""
    if key not in PICTURES:
        return None
    drawing, alt = PICTURES[key]
    picture = Image.new("RGB", SIZE)
    drawing(ImageDraw.Draw(picture))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return ContentFile(out.getvalue(), name=f"{key}.png"), alt
