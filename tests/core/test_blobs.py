"""The blob store's existence check (a built-once read on the driver's cursor): a file stored once is
found again, so storing it again writes nothing."""
from __future__ import annotations

import hashlib
import time

from sqlalchemy import event, func, select

from app.core import blobs
from app.core.audit_models import Blob


def test_a_file_stored_again_is_found_and_not_written_twice(db_session):
    content = f"a scan stored twice {time.time_ns()}".encode()
    digest = blobs.put(db_session, content, "application/pdf")
    assert digest == hashlib.sha256(content).hexdigest()
    seen: list[str] = []
    conn = db_session.connection()
    event.listen(conn, "before_cursor_execute", lambda *args: seen.append(" ".join(args[2].split())))
    assert blobs.put(db_session, content, "application/pdf") == digest
    assert [s for s in seen if "blob" in s.lower()] and not any(s.upper().startswith("INSERT") for s in seen)
    assert db_session.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == digest)) == 1
    assert blobs.get(db_session, digest).content == content
