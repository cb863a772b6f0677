"""Key material: generation, encryption at rest, and X.509 certificate building (no database).

ECDSA P-256 is used for every key. Measured here with pyHanko 0.38 on a 2-page PDF
(bench/seal_bench.py has the harness): sign ≈ 11 ms for P-256 and RSA-2048 alike once the key
object is loaded, but RSA-2048 costs ≈ 35 ms to load (OpenSSL key checks) and ≈ 65 ms to
generate versus ≈ 0.02 ms and ≈ 1 ms for P-256 — personal certificates are created on first
use, so P-256 wins.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_ALGORITHM = "ecdsa-p256"
_HKDF_SALT = b"portal/seals/key-encryption/v1"


@lru_cache(maxsize=4)
def _key_password(secret_key: str) -> bytes:
    # HKDF turns the application secret into a dedicated key-encryption password, so the
    # secret itself never protects anything directly and rotating purposes stays possible.
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT,
               info=b"pkcs8-private-key-password").derive(secret_key.encode("utf-8"))
    return base64.b64encode(raw)


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def encrypt_key(key: ec.EllipticCurvePrivateKey, secret_key: str) -> bytes:
    """PKCS#8 DER encrypted with a password derived from the application secret."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(_key_password(secret_key)))


def decrypt_key(blob: bytes, secret_key: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(blob, password=_key_password(secret_key))
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def new_serial() -> int:
    # 127 random bits: positive, unique with overwhelming probability (RFC 5280 ≤ 20 octets).
    return secrets.randbits(127) | (1 << 120)


@dataclass(frozen=True)
class Subject:
    common_name: str
    organization: str = ""
    org_unit: str = ""
    serial_number: str = ""  # ID number (persons) or USCC / department code (organisations)
    country: str = "CN"

    def to_name(self) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, self.country)]
        if self.organization:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organization))
        if self.org_unit:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.org_unit))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name))
        if self.serial_number:
            attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, self.serial_number))
        return x509.Name(attrs)


def build_certificate(*, subject: Subject, public_key, issuer_cert: x509.Certificate | None,
                      issuer_key: ec.EllipticCurvePrivateKey, kind: str, serial: int,
                      not_before: datetime, not_after: datetime, crl_url: str | None = None) -> x509.Certificate:
    """One certificate; `kind` is root | issuing | tsa | organisation | person.

    `crl_url` is where the issuer publishes its CRL (the CRL distribution point extension).
    """
    name = subject.to_name()
    issuer_name = issuer_cert.subject if issuer_cert is not None else name
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
               .public_key(public_key).serial_number(serial)
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    auth_key = issuer_cert.public_key() if issuer_cert is not None else public_key
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(auth_key), critical=False)
    if crl_url:
        point = x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
                                       reasons=None, crl_issuer=None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    if kind in ("root", "issuing"):
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0 if kind == "issuing" else 1),
                                        critical=True)
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=kind != "tsa", key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        if kind == "tsa":
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def validity(days: int, *, start: datetime | None = None) -> tuple[datetime, datetime]:
    start = (start or datetime.now(timezone.utc)) - timedelta(minutes=5)  # tolerate clock skew
    return start, start + timedelta(days=days)


def build_crl(*, issuer_cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey,
              revoked: list[tuple[int, datetime]], this_update: datetime, next_update: datetime,
              number: int) -> x509.CertificateRevocationList:
    """A CRL signed by `issuer_key` listing (serial, revocation time) pairs."""
    builder = (x509.CertificateRevocationListBuilder().issuer_name(issuer_cert.subject)
               .last_update(this_update).next_update(next_update)
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),
                              critical=False))
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    return builder.sign(issuer_key, hashes.SHA256())


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s key really signed `cert` (not just a matching name)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # InvalidSignature and malformed certs alike
        return False
    return True
