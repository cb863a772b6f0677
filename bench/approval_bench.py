"""Auto-approval: decisions including fact gathering (datahub reads, each logged on the access log,
the wallet) and the traced zen-engine run, against bare zen-engine evaluation of the same model on the
same facts in the same run.

* single  — one application at a time (`facts.gather` + `service.judge`): the latency a submit sees
            (p50, p95); its database round trips (record, access-log row, wallet) dominate;
* batched — `facts.gather_many` over batches of applications (one query per datahub source, one
            insert of all the access-log rows, one wallet query) + `service.judge` for each;
* bare    — `decision.evaluate(facts)` of the compiled model, nothing else;
* bare+trace — the same with `{"trace": True}`: what the portal needs to store which rows fired
            (the trace repeats the input at every node, so it costs more as the facts grow).

Applicants: 200 synthetic residents aged 60–90 with Shanghai household registration applying for
elderly-allowance (some approved, some denied: under 65, already receiving it).
Rounds alternate the sides. Goal: batched decisions/s >= 0.5 of bare (the ratio against bare+trace,
the same output as the portal's, is printed too)."""
from __future__ import annotations

import random
import statistics
import time


def run(n: int = 600, batch: int = 50, rounds: int = 3) -> dict:
    from app.core import migrate
    from app.core.clock import china_today
    from app.core.db import get_engine, session_factory
    from app.matters import content as matter_content
    from app.matters.service import seed_catalogue
    from app.services.approval import engine, facts, service
    from app.services.datahub import service as datahub

    migrate.upgrade(get_engine())
    code = "elderly-allowance"
    rng = random.Random(7)
    people = [datahub.synthesize_person(rng, age=rng.randint(60, 90), shanghai_hukou=True) for _ in range(200)]
    with session_factory().begin() as s:
        seed_catalogue(s)
        datahub.seed_demo(s)
        service.seed_models(s)
        datahub.load_records(s, people)
    subjects = [p["population"]["id_number"] for p in people]
    form = matter_content.example_form(code, include_prefilled=True)
    today = china_today()
    session = session_factory()()
    try:
        model = service.active_decision(session, code)

        def item(k: int, content: dict) -> dict:
            return dict(matter_code=code, subject_key=subjects[k % len(subjects)], form=form, number=f"BENCH{k:06d}",
                        needs=engine.sources(content), materials_complete=True)

        samples = facts.gather_many(session, [item(k, model.content) for k in range(len(subjects))], today=today)
        outcomes = [service.judge(model.content, f)["outcome"] for f in samples]
        bare = model.decision  # the very compiled decision the portal runs (compiled once, cached)
        assert bare is engine.decision(model.content)
        assert [bare.evaluate(f)["result"]["outcome"] for f in samples] == outcomes
        assert "approve" in outcomes and "deny" in outcomes  # a mix, as a district's applicants are

        lat: dict[str, list[float]] = {"single": [], "bare": []}
        rate: dict[str, list[float]] = {"single": [], "batched": [], "bare": [], "bare_trace": []}
        k = 0
        per_round = n // rounds
        for _ in range(rounds):
            t0 = time.perf_counter()
            for j in range(per_round):
                t = time.perf_counter()
                bare.evaluate(samples[j % len(samples)])
                lat["bare"].append(time.perf_counter() - t)
            rate["bare"].append(per_round / (time.perf_counter() - t0))

            t0 = time.perf_counter()
            for j in range(per_round):
                bare.evaluate(samples[j % len(samples)], {"trace": True})
            rate["bare_trace"].append(per_round / (time.perf_counter() - t0))

            t0 = time.perf_counter()
            for _ in range(per_round):
                t = time.perf_counter()
                live = service.active_decision(session, code)
                f = facts.gather(session, today=today, **item(k, live.content))
                service.judge(live.content, f)
                lat["single"].append(time.perf_counter() - t)
                k += 1
            rate["single"].append(per_round / (time.perf_counter() - t0))

            t0 = time.perf_counter()
            for start in range(0, per_round, batch):
                live = service.active_decision(session, code)
                got = facts.gather_many(session, [item(k + j, live.content)
                                                  for j in range(min(batch, per_round - start))], today=today)
                for f in got:
                    service.judge(live.content, f)
                k += len(got)
            rate["batched"].append(per_round / (time.perf_counter() - t0))
    finally:
        session.rollback()
        session.close()
    q = lambda xs, p: sorted(xs)[int(p * (len(xs) - 1))] * 1000  # noqa: E731
    per_s = {name: statistics.median(v) for name, v in rate.items()}
    return {"per_s": per_s, "single_p50_ms": q(lat["single"], .5), "single_p95_ms": q(lat["single"], .95),
            "bare_p50_ms": q(lat["bare"], .5), "bare_p95_ms": q(lat["bare"], .95), "batch": batch,
            "ratio": per_s["batched"] / per_s["bare"], "ratio_vs_bare_trace": per_s["batched"] / per_s["bare_trace"],
            "single_ratio": per_s["single"] / per_s["bare"]}


def describe(r: dict) -> str:
    s = r["per_s"]
    return (f"single p50 {r['single_p50_ms']:.2f} ms p95 {r['single_p95_ms']:.2f} ms {s['single']:6.0f}/s   "
            f"batched ({r['batch']}) {s['batched']:6.0f}/s   bare zen-engine p50 {r['bare_p50_ms']:.3f} ms "
            f"{s['bare']:6.0f}/s   with trace {s['bare_trace']:6.0f}/s   ratio batched {r['ratio']:.2f} (goal >= 0.50; "
            f"vs bare+trace {r['ratio_vs_bare_trace']:.2f}), single {r['single_ratio']:.2f}")


def bench_approval() -> str:
    """The one-line figure (kept for callers of the old interface)."""
    return describe(run())


if __name__ == "__main__":
    import os
    import sys
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    tmp = tempfile.mkdtemp(prefix="portal-bench-")
    os.environ.setdefault("PORTAL_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("PORTAL_DATA_DIR", tmp)
    print("auto-approval   " + describe(run()))
