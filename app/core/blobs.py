"""Content-addressed storage of files in the database (shared by every app instance)."""
from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.core import reads
from app.core.audit_models import Blob
from app.core.config import get_settings
from app.core.errors import NotFound, TooLarge
from app.core.i18n import gettext as _


# Built once (a Core statement on the table: no ORM compile state per call; reads.rows needs it built once).
_EXISTS = select(Blob.__table__.c.sha256).where(Blob.__table__.c.sha256 == bindparam("sha256"))


def put(session: Session, content: bytes, media_type: str) -> str:
    """Store bytes once; return their SHA-256 hex digest. The same file stored by two requests at
    once is kept once, without a conflict for either (an atomic insert-or-nothing)."""
    digest = hashlib.sha256(content).hexdigest()
    # Whether it is there: the key alone (loading the row would read the whole file back).
    if reads.rows(session, _EXISTS, {"sha256": digest}).scalar() is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Blob).values(sha256=digest, size=len(content), media_type=media_type, content=content)
                        .on_conflict_do_nothing(index_elements=[Blob.sha256]))
    return digest


def get(session: Session, digest: str) -> Blob:
    blob = session.get(Blob, digest)
    if blob is None:
        raise NotFound("文件不存在 / file not found")
    return blob


def read_upload(upload) -> bytes:
    """Read an uploaded file (FastAPI UploadFile), holding at most the size limit + 1 byte (413 beyond)."""
    limit = get_settings().max_upload_bytes
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_("文件超过{size}MB上限", size=limit // (1024 * 1024)))
    return data
