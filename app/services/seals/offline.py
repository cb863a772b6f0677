"""The platform's root CA, kept out of the web process: only the `portal` CLI imports this module.

`portal ca init` (also run by `portal seed`) creates the root CA and uses it to issue the issuing
CA and the timestamp authority. The root's private key is written to a file in PORTAL_CA_DIR
(default `<data dir>/ca`, mode 0600), encrypted like every other key, and never to the database:
a web instance, which runs `ca.py` only, cannot read it even with the database in hand. Deploy
that directory only where the CLI issues intermediates.

Upgrading an older database, `init_platform` also
* moves a root key found in the database out to the file (and blanks the column);
* re-issues what was issued without a CRL distribution point: a new TSA certificate, and a new
  seal (变更, the lifecycle's own step) for each active seal — the old seal becomes `changed`,
  so the documents it sealed stay valid. Personal certificates are issued on first use, so the
  ones without a distribution point age out (two years) rather than being replaced.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.services.seals import ca, keys, service
from app.services.seals.exceptions import CredentialUnavailable
from app.services.seals.models import CredentialKind, Seal, SealCredential, SealStatus

ACTOR = "portal ca init"


def root_key_path(serial: str) -> Path:
    return get_settings().root_key_dir / f"root-{serial}.p8"


def _move_key_out(row: SealCredential) -> None:
    path = root_key_path(row.serial)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(row.key_encrypted)
    row.key_encrypted = b""


def _root(session: Session, row: SealCredential) -> ca.LoadedCredential:
    path = root_key_path(row.serial)
    if not path.exists():
        raise CredentialUnavailable(f"根证书私钥文件不存在 / the root CA key file is missing: {path}")
    return ca.load_row(session, row, key_blob=path.read_bytes())


def _platform_subject(role: str) -> keys.Subject:
    return keys.Subject(f"{ca.PLATFORM_NAME}{role}", ca.PLATFORM_ORG)


def init_platform(session: Session) -> list[str]:
    """Create or upgrade the root, issuing CA and TSA (idempotent); returns what it did."""
    done: list[str] = []
    rows = ca.slot_rows(session)
    root_row = rows.get("root")
    if root_row is None:
        root_row = ca.create_credential(session, kind=CredentialKind.root, slot="root", owner_code="platform",
                                        subject=_platform_subject("根证书 Root CA"), issuer=None, days=ca.ROOT_DAYS)
        _move_key_out(root_row)
        session.flush()
        done.append(f"root CA {root_row.serial} created; key in {root_key_path(root_row.serial)}")
    elif root_row.key_encrypted:
        _move_key_out(root_row)
        session.flush()
        done.append(f"root CA key moved out of the database to {root_key_path(root_row.serial)}")
    issuing_row = rows.get("issuing")
    if issuing_row is None:
        issuing_row = ca.create_credential(session, kind=CredentialKind.issuing, slot="issuing",
                                           owner_code="platform", issuer=_root(session, root_row),
                                           days=ca.ISSUING_DAYS, subject=_platform_subject("签发CA Issuing CA"))
        session.flush()
        done.append(f"issuing CA {issuing_row.serial} issued")
    tsa_row = rows.get("tsa")
    if tsa_row is None or not ca.has_crl_distribution_point(x509.load_der_x509_certificate(tsa_row.cert_der)):
        if tsa_row is not None:
            tsa_row.slot = None  # superseded; its tokens stay verifiable under the issuing CA
            session.flush()
        tsa_row = ca.create_credential(session, kind=CredentialKind.tsa, slot="tsa", owner_code="platform",
                                       issuer=ca.load_row(session, issuing_row), days=ca.TSA_DAYS,
                                       subject=_platform_subject("时间戳服务 TSA"))
        session.flush()
        done.append(f"TSA certificate {tsa_row.serial} issued")
    done += _reissue_seals_without_crl_point(session)
    return done


def _reissue_seals_without_crl_point(session: Session) -> list[str]:
    done = []
    for seal, der in session.execute(select(Seal, SealCredential.cert_der)
                                     .join(SealCredential, Seal.credential_id == SealCredential.id)
                                     .where(Seal.status == SealStatus.active.value)).all():
        if ca.has_crl_distribution_point(x509.load_der_x509_certificate(der)):
            continue
        new = service.create_active_seal(session, owner_type=seal.owner_type, owner_code=seal.owner_code,
                                         owner_name=seal.owner_name, owner_name_en=seal.owner_name_en, actor=ACTOR)
        done.append(f"seal {seal.number} re-issued as {new.number} (certificate with a CRL distribution point)")
    return done
