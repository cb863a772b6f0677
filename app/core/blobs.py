"""Content-addressed storage of files in the database (shared by every app instance)."""
from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from app.core.audit_models import Blob
from app.core.errors import NotFound


def put(session: Session, content: bytes, media_type: str) -> str:
    """Store bytes once; return their SHA-256 hex digest."""
    digest = hashlib.sha256(content).hexdigest()
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, size=len(content), media_type=media_type, content=content))
        session.flush()
    return digest


def get(session: Session, digest: str) -> Blob:
    blob = session.get(Blob, digest)
    if blob is None:
        raise NotFound("文件不存在 / file not found")
    return blob
