"""Sealed result documents: render → seal → store in the blob store → register."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, blobs
from app.core.db import utcnow
from app.services.seals import pdf, service, signing
from app.services.seals.exceptions import DocumentNotFound
from app.services.seals.models import Seal, SealedDocument
from app.services.seals.schemas import ResultDocumentInput

PDF_MEDIA_TYPE = "application/pdf"
# Read aloud or typed from paper without doubt: no 0/O, 1/I/L, and one case only.
DOCUMENT_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DOCUMENT_ID_LENGTH = 20  # 31**20 ≈ 2**99


def new_document_id() -> str:
    return "".join(secrets.choice(DOCUMENT_ID_ALPHABET) for _ in range(DOCUMENT_ID_LENGTH))


def register_document(session: Session, *, document_id: str, signed_pdf: bytes, seal: Seal,
                      application_number: str, matter_code: str = "", title: str = "", result_type: str = "",
                      holder_key: str = "", actor: str = "system") -> SealedDocument:
    """Store a signed PDF and record it in the registry of sealed documents."""
    digest = blobs.put(session, signed_pdf, PDF_MEDIA_TYPE)  # the blob store's key is the file's SHA-256
    doc = SealedDocument(id=document_id, application_number=application_number, matter_code=matter_code,
                         title=title[:200], result_type=result_type, holder_key=holder_key, seal_id=seal.id,
                         sha256=digest, blob_sha256=digest,
                         size=len(signed_pdf), issued_at=utcnow())
    session.add(doc)
    session.flush()
    audit.record(session, actor=actor, action="document.issue", object_type="sealed_document",
                 object_id=document_id, detail={"application": application_number, "seal": seal.number,
                                                "sha256": doc.sha256})
    return doc


def issue_result(session: Session, data: ResultDocumentInput, *, actor: str = "system") -> SealedDocument:
    """Render the result PDF, seal it with the department's seal, store and register it."""
    seal = signing.active_seal(session, data.department_code)
    document_id = new_document_id()
    unsigned = pdf.render_result_pdf(data, document_id=document_id, seal_png=service.seal_image(session, seal),
                                     seal_number=seal.number)
    signed = signing.seal_with(session, seal, unsigned)
    title = data.licence_name if (data.result_type == "licence" and data.licence_name) else data.matter_name
    return register_document(session, document_id=document_id, signed_pdf=signed, seal=seal,
                             application_number=data.number, matter_code=data.matter_code, title=title,
                             result_type=data.result_type, holder_key=data.applicant_id_number, actor=actor)


def download_name(doc: SealedDocument) -> str:
    """A file name a person recognises in their downloads: 临时救助申请决定书-XH20261127000001.pdf."""
    kind = "" if doc.result_type == "licence" else pdf.TYPE_TITLES.get(doc.result_type, ("",))[0]
    return f"{doc.title}{kind}-{doc.application_number}.pdf"


def get_document(session: Session, document_id: str) -> SealedDocument:
    """A registry record, or DocumentNotFound."""
    doc = session.get(SealedDocument, document_id)
    if doc is None:
        raise DocumentNotFound("文书不存在 / document not found")
    return doc


def document_pdf(session: Session, document_id: str) -> bytes:
    """The signed PDF bytes of a registered document."""
    return blobs.get(session, get_document(session, document_id).blob_sha256).content


def documents_for_application(session: Session, application_number: str) -> list[SealedDocument]:
    return list(session.scalars(select(SealedDocument)
                                .where(SealedDocument.application_number == application_number)
                                .order_by(SealedDocument.issued_at.desc())))


def document_seal(session: Session, doc: SealedDocument) -> Seal:
    return service.get_seal(session, doc.seal_id)
