"""The visible seal: a round red stamp, the organisation's Chinese name around a five-pointed star."""
from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from app.services.seals.fonts import cjk_font_path

RED = (208, 24, 24, 235)
SIZE = 360  # pixels; drawn 4 cm wide in the PDF ≈ 230 dpi


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


def _star(cx: float, cy: float, r_outer: float) -> list[tuple[float, float]]:
    r_inner = r_outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        r = r_outer if i % 2 == 0 else r_inner
        a = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def _glyph(char: str, size: int) -> Image.Image:
    font = _font(size)
    box = font.getbbox(char)
    w, h = max(box[2] - box[0], 1), max(box[3] - box[1], 1)
    img = Image.new("RGBA", (w + 8, h + 8), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((4 - box[0], 4 - box[1]), char, font=font, fill=RED)
    return img


def render_seal_png(name: str, label: str = "") -> bytes:
    """PNG bytes of the stamp; `label` is an optional line under the star (e.g. 电子印章)."""
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = SIZE / 2
    border = SIZE * 0.035
    draw.ellipse((border / 2, border / 2, SIZE - border / 2, SIZE - border / 2), outline=RED, width=int(border))
    draw.polygon(_star(c, c, SIZE * 0.16), fill=RED)

    chars = list(name.strip()) or ["印"]
    # Characters stand on an arc over the top, spanning wider for longer names (max 260°).
    span = min(260.0, 24.0 * len(chars) + 40)
    glyph_size = int(SIZE * (0.13 if len(chars) <= 10 else 0.105 if len(chars) <= 14 else 0.085))
    radius = SIZE / 2 - border - glyph_size * 0.75
    step = span / max(len(chars) - 1, 1)
    start = -90 - span / 2 if len(chars) > 1 else -90
    for i, ch in enumerate(chars):
        angle = start + i * step
        g = _glyph(ch, glyph_size).rotate(-(angle + 90), resample=Image.BICUBIC, expand=True)
        x = c + radius * math.cos(math.radians(angle)) - g.width / 2
        y = c + radius * math.sin(math.radians(angle)) - g.height / 2
        img.alpha_composite(g, (int(round(x)), int(round(y))))
    if label:
        font = _font(int(SIZE * 0.075))
        w = draw.textlength(label, font=font)
        draw.text((c - w / 2, c + SIZE * 0.2), label, font=font, fill=RED)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
