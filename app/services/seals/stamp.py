"""RFC 3161 timestamps from the platform's timestamp authority (TSA).

The TSA is a signer of its own: a key and certificate under the issuing CA whose only use is
timeStamping (critical extended key usage). One implementation, `Authority`, makes every token:
the portal serves it over HTTP at `POST /tsa` (`pki.py`), and when `PORTAL_TSA_URL` is unset the
signer calls it in process — tests and the single-process dev server then need no HTTP loop-back
into their own worker pool. With `PORTAL_TSA_URL` set, signing and `timestamp_digest` use pyHanko's
`HTTPTimeStamper` against that URL (another instance, or a TSA deployed apart from the sealers).
"""
from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timezone

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps.common_utils import get_nonce
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.services.seals import ca
from app.services.seals.exceptions import CredentialUnavailable, InvalidTimestamp

TSA_POLICY = "1.3.6.1.4.1.4146.2.2"  # the token policy OID pyHanko's authority writes
QUERY_TYPE, REPLY_TYPE = "application/timestamp-query", "application/timestamp-reply"
_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


def is_timestamping_only(cert: x509.Certificate) -> bool:
    """RFC 3161 §2.3: the TSA certificate's one extended key usage is timeStamping, marked critical."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return ext.critical and list(ext.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def _parsed(value):
    """`value` re-read from its DER (see `signing.parsed`: asn1crypto copies parsed values cheaply)."""
    return type(value).load(value.dump())


class Authority(DummyTimeStamper):
    """The platform TSA: ECDSA tokens over the request's imprint, stamped with the current UTC time.

    pyHanko's DummyTimeStamper builds every token from Python values; here what is the same in every
    token (the TSA's name, its signing-certificate attribute, the signer identifier, the certificates)
    is built once and kept parsed, and the response handed back parsed, so that nesting it into the
    signature's CMS does not re-serialise it level by level (≈ 15 ms a token otherwise)."""

    def __init__(self, tsa: ca.LoadedCredential):
        # A timestamp made with a sealing key would be the sealer vouching for itself.
        if tsa.kind != "tsa" or not is_timestamping_only(tsa.cert):
            raise CredentialUnavailable("时间戳服务只能使用时间戳证书 / the TSA signs only with a timeStamping certificate")
        super().__init__(tsa_cert=tsa.cert_asn1, tsa_key=tsa.key_asn1, certs_to_embed=list(tsa.chain))
        self._key = tsa.key
        self._lock = threading.Lock()
        cert = tsa.cert_asn1
        self._tsa_name = _parsed(asn1_x509.GeneralName(name="directory_name", value=cert.subject))
        self._content_type = _parsed(simple_cms_attribute("content_type", "tst_info"))
        self._signing_certificate = _parsed(simple_cms_attribute("signing_certificate", as_signing_certificate(cert)))
        self._sid = _parsed(cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})}))
        self._embedded = [_parsed(c) for c in {*self.certs_to_embed, cert}]

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        with self._lock:  # fixed_dt is instance state: one token at a time per authority
            self.fixed_dt = datetime.now(timezone.utc)
            return _parsed(super().request_tsa_response(req))

    def _build_tst_info(self, message_imprint, dt, req):
        args = {"version": "v1", "policy": tsp.ObjectIdentifier(TSA_POLICY), "message_imprint": message_imprint,
                "serial_number": get_nonce(), "gen_time": dt, "tsa": self._tsa_name}
        if req["nonce"].native is not None:
            args["nonce"] = req["nonce"]
        return tsp.TSTInfo(args)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        digest = hashes.Hash(_HASHES[md_algorithm.lower()])
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            self._content_type,
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            self._signing_certificate,
            simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(_HASHES[md_algorithm.lower()]))
        return signature, _parsed(signed_attrs)

    def _build_signed_data(self, tst_info_data, md_algorithm, signature, signed_attrs):
        digest_algorithm = algos.DigestAlgorithm({"algorithm": md_algorithm})
        signer_info = cms.SignerInfo({
            "version": "v1", "sid": self._sid, "digest_algorithm": digest_algorithm,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": f"{md_algorithm.lower()}_ecdsa"}),
            "signed_attrs": signed_attrs, "signature": signature})
        return {"version": "v3", "digest_algorithms": cms.DigestAlgorithms((digest_algorithm,)),
                "encap_content_info": cms.EncapsulatedContentInfo(
                    {"content_type": cms.ContentType("tst_info"), "content": cms.ParsableOctetString(tst_info_data)}),
                "certificates": self._embedded, "signer_infos": [signer_info]}


_lock = threading.Lock()
_authorities: dict[str, tuple[ca.LoadedCredential, Authority]] = {}


def authority(session: Session) -> Authority:
    """The in-process TSA (the same one `POST /tsa` answers with)."""
    tsa = ca.ensure_platform(session).tsa
    cached = _authorities.get(tsa.serial)
    if cached is None or cached[0] is not tsa:
        with _lock:
            cached = (tsa, Authority(tsa))
            _authorities[tsa.serial] = cached
    return cached[1]


def timestamper(session: Session) -> TimeStamper:
    """HTTPTimeStamper against PORTAL_TSA_URL when set, else the in-process authority."""
    url = get_settings().tsa_url
    return HTTPTimeStamper(url, timeout=10) if url else authority(session)


class _Rejection(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's TimeStampResp insists on one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _rejection(fail_info: str) -> bytes:
    return _Rejection({"status": {"status": "rejection", "fail_info": tsp.PKIFailureInfo({fail_info}),
                                  "status_string": [f"request refused: {fail_info}"]}}).dump()


def respond(session: Session, request_der: bytes) -> bytes:
    """Answer one DER TimeStampReq with a DER TimeStampResp (a rejection for what is malformed)."""
    try:
        req = tsp.TimeStampReq.load(request_der, strict=True)
        imprint = req["message_imprint"]
        algorithm, digest = imprint["hash_algorithm"]["algorithm"].native, imprint["hashed_message"].native
        if req["version"].native != "v1":
            return _rejection("bad_request")
    except (ValueError, TypeError, KeyError):
        return _rejection("bad_data_format")
    if algorithm not in _HASHES or len(digest) != _HASHES[algorithm].digest_size:
        return _rejection("bad_alg")
    if req["req_policy"].native not in (None, TSA_POLICY):
        return _rejection("unaccepted_policy")
    return authority(session).request_tsa_response(req).dump()


def _run(coro):
    """pyHanko's timestamp API is async; run it here, or on a worker thread inside a running loop."""
    from app.services.seals.signing import off_event_loop

    return off_event_loop(asyncio.run, coro)


def timestamp_digest(session: Session, digest: bytes, md_algorithm: str = "sha256") -> bytes:
    """A DER TimeStampToken (CMS ContentInfo) from the platform TSA over `digest`."""
    if md_algorithm not in _HASHES or len(digest) != _HASHES[md_algorithm].digest_size:
        raise InvalidTimestamp(f"摘要不是 {md_algorithm} / the digest is not {md_algorithm}")
    token = _run(timestamper(session).async_timestamp(digest, md_algorithm))
    return token.dump()


def verify_timestamp(token: bytes, digest: bytes, *, session: Session | None = None) -> datetime:
    """The time a platform TSA token attests for `digest`; InvalidTimestamp if it does not hold."""
    if session is None:
        from app.core.db import read_session

        with read_session() as own:
            return verify_timestamp(token, digest, session=own)
    trust = ca.trust_store(session)
    try:
        info = cms.ContentInfo.load(token, strict=True)
        signed_data = info["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        algorithm = tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native
        gen_time = tst_info["gen_time"].native
        context = ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates),
                                    allow_fetching=False, revocation_mode="soft-fail", moment=gen_time)
        status = TimestampSignatureStatus(**_run(validate_tst_signed_data(signed_data, context,
                                                                          lambda _alg: digest)))
        expected_size = _HASHES[algorithm].digest_size
    except Exception as exc:  # malformed DER, wrong content type, unsupported algorithm
        raise InvalidTimestamp(f"时间戳无法解析 / the timestamp token is unreadable ({exc.__class__.__name__})")
    if not (status.intact and status.valid) or len(digest) != expected_size:
        raise InvalidTimestamp("时间戳与摘要不符或签名无效 / the token does not match this digest")
    signer = x509.load_der_x509_certificate(status.signing_cert.dump())
    if not status.trusted or not is_timestamping_only(signer):
        raise InvalidTimestamp("时间戳不是本平台时间戳服务签发的 / the token is not from this platform's TSA")
    return status.timestamp
