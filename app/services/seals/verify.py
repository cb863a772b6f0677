"""Verification of signed PDFs: valid | tampered | unknown_signer | revoked | expired | unsigned.

Order of judgement for each signature (the worst signature decides the document):
1. integrity — the CMS digest and signature check out, the signature covers the whole file
   (the last one) or its whole revision with only form-filling/signature updates after it
   (earlier ones), and any timestamp token is intact; anything unreadable in a file that
   carries signature dictionaries is `tampered` too;
2. signer — the certificate was really signed by one of this platform's issuing CAs (key check,
   not a name match), else `unknown_signer`;
3. registry — its certificate or seal was revoked → `revoked`;
4. time — the certificate (or its CA) is outside its validity now → `expired`;
5. pyHanko/certvalidator path validation to our root (no fetching, soft-fail revocation).
Bytes that are not a PDF at all answer `unsigned` (the API documents this).
"""
from __future__ import annotations

import hashlib
import io
import logging
from datetime import datetime, timezone

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature

from app.services.seals.signing import off_event_loop
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.seals import ca, keys
from app.services.seals.models import CredentialKind, Seal, SealedDocument, SealStatus
from app.services.seals.schemas import SignatureReport, VerificationResult, VerifyStatus

log = logging.getLogger(__name__)
# pyHanko logs a full traceback at WARNING for every path it cannot build; for a verification
# service an unknown signer is an ordinary answer (we report it), not an operational warning.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)

# Worst first: the document's answer is its worst signature's.
_SEVERITY = [VerifyStatus.tampered, VerifyStatus.unknown_signer, VerifyStatus.revoked,
             VerifyStatus.expired, VerifyStatus.valid]
_ALLOWED_LATER = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


def looks_like_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _validation_context(trust: ca.TrustStore) -> ValidationContext:
    return ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates),
                             allow_fetching=False, revocation_mode="soft-fail")


def _outside_validity(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_after_utc < now or cert.not_valid_before_utc > now


def _check(session: Session, sig, *, last: bool, trust: ca.TrustStore, now: datetime) -> SignatureReport:
    name = cert_serial = person_serial = None
    signed_at = None
    try:
        signer_cert = sig.signer_cert
        cert = x509.load_der_x509_certificate(signer_cert.dump())
        cert_serial = format(cert.serial_number, "x")
        name = _attr(cert, x509.NameOID.COMMON_NAME)
        person_serial = _attr(cert, x509.NameOID.SERIAL_NUMBER)
        signed_at = sig.self_reported_timestamp
        status = off_event_loop(validate_pdf_signature, sig, signer_validation_context=_validation_context(trust),
                                skip_diff=last)
    except Exception as exc:  # corrupt CMS, broken structure, bad hex in /Contents, ...
        log.info("signature %s unreadable: %s", getattr(sig, "field_name", "?"), exc)
        return SignatureReport(getattr(sig, "field_name", "") or "", VerifyStatus.tampered.value, name,
                               person_serial, cert_serial, signed_at, False, "unreadable")
    ts = status.timestamp_validity
    if ts is not None and ts.intact and ts.valid:
        signed_at = ts.timestamp
    coverage = status.coverage.name if status.coverage else "UNKNOWN"

    def report(result: VerifyStatus) -> SignatureReport:
        return SignatureReport(sig.field_name or "", result.value, name, person_serial, cert_serial,
                               signed_at, ts is not None, coverage)

    if not (status.intact and status.valid):
        return report(VerifyStatus.tampered)
    if ts is not None and not (ts.intact and ts.valid):
        return report(VerifyStatus.tampered)
    if last:
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            return report(VerifyStatus.tampered)
    else:
        diff = status.diff_result
        if (status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION
                or not isinstance(diff, DiffResult) or diff.modification_level not in _ALLOWED_LATER):
            return report(VerifyStatus.tampered)

    issuer = next((c for c in trust.issuers if keys.issued_by(cert, c)), None)
    if issuer is None:
        return report(VerifyStatus.unknown_signer)
    row = ca.credential_by_serial(session, cert_serial)
    if row is None:
        return report(VerifyStatus.unknown_signer)
    if row.revoked_at is not None:
        return report(VerifyStatus.revoked)
    if row.kind == CredentialKind.organisation.value:
        seal = session.scalar(select(Seal).where(Seal.credential_id == row.id).limit(1))
        if seal is not None and seal.status == SealStatus.revoked.value:
            return report(VerifyStatus.revoked)
    if _outside_validity(cert, now) or _outside_validity(issuer, now):
        return report(VerifyStatus.expired)
    if not status.trusted:
        log.warning("signature %s: path validation failed (%s)", sig.field_name, status.trust_problem_indic)
        return report(VerifyStatus.unknown_signer)
    return report(VerifyStatus.valid)


def _attr(cert: x509.Certificate, oid) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def verify_pdf(session: Session, data: bytes) -> VerificationResult:
    """Verify every signature of a PDF against this platform's CA; the worst one decides."""
    if not looks_like_pdf(data):
        return VerificationResult(status=VerifyStatus.unsigned.value, detail="not_a_pdf")
    carries_signature = b"/ByteRange" in data
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:
        log.info("PDF unreadable: %s", exc)
        status = VerifyStatus.tampered if carries_signature else VerifyStatus.unsigned
        return VerificationResult(status=status.value, detail="unreadable_pdf")
    if not signatures:
        status = VerifyStatus.tampered if carries_signature else VerifyStatus.unsigned
        return VerificationResult(status=status.value, detail="no_signature_found" if carries_signature else "")

    trust = ca.trust_store(session)
    now = datetime.now(timezone.utc)
    reports = [_check(session, sig, last=i == len(signatures) - 1, trust=trust, now=now)
               for i, sig in enumerate(signatures)]
    worst = min(reports, key=lambda r: _SEVERITY.index(VerifyStatus(r.status)))
    shown = worst if worst.status != VerifyStatus.valid.value else reports[-1]
    document = session.scalar(select(SealedDocument).where(
        SealedDocument.sha256 == hashlib.sha256(data).hexdigest()).limit(1))
    seal_name = None
    if shown.certificate_serial:
        row = ca.credential_by_serial(session, shown.certificate_serial)
        if row is not None and row.kind == CredentialKind.organisation.value:
            seal_name = row.common_name
    return VerificationResult(status=worst.status, signer=shown.signer, seal=seal_name,
                              signed_at=shown.signed_at, document_id=document.id if document else None,
                              signatures=reports)
