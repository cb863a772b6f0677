"""Verification of signed PDFs: valid | tampered | unknown_signer | revoked | expired | unsigned.

Everything is judged at the signing time: the time in the signature's timestamp token once that
token is intact and trusted (made by a timeStamping-only certificate under our CA), else — for a
signature without one — now. Order of judgement for each signature (the worst one decides):
1. integrity — the CMS digest and signature check out, the signature covers the whole file
   (the last one: or its whole revision with only DSS/timestamp updates after it) or its whole
   revision with only form-filling/signature updates after it (earlier ones), and any timestamp
   token is intact; anything unreadable in a file that carries signature dictionaries is
   `tampered` too;
2. signer — the certificate was really signed by one of this platform's issuing CAs (key check,
   not a name match), else `unknown_signer`;
3. registry — its certificate or seal was revoked at or before the signing time → `revoked`;
   revoked later → still valid, and the answer says when (`revoked_at`);
4. time — the certificate (or its CA) was outside its validity at the signing time → `expired`;
5. pyHanko/certvalidator path validation to our root at the signing time, with the issuing
   CAs' current CRLs (no fetching, soft-fail revocation).
Bytes that are not a PDF at all answer `unsigned` (the API documents this).
"""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import replace
from datetime import datetime, timezone

from asn1crypto import parser as asn1_parser
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.seals import ca, keys, stamp
from app.services.seals.models import CredentialKind, Seal, SealedDocument, SealStatus
from app.services.seals.schemas import SignatureReport, VerificationResult, VerifyStatus
from app.services.seals.signing import off_event_loop

log = logging.getLogger(__name__)
# pyHanko logs a full traceback at WARNING for every path it cannot build; for a verification
# service an unknown signer is an ordinary answer (we report it), not an operational warning.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)

# Worst first: the document's answer is its worst signature's.
_SEVERITY = [VerifyStatus.tampered, VerifyStatus.unknown_signer, VerifyStatus.revoked,
             VerifyStatus.expired, VerifyStatus.valid]
_ALLOWED_LATER = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)
_ALLOWED_AFTER_LAST = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)  # the B-LT DSS


def looks_like_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _validation_context(trust: ca.TrustStore, crls: list[bytes], moment: datetime | None) -> ValidationContext:
    # retroactive_revinfo: today's CRL may judge a past moment (it lists revocation dates).
    return ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates), crls=crls,
                             allow_fetching=False, revocation_mode="soft-fail", moment=moment,
                             retroactive_revinfo=True)


def _padding_intact(sig) -> bool:
    """/Contents is the CMS DER then zeros; it lies outside the ByteRange, so check it by hand."""
    contents = bytes(sig.pkcs7_content)
    _, _, _, header, body, trailer = asn1_parser.parse(contents)
    return not contents[len(header) + len(body) + len(trailer):].strip(b"\x00")


def _claimed_time(sig) -> datetime | None:
    """The time the signature's timestamp token claims (trusted only once it has been validated)."""
    tst = next(extract_tst_data_iter(sig.signer_info, signed=False), None)
    if tst is None:
        return None
    return tst["encap_content_info"]["content"].parsed["gen_time"].native


def _revoked_at(session: Session, row) -> datetime | None:
    """When the registry revoked this certificate, or the seal it belongs to (the earlier)."""
    times = [row.revoked_at] if row.revoked_at is not None else []
    if row.kind == CredentialKind.organisation.value:
        seal = session.scalar(select(Seal).where(Seal.credential_id == row.id).limit(1))
        if seal is not None and seal.status == SealStatus.revoked.value:
            times.append(seal.revoked_at or row.revoked_at or datetime.now(timezone.utc))
    return min((ca.aware(t) for t in times if t is not None), default=None)


def _outside_validity(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_after_utc < now or cert.not_valid_before_utc > now


def _check(session: Session, sig, *, last: bool, trust: ca.TrustStore, crls: list[bytes],
           now: datetime) -> SignatureReport:
    name = cert_serial = person_serial = None
    signed_at = None
    try:
        signer_cert = sig.signer_cert
        cert = x509.load_der_x509_certificate(signer_cert.dump())
        cert_serial = format(cert.serial_number, "x")
        name = _attr(cert, x509.NameOID.COMMON_NAME)
        person_serial = _attr(cert, x509.NameOID.SERIAL_NUMBER)
        signed_at = sig.self_reported_timestamp
        if not _padding_intact(sig):
            raise ValueError("bytes after the CMS in /Contents")
        context = _validation_context(trust, crls, _claimed_time(sig))
        status = off_event_loop(validate_pdf_signature, sig, signer_validation_context=context,
                                ts_validation_context=context)
    except Exception as exc:  # corrupt CMS, broken structure, bad hex in /Contents, ...
        log.info("signature %s unreadable: %r", getattr(sig, "field_name", "?"), exc)
        return SignatureReport(getattr(sig, "field_name", "") or "", VerifyStatus.tampered.value, name,
                               person_serial, cert_serial, signed_at, False, "unreadable")
    ts = status.timestamp_validity
    at, attested = now, False  # the moment everything is judged at
    if ts is not None and ts.intact and ts.valid:
        signed_at = ts.timestamp
        if ts.trusted and stamp.is_timestamping_only(x509.load_der_x509_certificate(ts.signing_cert.dump())):
            at, attested = ts.timestamp, True
    coverage = status.coverage.name if status.coverage else "UNKNOWN"
    revoked_at = None

    def report(result: VerifyStatus) -> SignatureReport:
        return SignatureReport(sig.field_name or "", result.value, name, person_serial, cert_serial,
                               signed_at, ts is not None, coverage, revoked_at)

    if not (status.intact and status.valid):
        return report(VerifyStatus.tampered)
    if ts is not None and not (ts.intact and ts.valid):
        return report(VerifyStatus.tampered)
    diff = status.diff_result
    if not (last and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        allowed = _ALLOWED_AFTER_LAST if last else _ALLOWED_LATER
        if (status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION
                or not isinstance(diff, DiffResult) or diff.modification_level not in allowed):
            return report(VerifyStatus.tampered)

    issuer = next((c for c in trust.issuers if keys.issued_by(cert, c)), None)
    if issuer is None:
        return report(VerifyStatus.unknown_signer)
    row = ca.credential_by_serial(session, cert_serial)
    if row is None:
        return report(VerifyStatus.unknown_signer)
    revoked_at = _revoked_at(session, row)
    if revoked_at is not None and revoked_at <= at:
        return report(VerifyStatus.revoked)
    if _outside_validity(cert, at) or _outside_validity(issuer, at):
        return report(VerifyStatus.expired)
    # certvalidator sees the CRL entry and asks for proof that the signature existed before the
    # revocation (AdES "REVOKED_NO_POE"); the validated timestamp token is that proof.
    proven_before_revocation = (attested and revoked_at is not None
                                and status.trust_problem_indic == AdESIndeterminate.REVOKED_NO_POE)
    if not status.trusted and not proven_before_revocation:
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
    crls = [ca.crl_der(session, serial) for serial in trust.issuing_serials]
    now = datetime.now(timezone.utc)
    reports = [_check(session, sig, last=i == len(signatures) - 1, trust=trust, crls=crls, now=now)
               for i, sig in enumerate(signatures)]
    if not data.rstrip().endswith(b"%%EOF"):
        # Bytes after the last revision: no signature or DSS update accounts for them.
        reports[-1] = replace(reports[-1], status=VerifyStatus.tampered.value, coverage="TRAILING_DATA")
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
                              signatures=reports, revoked_at=shown.revoked_at)
