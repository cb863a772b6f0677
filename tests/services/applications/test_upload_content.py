"""Uploads are decoded, not sniffed: what does not open, or opens with scripts, attachments,
encryption or too many pixels, is refused; real PDFs, JPEGs and PNGs pass."""
import io

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from app.core.config import get_settings
from app.services.applications.uploads import check_upload
from tests.services.applications.helpers import create, tiny_pdf


def _n(name: str) -> NameObject:
    return NameObject(name)


def _pdf(change) -> bytes:
    """A real one-page PDF, changed by `change(writer)` and written out again."""
    writer = PdfWriter(clone_from=io.BytesIO(tiny_pdf()))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action(writer) -> DictionaryObject:
    return writer._add_object(DictionaryObject({_n("/S"): _n("/JavaScript"), _n("/JS"): TextStringObject("app.alert(1)")}))


def _annotation(writer, **entries) -> None:
    annot = DictionaryObject({_n("/Type"): _n("/Annot"), _n("/Rect"): ArrayObject([FloatObject(0)] * 4),
                              **{_n("/" + k): v for k, v in entries.items()}})
    writer.pages[0][_n("/Annots")] = ArrayObject([writer._add_object(annot)])


def _document_js(writer):
    tree = DictionaryObject({_n("/Names"): ArrayObject([TextStringObject("x"), _js_action(writer)])})
    writer._root_object[_n("/Names")] = DictionaryObject({_n("/JavaScript"): tree})


def _open_action_js(writer):
    writer._root_object[_n("/OpenAction")] = _js_action(writer)


def _link_js(writer):
    _annotation(writer, Subtype=_n("/Link"), A=_js_action(writer))


def _page_open_js(writer):  # additional actions of a page (/AA /O)
    writer.pages[0][_n("/AA")] = DictionaryObject({_n("/O"): _js_action(writer)})


def _launch(writer):
    writer._root_object[_n("/OpenAction")] = DictionaryObject(
        {_n("/S"): _n("/Launch"), _n("/F"): TextStringObject("cmd.exe")})


def _attachment(writer):
    writer.add_attachment("invoice.exe", b"MZ\x90\x00")


def _file_annotation(writer):
    _annotation(writer, Subtype=_n("/FileAttachment"))


def _encrypted(writer):
    writer.encrypt(user_password="", owner_password="owner")  # opens without a prompt, still encrypted


def _image(fmt: str, size=(40, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode == "RGB" else 1).save(out, fmt)
    return out.getvalue()


def _refusal(content: bytes):
    with pytest.raises(Exception) as caught:
        check_upload(content)
    return caught.value.status_code, caught.value.code, caught.value.message


@pytest.mark.parametrize("change, words", [
    (_document_js, "脚本"), (_open_action_js, "脚本"), (_link_js, "脚本"), (_page_open_js, "脚本"),
    (_launch, "脚本"), (_attachment, "附件"), (_file_annotation, "附件"), (_encrypted, "加密"),
])
def test_pdfs_with_scripts_attachments_or_encryption_are_422(change, words):
    status, code, message = _refusal(_pdf(change))
    assert (status, code) == (422, "upload_refused") and words in message


@pytest.mark.parametrize("content, words", [
    (b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n", "PDF文件无法打开"),
    (tiny_pdf()[:400] + b"\n%%EOF\n", "PDF文件无法打开"),
    (_image("PNG")[:33] + b"junk" * 200, "图片文件无法打开"),
    (_image("PNG")[:-40], "图片文件无法打开"),  # pixel data cut short
    (b"\xff\xd8\xff\xe0" + b"junk" * 200, "图片文件无法打开"),
])
def test_headers_over_junk_are_415(content, words):
    status, code, message = _refusal(content)
    assert (status, code) == (415, "unsupported_file_type") and words in message


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _image("PNG", size=(8000, 8000), mode="1")  # 64 megapixels in a few tens of KB
    assert len(bomb) < 64 * 1024
    status, code, message = _refusal(bomb)
    assert (status, code) == (422, "upload_refused") and "40,000,000像素" in message


def test_pillows_own_bomb_limit_is_caught_as_422():
    huge = _image("PNG", size=(20000, 10000), mode="1")  # beyond Pillow's 2 × MAX_IMAGE_PIXELS: it raises on open
    assert _refusal(huge)[:2] == (422, "upload_refused")


def test_pixel_limit_is_configurable(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_image_pixels", 1000)
    assert _refusal(_image("JPEG", size=(40, 30)))[0] == 422
    assert check_upload(_image("JPEG", size=(20, 20))).media_type == "image/jpeg"


@pytest.mark.parametrize("content, media_type", [
    (tiny_pdf(), "application/pdf"), (_image("JPEG"), "image/jpeg"), (_image("PNG"), "image/png"),
])
def test_real_small_files_pass(content, media_type):
    assert check_upload(content).media_type == media_type


def test_errors_are_in_english_for_english_clients(client, auth):
    h = auth("citizen-young")
    app = create(client, h, "temporary-assistance").json()
    mat = next(m["id"] for m in app["materials"] if m["source"] == "upload")
    url = f"/api/v1/applications/{app['number']}/materials/{mat}"
    r = client.post(url, headers={**h, "Accept-Language": "en"},
                    files={"file": ("a.pdf", io.BytesIO(_pdf(_open_action_js)), "application/pdf")})
    assert r.status_code == 422
    assert r.json() == {"error": "upload_refused",
                        "detail": "The PDF contains scripts or actions that run on their own; it is not accepted"}
    r = client.post(url, headers=h, files={"file": ("a.pdf", io.BytesIO(_pdf(_open_action_js)), "application/pdf")})
    assert r.json()["detail"] == "PDF文件含有脚本或自动执行的动作，不予接收"
    r = client.post(url, headers=h, files={"file": ("photo.jpg", io.BytesIO(_image("JPEG")), "image/jpeg")})
    assert r.status_code == 201
    assert next(m for m in r.json()["materials"] if m["id"] == mat)["file_name"].endswith(".jpg")
