"""E-seal benchmarks: sealing and issuing a sealed result, each against raw pyHanko on the same PDF.

    python bench/seal_bench.py [--docs 20] [--rounds 5] [--json]

Every side signs the same finished result PDF with the same key, certificate chain, /Contents
reservation and the platform TSA (in process; the same `stamp.Authority` object for all), one
document at a time:

* raw B-LT  — the baseline, like for like: what a competent engineer writes with pyHanko for the
              signature the platform makes (PAdES B-LT: TSA timestamp + a DSS with the certificates
              and the CRL) — a `SimpleSigner` built once from the decrypted key (roots not embedded,
              as ours), a `ValidationContext` built once over the platform's trust roots and CRL, and
              one `sign_pdf` with `embed_validation_info` and the same DSS placement as ours (in the
              signed revision, no VRI); pyHanko then validates the signer and the TSA before each
              signature, as it does by default;
* raw B-T   — the same without validation data (`sign_pdf` with the TSA only): what the signature
              alone costs; printed for reference (the issue's earlier goals were measured against it);
* seal      — what sealing costs on the platform: `signing.active_seal` + `signing.seal_with`
              (active-seal and certificate checks, the current CRL, the cached signer and validation
              data, B-LT) + `documents.register_document` (blob store, registry row, hash-chained
              audit record) + COMMIT;
* issue     — issuing a sealed result: `documents.issue_result` (render the PDF with fpdf2 and the
              CJK font, seal, timestamp, store, register) + COMMIT.

Rounds alternate the four sides so that they share the machine's noise; each side's figure is the
median of its rounds. Goals: seal ≥ 0.70 of raw B-LT, issue ≥ 0.33 of raw B-LT (the ratios against
raw B-T are printed too). Per-document CPU time is printed beside the wall time: on a busy machine
the wall time also counts other processes.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run(docs: int = 20, rounds: int = 5) -> dict:
    tmp = tempfile.mkdtemp(prefix="seal-bench-")  # a database of its own (run as a subprocess by run.py)
    os.environ["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    os.environ["PORTAL_DATA_DIR"] = tmp

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from sqlalchemy.orm import Session

    from app.core import db as core_db
    from app.core import migrate
    from app.services.seals import ca, documents, fonts, offline, pdf, service, signing, stamp
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
        offline.init_platform(s)
        service.ensure_department_seals(s, [("civil", "区民政局", "Civil Affairs Bureau")])
    session = Session(engine, expire_on_commit=False)
    seal = signing.active_seal(session, "civil")
    unsigned = pdf.render_result_pdf(data, document_id=documents.new_document_id(),
                                     seal_png=service.seal_image(session, seal), seal_number=seal.number)

    loaded = ca.load_credential(session, seal.credential_id)
    raw_signer = signers.SimpleSigner(signing_cert=loaded.cert_asn1, signing_key=loaded.key_asn1,
                                      cert_registry=SimpleCertificateStore.from_certs(list(loaded.chain)),
                                      embed_roots=False)
    tsa = stamp.timestamper(session)
    trust = ca.trust_store(session)
    raw_context = ValidationContext(trust_roots=list(trust.roots), other_certs=list(trust.intermediates),
                                    crls=[ca.crl_der(session, s) for s in trust.issuing_serials],
                                    allow_fetching=False, revocation_mode="soft-fail")

    def raw_sign(lt: bool) -> None:
        extra = {"embed_validation_info": True, "validation_context": raw_context,
                 "dss_settings": DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                                                    include_vri=False)} if lt else {}
        meta = signers.PdfSignatureMetadata(field_name="Raw", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
                                            reason="bench", name="区民政局", **extra)
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False), meta, raw_signer,
                         timestamper=tsa, bytes_reserved=signing.BYTES_RESERVED).getvalue()

    def seal_one() -> None:
        seal_row = signing.active_seal(session, "civil")
        signed = signing.seal_with(session, seal_row, unsigned)
        documents.register_document(session, document_id=documents.new_document_id(), signed_pdf=signed,
                                    seal=seal_row, application_number=data.number, matter_code=data.matter_code,
                                    title=data.matter_name, result_type=data.result_type,
                                    holder_key=data.applicant_id_number)
        session.commit()

    def issue_one() -> None:
        documents.issue_result(session, data)
        session.commit()

    sides = {"raw_lt": lambda: raw_sign(True), "raw": lambda: raw_sign(False), "seal": seal_one, "issue": issue_one}
    for fn in sides.values():  # warm every path
        for _ in range(3):
            fn()
    wall: dict[str, list[float]] = {k: [] for k in sides}
    cpu: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(rounds):
        for name, fn in sides.items():
            w, c = time.perf_counter(), time.process_time()
            for _ in range(docs):
                fn()
            wall[name].append(docs / (time.perf_counter() - w))
            cpu[name].append((time.process_time() - c) / docs * 1000)
    session.close()
    rate = {k: statistics.median(v) for k, v in wall.items()}
    cpu_ms = {k: statistics.median(v) for k, v in cpu.items()}
    return {
        "docs_per_s": rate, "ms_per_doc": {k: 1000 / v for k, v in rate.items()}, "cpu_ms_per_doc": cpu_ms,
        "rounds": {k: [round(x, 1) for x in v] for k, v in wall.items()},
        "seal_ratio": rate["seal"] / rate["raw_lt"], "seal_ratio_vs_raw_bt": rate["seal"] / rate["raw"],
        "issue_ratio": rate["issue"] / rate["raw_lt"], "issue_ratio_vs_raw_bt": rate["issue"] / rate["raw"],
        "pdf_bytes": len(unsigned), "load_avg": os.getloadavg(),
    }


def describe(r: dict) -> list[str]:
    ms, cpu = r["ms_per_doc"], r["cpu_ms_per_doc"]
    line = lambda k, label: f"{label:<36} {r['docs_per_s'][k]:6.1f} docs/s  {ms[k]:6.1f} ms/doc (cpu {cpu[k]:5.1f} ms)"  # noqa: E731
    return [line("raw_lt", "raw pyHanko B-LT (same output as ours)"), line("raw", "raw pyHanko B-T (signature only)"),
            line("seal", "seal (check, B-LT, store, commit)"), line("issue", "issue (render, seal, store, commit)"),
            f"sealing vs raw pyHanko B-LT   {r['seal_ratio']:.2f} (goal >= 0.70; vs raw B-T {r['seal_ratio_vs_raw_bt']:.2f})",
            f"issuing vs raw pyHanko B-LT   {r['issue_ratio']:.2f} (goal >= 0.33; vs raw B-T {r['issue_ratio_vs_raw_bt']:.2f})"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20, help="documents per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line at the end")
    args = parser.parse_args()
    result = run(args.docs, args.rounds)
    print("\n".join(describe(result)))
    if args.json:
        print(json.dumps(result))
    return 0 if result["seal_ratio"] >= 0.7 and result["issue_ratio"] >= 0.33 else 1


if __name__ == "__main__":
    raise SystemExit(main())
