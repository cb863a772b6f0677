"""Where a simulated application's time goes: exclusive wall time and CPU time per step (create,
submit, esign, decide, seal, review, collect, and the commit that ends each unit of work), and the raw
cost of the same work measured in the same run (a bare Core INSERT of an application's rows; a bare
pyHanko signature of the same result PDF), so the overhead of the service layer is visible. CPU time
is this process's (each worker's, summed): on a shared, loaded machine it is the steadier figure.

The e-signature and seal steps are measured by wrapping, for the run only, the calls the services make
into the seals module: the applicant's summary PDF and personal signature (`esign`), a result's
rendering and sealing (`seal`); the seals module itself is not changed. Time spent in a nested step is
taken off its parent (a decision that seals shows the decision's own cost under "decide" and the
sealing under "seal"; a submission's e-signature is under "esign")."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

STEPS = ("create", "submit", "esign", "decide", "seal", "review", "collect", "commit")


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {s: 0.0 for s in STEPS}
        self.cpu: dict[str, float] = {s: 0.0 for s in STEPS}
        self.counts: dict[str, int] = {s: 0 for s in STEPS}
        self._stack: list[list[float]] = []  # per open step: [wall, CPU spent in nested steps]

    @contextmanager
    def step(self, name: str, *, count: bool = True) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), time.process_time()
        self._stack.append([0.0, 0.0])
        try:
            yield
        finally:
            nested, nested_cpu = self._stack.pop()
            spent, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            self.seconds[name] = self.seconds.get(name, 0.0) + spent - nested
            self.cpu[name] = self.cpu.get(name, 0.0) + cpu - nested_cpu
            self.counts[name] = self.counts.get(name, 0) + count
            if self._stack:
                self._stack[-1][0] += spent
                self._stack[-1][1] += cpu

    def merge(self, other: dict) -> None:
        for field in ("seconds", "cpu", "counts"):
            mine = getattr(self, field)
            for name, value in other.get(field, {}).items():
                mine[name] = mine.get(name, 0) + value

    def as_dict(self) -> dict:
        return {"seconds": dict(self.seconds), "cpu": dict(self.cpu), "counts": dict(self.counts)}


def _wrap(timer: Timer, owner, attr: str, step: str, count: bool) -> tuple | None:
    original = getattr(owner, attr, None)
    if original is None:  # the seals module changed its names: the step is not split out
        return None

    def timed(*args, **kwargs):
        with timer.step(step, count=count):
            return original(*args, **kwargs)

    setattr(owner, attr, timed)
    return owner, attr, original


@contextmanager
def installed(timer: Timer) -> Iterator[None]:
    """Count the applicant's e-signature as "esign" and a result's rendering and sealing as "seal"
    while the run lasts (each counted once per document)."""
    from app.services.applications import esign
    from app.services.seals import documents

    wrapped = [_wrap(timer, documents.pdf, "render_result_pdf", "seal", False),
               _wrap(timer, documents.signing, "seal_with", "seal", True),
               _wrap(timer, esign.seal_pdf, "render_summary_pdf", "esign", False),
               _wrap(timer, esign.signing, "sign_as_person", "esign", True)]
    try:
        yield
    finally:
        for owner, attr, original in reversed([w for w in wrapped if w]):
            setattr(owner, attr, original)


def raw_costs(sessions, repeat: int = 20) -> dict[str, float | None]:
    """CPU seconds per unit of the bare work: a Core INSERT of one application's row and its event rows
    (rolled back), and a pyHanko PAdES signature of one result PDF with the same key, no validation
    data or timestamp. None when the run made no application or no result."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from sqlalchemy import insert, select

    from app.services.applications.models import Application, ApplicationEvent
    from app.services.seals import ca, documents, signing
    from app.services.seals.models import Seal, SealedDocument

    out: dict[str, float | None] = {"insert": None, "sign": None}
    with sessions() as session:
        app_row = session.execute(select(Application.__table__).limit(1)).mappings().first()
        if app_row is not None:
            events = session.execute(select(ApplicationEvent.__table__).where(
                ApplicationEvent.application_id == app_row["id"])).mappings().all()
            started = time.process_time()
            try:
                for i in range(repeat):
                    values = {k: v for k, v in app_row.items() if k != "id"}
                    values["number"] = f"RAW{i:011d}"
                    new_id = session.execute(insert(Application.__table__).values(**values)
                                             .returning(Application.__table__.c.id)).scalar_one()
                    for e in events:
                        session.execute(insert(ApplicationEvent.__table__).values(
                            **{**{k: v for k, v in e.items() if k != "id"}, "application_id": new_id}))
            finally:
                session.rollback()
            out["insert"] = (time.process_time() - started) / repeat
        doc = session.scalar(select(SealedDocument).limit(1))
        if doc is not None:
            seal = session.get(Seal, doc.seal_id)
            credential = ca.load_credential(session, seal.credential_id)
            unsigned = _unsigned(documents.document_pdf(session, doc.id))
            signer = signing.LoadedKeySigner(credential)
            n = max(3, repeat // 4)
            started = time.process_time()
            for i in range(n):
                w = IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False)
                signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name=f"Raw{i}", md_algorithm="sha256"), signer)
            out["sign"] = (time.process_time() - started) / n
    return out


def _unsigned(signed: bytes) -> bytes:
    """The PDF as rendered, before its incremental signature updates (the first %%EOF section)."""
    end = signed.find(b"%%EOF")
    return signed[:end + 5] + b"\n" if end > 0 else signed
