"""The timestamp authority behind audit checkpoints, registered into app.core.audit at start-up
(core imports nothing above it, so the app hands it these two functions)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core import audit
from app.services.seals import stamp


def timestamp_digest(session: Session, digest: bytes) -> bytes:
    """An RFC 3161 token (DER ContentInfo) over a SHA-256 digest, from the platform's TSA."""
    return stamp.timestamp_digest(session, digest)


def verify_timestamp(session: Session, token: bytes, digest: bytes) -> datetime:
    """The time a token attests for `digest`; raises InvalidTimestamp when it does not hold."""
    return stamp.verify_timestamp(token, digest, session=session)


def register() -> None:
    audit.set_timestamper(timestamp_digest, verify_timestamp)
