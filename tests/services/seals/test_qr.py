"""The verification link's QR code: the symbol segno makes (mask chosen by the same penalties), drawn
with the pixels segno's PNG writer gives."""
from __future__ import annotations

import io
import random

import pytest
import segno
from PIL import Image

from app.services.seals import documents, pdf, qr

BASES = ["http://127.0.0.1:8000", "https://zwfw.xuhui.gov.cn",
         "https://a.very.long.host.name.example.gov.cn:8443/portal/with/a/long/path/prefix"]  # versions 4 to 8


@pytest.mark.parametrize("base", BASES)
def test_the_same_symbol_as_segno_makes(base):
    rnd = random.Random(base)
    masks = set()
    for _ in range(40):
        url = f"{base}/verify/documents/{''.join(rnd.choice(documents.DOCUMENT_ID_ALPHABET) for _ in range(20))}"
        theirs = segno.make(url, error="m", micro=False)
        assert tuple(qr.matrix(url)) == tuple(theirs.matrix), url
        masks.add(theirs.mask)
    assert len(masks) >= 2  # the winner varies: the choice is really made, not one mask every time


@pytest.mark.parametrize("mask", range(8))
@pytest.mark.parametrize("base", BASES)
def test_penalty_is_segnos_score(base, mask):
    code = segno.make(f"{base}/verify/documents/23456789ABCDEFGHJKMN", error="m", micro=False, mask=mask)
    rows = [bytes(row) for row in code.matrix]
    assert qr.penalty(rows) == sum(segno.encoder.mask_scores(code.matrix, len(rows), len(rows)))


def test_image_has_the_pixels_of_segnos_png():
    url = "http://127.0.0.1:8000/verify/documents/ABCDEFGHJK2345678923"
    png = io.BytesIO()
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=6, border=2)
    theirs = Image.open(io.BytesIO(png.getvalue())).convert("1")
    ours = pdf.qr_image(url)
    assert ours.size == theirs.size and ours.tobytes() == theirs.tobytes()
