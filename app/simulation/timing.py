"""Where a simulated application's time goes: exclusive wall time per step (create, submit, decide,
seal, review, collect), and the raw cost of the same work measured in the same run (a bare Core
INSERT of an application's rows; a bare pyHanko signature of the same result PDF), so the overhead of
the service layer is visible.

The seal step is measured by wrapping, for the run only, the two calls the seals module makes to
render and sign a result (`pdf.render_result_pdf`, `signing.seal_with`); the seals module itself is
not changed. Time spent in a nested step is taken off its parent (a decision that seals shows the
decision's own cost under "decide" and the sealing under "seal")."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

STEPS = ("create", "submit", "decide", "seal", "review", "collect")


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {s: 0.0 for s in STEPS}
        self.counts: dict[str, int] = {s: 0 for s in STEPS}
        self._stack: list[list[float]] = []  # per open step: [time spent in nested steps]

    @contextmanager
    def step(self, name: str, *, count: bool = True) -> Iterator[None]:
        started = time.perf_counter()
        self._stack.append([0.0])
        try:
            yield
        finally:
            nested = self._stack.pop()[0]
            spent = time.perf_counter() - started
            self.seconds[name] = self.seconds.get(name, 0.0) + spent - nested
            self.counts[name] = self.counts.get(name, 0) + count
            if self._stack:
                self._stack[-1][0] += spent

    def merge(self, other: dict) -> None:
        for name, value in other.get("seconds", {}).items():
            self.seconds[name] = self.seconds.get(name, 0.0) + value
        for name, value in other.get("counts", {}).items():
            self.counts[name] = self.counts.get(name, 0) + value

    def as_dict(self) -> dict:
        return {"seconds": dict(self.seconds), "counts": dict(self.counts)}


@contextmanager
def installed(timer: Timer) -> Iterator[None]:
    """Count result rendering and sealing as the "seal" step while the run lasts."""
    from app.services.seals import documents

    render, seal = documents.pdf.render_result_pdf, documents.signing.seal_with

    def timed_render(*args, **kwargs):
        with timer.step("seal", count=False):  # one result: rendered and sealed, counted once
            return render(*args, **kwargs)

    def timed_seal(*args, **kwargs):
        with timer.step("seal"):
            return seal(*args, **kwargs)

    documents.pdf.render_result_pdf, documents.signing.seal_with = timed_render, timed_seal
    try:
        yield
    finally:
        documents.pdf.render_result_pdf, documents.signing.seal_with = render, seal


def raw_costs(sessions, repeat: int = 20) -> dict[str, float | None]:
    """Seconds per unit of the bare work: a Core INSERT of one application's row and its event rows
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
            started = time.perf_counter()
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
            out["insert"] = (time.perf_counter() - started) / repeat
        doc = session.scalar(select(SealedDocument).limit(1))
        if doc is not None:
            seal = session.get(Seal, doc.seal_id)
            credential = ca.load_credential(session, seal.credential_id)
            unsigned = _unsigned(documents.document_pdf(session, doc.id))
            signer = signing.LoadedKeySigner(credential)
            n = max(3, repeat // 4)
            started = time.perf_counter()
            for i in range(n):
                w = IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False)
                signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name=f"Raw{i}", md_algorithm="sha256"), signer)
            out["sign"] = (time.perf_counter() - started) / n
    return out


def _unsigned(signed: bytes) -> bytes:
    """The PDF as rendered, before its incremental signature updates (the first %%EOF section)."""
    end = signed.find(b"%%EOF")
    return signed[:end + 5] + b"\n" if end > 0 else signed
