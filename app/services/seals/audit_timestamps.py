"""The timestamp authority behind audit checkpoints, registered into app.core.audit at start-up.

The two functions below are the only adapter between the audit chain and the TSA: they use the
platform's in-process RFC 3161 authority from `signing` today; when a stand-alone TSA client
(`timestamp_digest` / `verify_timestamp`) exists, their bodies become calls to it.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from asn1crypto import cms
from pyhanko.sign.timestamps.api import handle_tsp_response
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from sqlalchemy.orm import Session

from app.core import audit
from app.services.seals import ca, signing


def timestamp_digest(session: Session, digest: bytes) -> bytes:
    """An RFC 3161 token (DER ContentInfo) over a SHA-256 digest."""
    stamper = signing._timestamper(session)
    nonce, request = stamper.request_cms(digest, "sha256")
    return handle_tsp_response(stamper.request_tsa_response(request), nonce).dump()


def verify_timestamp(session: Session, token: bytes, digest: bytes) -> datetime:
    """The time a token attests for `digest`; raises ValueError when it is not a valid token for it."""
    signed_data = cms.ContentInfo.load(token)["content"]
    trust = ca.trust_store(session)
    context = ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates),
                                allow_fetching=False, revocation_mode="soft-fail")
    status = signing.off_event_loop(asyncio.run, validate_tst_signed_data(signed_data, context, lambda _algo: digest))
    if not status.get("intact"):
        raise ValueError("the token does not cover this checkpoint")
    if not status.get("valid") or status.get("trust_problem_indic") is not None:
        raise ValueError("the token is not signed by the platform's timestamp authority")
    return status["timestamp"]


def register() -> None:
    audit.set_timestamper(timestamp_digest, verify_timestamp)
