"""Uploaded materials: size limit and type from the content, never from the name or header."""
from __future__ import annotations

from dataclasses import dataclass

from app.core.config import get_settings
from app.core.errors import TooLarge, ValidationFailed
from app.services.applications.exceptions import BadUpload

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


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


def check_upload(content: bytes) -> CheckedFile:
    """Accept PDF, JPEG and PNG up to the size limit; raise a clear 413/415/422 otherwise."""
    limit = get_settings().max_upload_bytes
    if len(content) > limit:
        raise TooLarge(f"文件超过{limit // (1024 * 1024)}MB上限 / The file is larger than "
                       f"{limit // (1024 * 1024)} MB")
    if not content:
        raise ValidationFailed("文件为空 / The file is empty")
    kind = sniff(content)
    if kind is None:
        raise BadUpload("只接受PDF、JPEG或PNG文件（按文件内容判断） / Only PDF, JPEG or PNG files are accepted "
                        "(judged from the content)")
    if kind[0] == "application/pdf" and b"%%EOF" not in content[-2048:]:
        raise BadUpload("PDF文件不完整或已损坏 / The PDF file is incomplete or damaged")
    return CheckedFile(content=content, media_type=kind[0], extension=kind[1])
