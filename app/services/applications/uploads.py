"""Uploaded materials: decoded, not sniffed. A PDF must open in pypdf and carry no script,
attachment or encryption; an image must decode in Pillow within the pixel limit."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from app.core.config import get_settings
from app.core.errors import TooLarge, ValidationFailed
from app.core.i18n import gettext as _
from app.services.applications.exceptions import BadUpload

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# Keys and values that make a PDF run code or carry other files, wherever they sit
# (catalogue /Names, /OpenAction, annotations' /A and /AA, form fields, file specifications).
SCRIPT_KEYS = {"/JS", "/JavaScript"}
SCRIPT_ACTIONS = {"/JavaScript", "/Launch"}
FILE_KEYS = {"/EmbeddedFiles", "/EF"}
FILE_TYPES = {"/EmbeddedFile", "/FileAttachment"}
MAX_PDF_OBJECTS = 200_000  # a 10 MB file holds far fewer real objects; more is a trap


class RefusedContent(ValidationFailed):
    """A file of an accepted type whose content is not allowed (422)."""
    code = "upload_refused"


@dataclass
class CheckedFile:
    content: bytes
    media_type: str
    extension: str


def sniff(content: bytes) -> tuple[str, str] | None:
    for magic, media_type, ext in SIGNATURES:
        if content.startswith(magic):
            return media_type, ext
    return None


def _not_accepted() -> BadUpload:
    return BadUpload(_("只接受PDF、JPEG或PNG文件（按文件内容判断）"))


def check_upload(content: bytes) -> CheckedFile:
    """Accept a PDF, JPEG or PNG that really decodes; raise a clear 413/415/422 otherwise."""
    settings = get_settings()
    limit = settings.max_upload_bytes
    if len(content) > limit:
        raise TooLarge(_("文件超过{size}MB上限", size=limit // (1024 * 1024)))
    if not content:
        raise ValidationFailed(_("文件为空"))
    kind = sniff(content)
    if kind is None:
        raise _not_accepted()
    media_type, extension = kind
    if media_type == "application/pdf":
        _check_pdf(content)
    else:
        _check_image(content, PILLOW_FORMATS[media_type], settings.max_image_pixels)
    return CheckedFile(content=content, media_type=media_type, extension=extension)


def _check_pdf(content: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise RefusedContent(_("不接受加密或设有密码的PDF文件，请上传未加密的版本"))
        if len(reader.pages) == 0:
            raise BadUpload(_("PDF文件无法打开（已损坏或不完整）"))
        found = _active_content(reader.trailer)
    except (RefusedContent, BadUpload):
        raise
    except Exception:  # pypdf raises many kinds (PdfReadError, ValueError, KeyError, RecursionError…)
        raise BadUpload(_("PDF文件无法打开（已损坏或不完整）")) from None
    if found == "script":
        raise RefusedContent(_("PDF文件含有脚本或自动执行的动作，不予接收"))
    if found == "file":
        raise RefusedContent(_("PDF文件内嵌了其他文件（附件），不予接收"))


def _active_content(root) -> str | None:
    """Walk every object reachable from the trailer; 'script', 'file' or None."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, DictionaryObject):
            keys = set(obj.keys())
            if keys & SCRIPT_KEYS or _name(obj, "/S") in SCRIPT_ACTIONS:
                return "script"
            if keys & FILE_KEYS or _name(obj, "/Type") in FILE_TYPES or _name(obj, "/Subtype") in FILE_TYPES:
                return "file"
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _name(obj: DictionaryObject, key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if isinstance(value, str) else None


def _check_image(content: bytes, expected_format: str, max_pixels: int) -> None:
    try:
        with warnings.catch_warnings():
            # Pillow's own decompression-bomb guard: its warning becomes a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected_format:
                    raise _not_accepted()
                width, height = image.size
                if width * height > max_pixels:
                    raise _too_many_pixels(max_pixels)
                image.load()  # decode every pixel: a valid header over junk fails here
    except (BadUpload, RefusedContent):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise BadUpload(_("图片文件无法打开（已损坏或不完整）")) from None


def _too_many_pixels(max_pixels: int) -> RefusedContent:
    return RefusedContent(_("图片像素过多（上限为{pixels}像素），请缩小后再上传", pixels=f"{max_pixels:,}"))
