"""Auto-approval: decisions/s and latency including fact gathering (datahub reads, wallet, the access
log) and the traced zen-engine run, against bare zen-engine evaluation of the same model on the same
facts in the same run. Prints p50/p95 and the ratio of throughputs (goal >= 0.5)."""
from __future__ import annotations

import time


def bench_approval(n: int = 300) -> str:
    from app.core import migrate
    from app.core.clock import china_today
    from app.core.db import get_engine, session_factory
    from app.matters import content as matter_content
    from app.matters.service import seed_catalogue
    from app.services.approval import engine, facts, service
    from app.services.datahub import service as datahub

    migrate.upgrade(get_engine())
    with session_factory().begin() as s:
        seed_catalogue(s)
        datahub.seed_demo(s)
        service.seed_models(s)
    code, subject = "elderly-allowance", "310104195603152027"
    form = matter_content.example_form(code, include_prefilled=True)
    session = session_factory()()
    try:
        model = service.active_model(session, code)
        needs = engine.sources(model.content)

        def portal_once() -> str:
            f = facts.gather(session, matter_code=code, subject_key=subject, form=form, number="BENCH",
                             needs=needs, materials_complete=True, today=china_today())
            return service.judge(model.content, f)["outcome"]

        sample = facts.gather(session, matter_code=code, subject_key=subject, form=form, number="BENCH",
                              needs=needs, materials_complete=True, today=china_today())
        bare = engine.decision(model.content)  # compiled once, as the portal's cache does

        def bare_once() -> str:
            return bare.evaluate(sample)["result"]["outcome"]

        assert portal_once() == bare_once() == "approve"
        lat = {"portal": [], "bare": []}
        for _ in range(3):  # alternate rounds to share machine noise
            for name, fn in (("bare", bare_once), ("portal", portal_once)):
                for _ in range(n // 3):
                    t = time.perf_counter()
                    fn()
                    lat[name].append(time.perf_counter() - t)
    finally:
        session.rollback()
        session.close()
    q = lambda xs, p: sorted(xs)[int(p * (len(xs) - 1))] * 1000  # noqa: E731
    dps = {k: len(v) / sum(v) for k, v in lat.items()}
    return (f"portal p50 {q(lat['portal'], .5):.2f} ms p95 {q(lat['portal'], .95):.2f} ms {dps['portal']:7.0f}/s   "
            f"bare zen-engine p50 {q(lat['bare'], .5):.3f} ms {dps['bare']:7.0f}/s   "
            f"ratio {dps['portal'] / dps['bare']:6.1%} (goal >= 50%)")


if __name__ == "__main__":
    import os
    import sys
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    tmp = tempfile.mkdtemp(prefix="portal-bench-")
    os.environ.setdefault("PORTAL_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("PORTAL_DATA_DIR", tmp)
    print("auto-approval   " + bench_approval())
