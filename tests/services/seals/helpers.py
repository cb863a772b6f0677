"""Shared builders for the seal tests (real keys, real PDFs, no mocks)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.services.seals.schemas import ResultDocumentInput


def result_input(**overrides) -> ResultDocumentInput:
    values = dict(number="XH20261127000001", matter_code="temporary-assistance", matter_name="临时救助申请",
                  result_type="decision", department_code="civil", department_name="区民政局",
                  applicant_name="李明", applicant_id_number="310104199606121013", outcome="approve",
                  reasons=["符合临时救助条件"], decided_at=datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc))
    values.update(overrides)
    return ResultDocumentInput(**values)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def foreign_signed(pdf_bytes: bytes) -> bytes:
    """Sign with a CA that has nothing to do with the platform (a stranger's root)."""
    now = datetime.now(timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name("Stranger Root")).issuer_name(_name("Stranger Root"))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_name("区民政局")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(ca_key, hashes.SHA256()))
    der = serialization.Encoding.DER
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca_cert.public_bytes(der))]))
    meta = signers.PdfSignatureMetadata(field_name="Forged", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES)
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf_bytes)), meta, signer).getvalue()


def flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]
