"""Public PKI endpoints (no login): the timestamp authority and the issuing CA's CRL."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sqlalchemy.orm import Session

from app.core.db import SessionDep, read_session
from app.core.errors import PortalError
from app.services.seals import ca, stamp

router = APIRouter(tags=["pki"])
MAX_QUERY_BYTES = 4096  # a TimeStampReq is ≈ 60 bytes; anything near this is not one


class UnsupportedMediaType(PortalError):
    status_code = 415
    code = "unsupported_media_type"


def _read_only() -> Iterator[Session]:
    # A timestamp reads two cached credentials: on SQLite it must not queue for the write lock.
    with read_session() as session:
        yield session


async def _timestamp_query(request: Request) -> bytes:
    if request.headers.get("content-type", "").split(";")[0].strip() != stamp.QUERY_TYPE:
        raise UnsupportedMediaType(f"请求类型须为 {stamp.QUERY_TYPE} / send {stamp.QUERY_TYPE}")
    body = await request.body()
    if len(body) > MAX_QUERY_BYTES:
        raise PortalError("时间戳请求过大 / the timestamp query is too large", 413, "payload_too_large")
    return body


@router.post("/tsa", response_class=Response,
             responses={200: {"content": {stamp.REPLY_TYPE: {}}, "description": "RFC 3161 TimeStampResp"}})
def timestamp(query: Annotated[bytes, Depends(_timestamp_query)], session: Annotated[Session, Depends(_read_only)]):
    """RFC 3161 over HTTP: a DER TimeStampReq in, a DER TimeStampResp out."""
    return Response(stamp.respond(session, query), media_type=stamp.REPLY_TYPE,
                    headers={"Cache-Control": "no-store"})


@router.get("/pki/crl/{ca_serial}.crl", response_class=Response,
            responses={200: {"content": {ca.CRL_MEDIA_TYPE: {}}, "description": "DER X.509 CRL"}})
def crl(ca_serial: str, session: SessionDep):
    """The CRL named in the CRL distribution point of every certificate the CA issued."""
    return Response(ca.crl_der(session, ca_serial.lower()), media_type=ca.CRL_MEDIA_TYPE,
                    headers={"Cache-Control": "public, max-age=300"})
