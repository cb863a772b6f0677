"""The PKI around the seals: CRL publication, B-LT validation data, the timestamp authority, the offline root."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import read_session
from app.services.seals import ca, documents, keys, offline, pdf, service, signing, stamp
from app.services.seals.exceptions import CredentialUnavailable, InvalidTimestamp
from app.services.seals.models import SealCredential, SealStatus

from .helpers import result_input


def _dss_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    dss = PdfFileReader(io.BytesIO(data)).root["/DSS"]
    return [x509.load_der_x509_crl(ref.get_object().data) for ref in dss["/CRLs"]]


def test_sealed_pdf_carries_the_crl_in_its_dss(db_session):
    doc = documents.issue_result(db_session, result_input())
    data = documents.document_pdf(db_session, doc.id)
    issuing = ca.ensure_platform(db_session).issuing
    crls = _dss_crls(data)
    assert crls, "B-LT: the DSS holds the issuing CA's CRL"
    assert any(crl.issuer == issuing.cert.subject and crl.is_signature_valid(issuing.cert.public_key())
               for crl in crls)
    assert service.verify_pdf(db_session, data).status == "valid"


def _dss_context(trust: ca.TrustStore, dss: DocumentSecurityStore | None):
    """What a validator outside the portal has: our root, and whatever the document carries."""
    settings = {"trust_roots": list(trust.roots), "allow_fetching": False, "revocation_mode": "hard-fail"}
    if dss is None:
        return ValidationContext(**settings, other_certs=list(trust.intermediates), crls=[])
    return dss.as_validation_context(settings)


def test_sealed_pdf_is_b_lt_on_its_own(db_session):
    """Validated from the root and the document alone, revocation checked hard-fail: the signer's and
    the TSA's certificates and the CRL all come from the DSS, which sits in the signed revision."""
    doc = documents.issue_result(db_session, result_input())
    reader = PdfFileReader(io.BytesIO(documents.document_pdf(db_session, doc.id)))
    trust = ca.trust_store(db_session)
    (sig,) = reader.embedded_signatures
    dss = DocumentSecurityStore.read_dss(reader)
    status = validate_pdf_signature(sig, signer_validation_context=_dss_context(trust, dss),
                                    ts_validation_context=_dss_context(trust, dss))
    assert status.bottom_line and status.trusted and status.timestamp_validity.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # no update after the signature
    without = validate_pdf_signature(sig, signer_validation_context=_dss_context(trust, None))
    assert not without.trusted  # the same check without the DSS's CRL fails


def test_dss_holds_what_pyhankos_own_validation_collects_and_follows_the_crl(db_session):
    """The validation data reused across signatures is what pyHanko's pre-sign validation finds; a
    revocation changes the CRL, and the next signature carries the new one."""
    seal = service.find_active_seal(db_session, "civil")
    credential = ca.load_credential(db_session, seal.credential_id)
    unsigned = pdf.render_summary_pdf("合同", "HT1", [("甲方", "示范")])
    trust = ca.trust_store(db_session)
    context = ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates),
                                crls=[ca.crl_der(db_session, s) for s in trust.issuing_serials],
                                allow_fetching=False, revocation_mode="soft-fail")
    meta = signers.PdfSignatureMetadata(field_name="Raw", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
                                        embed_validation_info=True, validation_context=context)
    theirs = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(unsigned)), meta,
                              signing.LoadedKeySigner(credential), timestamper=stamp.authority(db_session)).getvalue()
    ours = signing.seal_with(db_session, seal, unsigned)

    def contents(data: bytes) -> tuple[set[bytes], set[bytes]]:
        dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(data)))
        return ({ref.get_object().data for ref in dss.certs.values()},
                {ref.get_object().data for ref in dss.crls})

    assert contents(ours) == contents(theirs) and len(contents(ours)[0]) == 3  # signer, issuing CA, TSA
    other = service.create_active_seal(db_session, owner_type="enterprise", owner_code="91310104MA1DSS001X",
                                       owner_name="吊销列表测试有限公司")
    revoked = int(db_session.get(SealCredential, other.credential_id).serial, 16)
    service.revoke_seal(db_session, other, reason="测试")
    (crl,) = _dss_crls(signing.seal_with(db_session, seal, unsigned))
    assert crl.get_revoked_certificate_by_serial_number(revoked) is not None


def test_issued_certificates_name_the_crl_url(db_session):
    seal = service.create_active_seal(db_session, owner_type="enterprise", owner_code="91310104MA1CDP001X",
                                      owner_name="分发点测试有限公司")
    cert = ca.load_credential(db_session, seal.credential_id).cert
    issuing = ca.ensure_platform(db_session).issuing
    point = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0]
    assert point.full_name[0].value == f"{get_settings().base_url}/pki/crl/{issuing.serial}.crl"


def test_crl_url_serves_a_crl_listing_a_revoked_serial(client, db_session, auth):
    issuing = ca.ensure_platform(db_session).issuing
    r = client.post("/api/v1/seals", json={"owner_type": "enterprise", "owner_code": "91310104MA1CRL001X",
                                           "owner_name": "吊销测试有限公司"}, headers=auth("admin"))
    seal = service.get_seal(db_session, r.json()["id"])
    serial = int(ca.load_credential(db_session, seal.credential_id).serial, 16)
    client.post(f"/api/v1/seals/{seal.id}/revoke", json={"reason": "测试"}, headers=auth("admin"))
    r = client.get(f"/pki/crl/{issuing.serial}.crl")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(r.content)
    assert crl.is_signature_valid(issuing.cert.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None and abs((entry.revocation_date_utc - datetime.now(timezone.utc)).total_seconds()) < 60
    assert crl.next_update_utc > datetime.now(timezone.utc)
    assert client.get("/pki/crl/abc.crl").status_code == 404


def test_tsa_certificate_is_a_separate_timestamping_only_signer(db_session):
    platform = ca.ensure_platform(db_session)
    eku = platform.tsa.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    seal = service.find_active_seal(db_session, "civil")
    sealing = ca.load_credential(db_session, seal.credential_id)
    assert sealing.cert.public_key() != platform.tsa.cert.public_key()
    with pytest.raises(CredentialUnavailable):
        stamp.Authority(sealing)  # a sealing key never makes a timestamp


def test_timestamp_digest_and_verify(db_session):
    digest = hashlib.sha256(b"audit checkpoint 42").digest()
    token = stamp.timestamp_digest(db_session, digest)
    at = stamp.verify_timestamp(token, digest, session=db_session)
    assert abs((at - datetime.now(timezone.utc)).total_seconds()) < 60
    with pytest.raises(InvalidTimestamp):
        stamp.verify_timestamp(token, hashlib.sha256(b"another checkpoint").digest(), session=db_session)
    with pytest.raises(InvalidTimestamp):
        stamp.verify_timestamp(token[:-5] + b"\0" * 5, digest, session=db_session)


def test_tsa_endpoint_answers_rfc3161_and_rejects_junk(client):
    digest = hashlib.sha256(b"x").digest()
    query = tsp.TimeStampReq({"version": "v1", "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest}, "cert_req": True}).dump()
    r = client.post("/tsa", content=query, headers={"Content-Type": "application/timestamp-query"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(r.content)
    assert reply["status"]["status"].native == "granted"
    token = reply["time_stamp_token"].dump()
    assert stamp.verify_timestamp(token, digest) <= datetime.now(timezone.utc)
    r = client.post("/tsa", content=b"junk", headers={"Content-Type": "application/timestamp-query"})
    status = tsp.PKIStatusInfo.load(core.Sequence.load(r.content)[0].dump())  # a reply with no token
    assert status["status"].native == "rejection" and status["fail_info"].native == {"bad_data_format"}
    assert client.post("/tsa", content=query, headers={"Content-Type": "text/plain"}).status_code == 415


def test_signing_through_http_timestamper_against_live_server(live_server, db_session, monkeypatch):
    """PORTAL_TSA_URL set: pyHanko's HTTPTimeStamper asks the portal's own /tsa over real HTTP."""
    monkeypatch.setattr(get_settings(), "tsa_url", f"{live_server}/tsa")
    assert type(stamp.timestamper(db_session)).__name__ == "HTTPTimeStamper"
    digest = hashlib.sha256(b"checkpoint over http").digest()
    with read_session() as session:  # the live server must not wait behind this test's write transaction
        token = stamp.timestamp_digest(session, digest)
    tsa_serial = ca.ensure_platform(db_session).tsa.serial
    signer_info = tsp.ContentInfo.load(token)["content"]["signer_infos"][0]
    assert format(signer_info["sid"].chosen["serial_number"].native, "x") == tsa_serial
    assert stamp.verify_timestamp(token, digest) <= datetime.now(timezone.utc)
    summary = pdf.render_summary_pdf("申请", "XH9", [("申请人", "李明")])
    signed = signing.sign_as_person(db_session, full_name="李明", id_number="310104199606121013", user_id=None,
                                    pdf_bytes=summary)
    result = service.verify_pdf(db_session, signed)
    assert result.status == "valid" and result.signatures[0].timestamped


def test_root_key_is_not_in_the_database_and_the_web_app_never_needs_it(client, db_session, auth, monkeypatch,
                                                                         tmp_path):
    root = db_session.scalar(select(SealCredential).where(SealCredential.slot == "root"))
    assert root.key_encrypted == b"", "the root CA key is kept out of the database"
    assert offline.root_key_path(root.serial).exists()
    monkeypatch.setattr(get_settings(), "ca_dir", tmp_path / "elsewhere")  # the key file is out of reach
    assert not offline.root_key_path(root.serial).exists()
    ca.forget(root.serial)
    decrypted: list[bytes] = []
    real_decrypt = keys.decrypt_key
    monkeypatch.setattr(keys, "decrypt_key", lambda blob, secret: decrypted.append(blob) or real_decrypt(blob, secret))
    # Full journey through the web app: a new seal (certificate issued), a sealed result, verification.
    r = client.post("/api/v1/seals", json={"owner_type": "enterprise", "owner_code": "91310104MA1ROOT01X",
                                           "owner_name": "根密钥测试有限公司"}, headers=auth("admin"))
    assert r.status_code == 201
    doc = documents.issue_result(db_session, result_input(department_code="civil"))
    body = client.post("/api/v1/verify", files={"file": ("r.pdf", documents.document_pdf(db_session, doc.id),
                                                          "application/pdf")}).json()
    assert body["status"] == "valid"
    assert root.key_encrypted not in decrypted and b"" not in decrypted


def test_web_app_does_not_import_the_offline_root():
    code = ("import sys; from app.main import create_app; create_app(); "
            "sys.exit('app.services.seals.offline' in sys.modules)")
    env = {**os.environ, "PORTAL_DATABASE_URL": "sqlite:///" + os.devnull}
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, timeout=120).returncode == 0


def test_ca_init_moves_a_root_key_out_and_reissues_seals_without_crl_point(db_session):
    assert offline.init_platform(db_session) == [], "idempotent: nothing left to do"
    root = db_session.scalar(select(SealCredential).where(SealCredential.slot == "root"))
    root.key_encrypted = offline.root_key_path(root.serial).read_bytes()  # as an older version stored it
    seal = service.create_active_seal(db_session, owner_type="enterprise", owner_code="91310104MA1OLD001X",
                                      owner_name="旧证书有限公司")
    row = db_session.get(SealCredential, seal.credential_id)
    issuing = ca.ensure_platform(db_session).issuing
    old = x509.load_der_x509_certificate(row.cert_der)
    row.cert_der = keys.cert_der(keys.build_certificate(   # re-signed the old way: no distribution point
        subject=keys.Subject("旧证书有限公司"), public_key=old.public_key(), issuer_cert=issuing.cert,
        issuer_key=issuing.key, kind="organisation", serial=old.serial_number,
        not_before=old.not_valid_before_utc, not_after=old.not_valid_after_utc))
    db_session.flush()
    done = offline.init_platform(db_session)
    assert root.key_encrypted == b"" and any("moved out" in line for line in done)
    assert seal.status == SealStatus.changed.value and any(seal.number in line for line in done)
    current = service.find_active_seal(db_session, "91310104MA1OLD001X")
    cert = ca.load_credential(db_session, current.credential_id).cert
    assert ca.has_crl_distribution_point(cert)


def test_per_credential_caches_are_bounded_and_an_evicted_signer_signs_again(db_session, monkeypatch):
    """Every applicant who signs has a credential: the signer and validation caches keep the latest few."""
    monkeypatch.setattr(signing, "CACHED_CREDENTIALS", 2)
    summary = pdf.render_summary_pdf("申请", "XH9", [("申请人", "李明")])
    people = [("陈缓存", "310104199001010011"), ("林缓存", "310104199001010038"), ("周缓存", "310104199001010054")]
    for name, id_number in people + people[:1]:  # the first comes back after being evicted
        signed = signing.sign_as_person(db_session, full_name=name, id_number=id_number, user_id=None,
                                        pdf_bytes=summary)
        assert service.verify_pdf(db_session, signed).status == "valid"
        assert len(signing._signers) <= 2 and len(signing._validation) <= 2


def test_the_credential_cache_is_bounded_least_recently_used_out(db_session, monkeypatch):
    """Every applicant who signs has a credential of their own: the process keeps only the most recent
    (and those in use, such as the issuing CA), so memory does not grow with the district."""
    monkeypatch.setattr(ca, "CACHED", 4)
    monkeypatch.setattr(ca, "_loaded", {})
    monkeypatch.setattr(ca, "_certs", {})
    issuing = ca.ensure_platform(db_session).issuing
    people = [ca.person_credential(db_session, full_name=f"测试{i}", id_number=f"11010519491231002{i}")
              for i in range(6)]
    assert len(ca._loaded) <= 4 and len(ca._certs) <= 4
    assert people[-1].serial in ca._loaded and people[0].serial not in ca._loaded
    # the issuing CA, used again, is recent again and survives what comes next
    ca.ensure_platform(db_session)
    ca.person_credential(db_session, full_name="测试9", id_number="110105194912310029")
    assert issuing.serial in ca._loaded
    # a credential dropped from the cache loads again from its row, the same key
    again = ca.person_credential(db_session, full_name="测试0", id_number="110105194912310020")
    assert again.serial == people[0].serial and again.cert == people[0].cert
