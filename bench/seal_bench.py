"""Sealed documents per second through the platform's issue path vs raw pyHanko signing.

    python bench/seal_bench.py [--docs 60] [--rounds 5]

Both sides sign the same rendered result PDF (rendering is EXCLUDED from both; it is timed
separately and printed for information) as PAdES B-T with the same /Contents reservation:

* raw      — pyHanko `SimpleSigner` built once from the freshly decrypted key, `sign_pdf` with the
             platform TSA; nothing else;
* platform — `signing.seal_with` (active-seal check, certificate lookup, cached signer) +
             `documents.register_document` (blob store insert, registry row, hash-chained audit
             record) + a COMMIT per document, i.e. what one issue request does after rendering.

Rounds alternate raw/platform to share any machine noise; the median of each is compared.
Goal: platform ≥ 70 % of raw.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60, help="documents per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="seal-bench-")
    os.environ["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    os.environ.setdefault("PORTAL_DATA_DIR", tmp)

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from sqlalchemy.orm import Session

    from app.core import db as core_db
    from app.core import migrate
    from app.core.config import get_settings
    from app.services.seals import ca, documents, fonts, keys, pdf, service, signing
    from app.services.seals.models import SealCredential
    from app.services.seals.schemas import ResultDocumentInput

    engine = core_db.make_engine(os.environ["PORTAL_DATABASE_URL"])
    core_db.set_engine(engine)
    migrate.upgrade(engine)
    fonts.warm_up()
    data = ResultDocumentInput(number="XH20261127000001", matter_code="temporary-assistance",
                               matter_name="临时救助申请", result_type="decision", department_code="civil",
                               department_name="区民政局", applicant_name="李明",
                               applicant_id_number="310104199606121013", outcome="approve",
                               reasons=["符合临时救助条件"])
    with Session(engine) as s, s.begin():
        service.ensure_department_seals(s, [("civil", "区民政局", "Civil Affairs Bureau")])
    session = Session(engine, expire_on_commit=False)
    seal = signing.active_seal(session, "civil")
    png = service.seal_image(session, seal)

    t0 = time.perf_counter()
    renders = 10
    for _ in range(renders):
        unsigned = pdf.render_result_pdf(data, document_id=documents.new_document_id(), seal_png=png,
                                         seal_number=seal.number)
    render_s = (time.perf_counter() - t0) / renders

    # Raw side: a signer built straight from the decrypted key, as pyHanko's docs do it.
    row = session.get(SealCredential, seal.credential_id)
    loaded = ca.load_credential(session, seal.credential_id)
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization

    key = keys.decrypt_key(row.key_encrypted, get_settings().secret_key)
    raw_signer = signers.SimpleSigner(
        signing_cert=loaded.cert_asn1, cert_registry=SimpleCertificateStore.from_certs(list(loaded.chain)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))
    tsa = signing.PlatformTimeStamper(ca.ensure_platform(session).tsa)

    def raw_round(n: int) -> float:
        start = time.perf_counter()
        for i in range(n):
            meta = signers.PdfSignatureMetadata(field_name=f"Raw{i}", md_algorithm="sha256",
                                                subfilter=SigSeedSubFilter.PADES, reason="bench", name="区民政局")
            signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False), meta, raw_signer,
                             timestamper=tsa, bytes_reserved=signing.BYTES_RESERVED).getvalue()
        return n / (time.perf_counter() - start)

    def platform_round(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            seal_row = signing.active_seal(session, "civil")
            signed = signing.seal_with(session, seal_row, unsigned)
            documents.register_document(session, document_id=documents.new_document_id(), signed_pdf=signed,
                                        seal=seal_row, application_number=data.number,
                                        matter_code=data.matter_code, title=data.matter_name,
                                        result_type=data.result_type, holder_key=data.applicant_id_number)
            session.commit()
        return n / (time.perf_counter() - start)

    raw_round(5), platform_round(5)  # warm both paths
    raw, ours = [], []
    for _ in range(args.rounds):
        raw.append(raw_round(args.docs))
        ours.append(platform_round(args.docs))
    raw_m, ours_m = statistics.median(raw), statistics.median(ours)
    signed = signing.seal_with(session, seal, unsigned)
    session.close()
    print(f"rendered result PDF: {len(unsigned)} bytes, {render_s * 1000:.1f} ms per render (excluded below)")
    print(f"sealed PDF: {len(signed)} bytes (PAdES B-T, ECDSA P-256, /Contents {signing.BYTES_RESERVED} hex chars)")
    print(f"raw pyHanko signing : {raw_m:7.1f} docs/s  ({1000 / raw_m:.1f} ms/doc)  rounds {[round(x, 1) for x in raw]}")
    print(f"platform issue path : {ours_m:7.1f} docs/s  ({1000 / ours_m:.1f} ms/doc)  rounds {[round(x, 1) for x in ours]}")
    ratio = ours_m / raw_m
    print(f"ratio platform/raw  : {ratio:.0%}  (goal ≥ 70 %) {'OK' if ratio >= 0.7 else 'BELOW GOAL'}")
    return 0 if ratio >= 0.7 else 1


if __name__ == "__main__":
    raise SystemExit(main())
