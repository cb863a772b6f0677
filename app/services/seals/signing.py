"""PAdES signing with pyHanko: organisation e-seals and personal e-signatures.

Signatures are PAdES B-LT: the CMS carries a timestamp token from the platform's timestamp
authority (`stamp.py`: its own key and certificate, over HTTP when PORTAL_TSA_URL is set), so
`signed_at` is attested rather than self-reported; and the signed revision carries a DSS holding
the certificates and the issuing CA's current CRL, so that a validator outside the portal can
check revocation at the signing time without asking us. pyHanko's sync API runs
its own event loop (asyncio.run), so call these from sync code — FastAPI `def` handlers (threadpool), CLI, simulator — never from inside a running loop.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import secrets
from datetime import datetime, timezone

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, PreSignValidationStatus, SigDSSPlacementPreference
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.seals import ca, stamp
from app.services.seals.exceptions import CredentialUnavailable, NotAPdf, SealNotActive
from app.services.seals.models import Seal, SealCredential, SealStatus

# Size of the /Contents placeholder (hex characters, i.e. twice the CMS DER size). Measured:
# an ECDSA signature with its chain and a timestamp token is ≈ 3.8 KB DER (7.6 K hex).
# Reserving a fixed size avoids pyHanko's dry-run estimate, which doubles the signing time.
BYTES_RESERVED = 10240
_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


class _NoFetchingNotice(logging.Filter):
    """pyHanko warns on every signature that embeds validation info without fetching; here that is
    the design (we hand it our own CRLs), so the warning would only bury real ones."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchingNotice())


def parsed(value):
    """`value` re-read from its DER: the same bytes, as an object asn1crypto treats as parsed.

    asn1crypto re-serialises a structure built from Python values every time it is copied into a
    parent (and pyHanko nests each CMS attribute three levels deep): building the same
    signing-certificate attribute from scratch costs ≈ 13 ms a signature; from its parsed DER, 0.4 ms.
    So what does not change between signatures is built once and kept parsed."""
    return type(value).load(value.dump())


class _Constant(CMSAttributeProvider):
    """A signed attribute whose value is the same for every signature (kept as parsed DER)."""

    def __init__(self, attribute_type: str, value):
        self.attribute_type = attribute_type
        self._der, self._spec = value.dump(), type(value)

    async def build_attr_value(self, dry_run=False):
        return self._spec.load(self._der)


class _PadesSignedAttributes(SignedAttributeProviderSpec):
    """What pyHanko's CAdES spec yields for a PAdES signature (the signing-certificate-v2 attribute;
    no signing time, no CAdES extras) — with that attribute built once per certificate."""

    def __init__(self, signing_cert):
        self._provider = _Constant("signing_certificate_v2", as_signing_certificate_v2(signing_cert))

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):
        yield self._provider


class LoadedKeySigner(signers.SimpleSigner):
    """SimpleSigner that reuses the already-decrypted key instead of re-parsing it per signature, and
    the parts of the CMS that are the same for every signature it makes (see `parsed`)."""

    def __init__(self, credential: ca.LoadedCredential):
        super().__init__(signing_cert=credential.cert_asn1, signing_key=credential.key_asn1,
                         cert_registry=SimpleCertificateStore.from_certs(list(credential.chain)),
                         embed_roots=False)
        self._key = credential.key
        self.signed_attr_prov_spec = _PadesSignedAttributes(credential.cert_asn1)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(_HASHES[digest_algorithm.lower()]))
        return super().sign_raw(data, digest_algorithm)


_signers: dict[str, tuple[ca.LoadedCredential, signers.Signer]] = {}
# Per credential: the seals (a few per department) and the persons who signed lately. Bounded, as
# every applicant who signs has a credential of their own; the oldest entry goes first (`ca.keep`).
CACHED_CREDENTIALS = 512


def _signer_for(credential: ca.LoadedCredential) -> signers.Signer:
    cached = _signers.get(credential.serial)
    if cached is None or cached[0] is not credential:
        cached = (credential, LoadedKeySigner(credential))
        ca.keep(_signers, credential.serial, cached, CACHED_CREDENTIALS)
    return cached[1]


# Validation data is the same for every signature a credential makes until its CA's CRL changes
# (a revocation, or the hourly re-issue in `ca.crl_der`): pyHanko's pre-sign validation of the
# signer's and the TSA's paths is done once per (credential, TSA, trust roots, CRLs) and its result —
# the paths and CRLs the DSS embeds — reused until then (or until a certificate on the paths
# expires). Whether the credential may sign at all (registry revocation, validity now) is checked
# per signature by `seal_with` and `sign_with`.
_validation: dict[str, tuple[tuple, ValidationContext, PreSignValidationStatus, datetime]] = {}
# B-LT in one revision: the DSS (certificates, CRLs) goes into the signed revision itself, as pyHanko
# offers (SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, no VRI), instead of a second incremental
# update that re-reads the whole signed file. A validator needs no incremental-update analysis.
DSS_SETTINGS = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)


def _validation_context(trust: ca.TrustStore, crls: list[bytes]) -> ValidationContext:
    """What pyHanko validates the signer against before signing, and embeds in the DSS."""
    return ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates), crls=crls,
                             allow_fetching=False, revocation_mode="soft-fail")


async def _sign(session: Session, credential: ca.LoadedCredential, pdf_bytes: bytes, timestamper,
                **meta_fields) -> io.BytesIO:
    """pyHanko's `async_sign_pdf`, step by step, with the pre-sign validation from the cache."""
    trust = ca.trust_store(session)
    crls = [ca.crl_der(session, serial) for serial in trust.issuing_serials]
    tsa = getattr(timestamper, "url", None) or timestamper.tsa_cert.dump()  # HTTP, or the in-process authority
    key = (tsa, tuple(c.dump() for c in trust.roots), trust.issuing_serials, tuple(crls))
    cached = _validation.get(credential.serial)
    fresh = cached is not None and cached[0] == key and datetime.now(timezone.utc) < cached[3]
    context = cached[1] if fresh else _validation_context(trust, crls)
    meta = signers.PdfSignatureMetadata(md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
                                        embed_validation_info=True, validation_context=context,
                                        dss_settings=DSS_SETTINGS, **meta_fields)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    signing_session = signers.PdfSigner(meta, _signer_for(credential), timestamper=timestamper) \
        .init_signing_session(writer)
    if fresh:
        info = cached[2]
    else:
        info = await signing_session.perform_presign_validation(writer)
        until = min(cert.not_valid_after for path in info.validation_paths for cert in path)
        ca.keep(_validation, credential.serial, (key, context, info, until), CACHED_CREDENTIALS)
    tbs = signing_session.prepare_tbs_document(validation_info=info, bytes_reserved=BYTES_RESERVED)
    prepared, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=signing_session.system_time))
    await post.post_signature_processing(output)  # nothing left to do with the DSS in the signed revision
    return output


def sign_with(session: Session, credential: ca.LoadedCredential, pdf_bytes: bytes, *, field_prefix: str,
              reason: str, name: str, location: str = "上海 Shanghai") -> bytes:
    """Add one PAdES B-LT signature made with `credential` (with its DSS) as an incremental update."""
    if not pdf_bytes.lstrip()[:8].startswith(b"%PDF"):
        raise NotAPdf("不是 PDF 文件 / not a PDF file")
    now = datetime.now(timezone.utc)
    if not credential.cert.not_valid_before_utc <= now <= credential.cert.not_valid_after_utc:
        raise CredentialUnavailable("签名证书不在有效期内 / the signing certificate is not valid now")
    out = off_event_loop(asyncio.run, _sign(session, credential, pdf_bytes, stamp.timestamper(session),
                                            field_name=f"{field_prefix}_{secrets.token_hex(4)}",
                                            reason=reason, location=location, name=name))
    return out.getvalue()


def off_event_loop(fn, *args, **kwargs):
    """pyHanko's sync API calls asyncio.run(), which fails inside a running event loop (an async
    caller, a test driving a browser): then run it on a worker thread instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def active_seal(session: Session, owner_code: str) -> Seal:
    seal = session.scalar(select(Seal).where(Seal.owner_code == owner_code,
                                             Seal.status == SealStatus.active.value).limit(1))
    if seal is None or seal.credential_id is None:
        raise SealNotActive(f"{owner_code} 没有启用的电子印章 / {owner_code} has no active e-seal")
    return seal


def seal_with(session: Session, seal: Seal, pdf_bytes: bytes, *, reason: str | None = None) -> bytes:
    """Seal a PDF with a given active seal."""
    if seal.status != SealStatus.active.value or seal.credential_id is None:
        raise SealNotActive(f"印章 {seal.number} 未启用 / seal {seal.number} is not active")
    row = session.get(SealCredential, seal.credential_id)
    if row is None or row.revoked_at is not None:
        raise CredentialUnavailable("印章证书已注销 / the seal certificate is revoked")
    credential = ca.load_credential(session, seal.credential_id)
    return sign_with(session, credential, pdf_bytes, field_prefix="Seal",
                     reason=reason or f"{seal.owner_name} 电子印章 / e-seal", name=seal.owner_name)


def seal_pdf(session: Session, owner_code: str, pdf_bytes: bytes) -> bytes:
    """PAdES-sign `pdf_bytes` with the active e-seal of a department or enterprise."""
    return seal_with(session, active_seal(session, owner_code), pdf_bytes)


def sign_as_person(session: Session, *, full_name: str, id_number: str, user_id: int | None,
                   pdf_bytes: bytes, reason: str = "申请人电子签名 / applicant's e-signature") -> bytes:
    """Sign `pdf_bytes` with the person's own certificate (created on first use)."""
    credential = ca.person_credential(session, full_name=full_name, id_number=id_number, user_id=user_id)
    return sign_with(session, credential, pdf_bytes, field_prefix="Sign", reason=reason, name=full_name)
