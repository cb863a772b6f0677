"""Auto-approval: decisions including fact gathering (datahub reads, each logged on the access log,
the wallet) and the traced zen-engine run, against bare zen-engine evaluation of the same model on the
same facts in the same run.

* single  — what a submit does, one application at a time: read the live model
            (`service.active_decision`: one query, compiled form cached by content), `facts.gather`
            (source status, the record, the access-log row, the wallet: four statements) and
            `service.judge` (traced zen run, safety rules); p50/p95 are its latency. Recording the
            decision, the audit record and the flow (accept, approve, seal) are not timed here
            (`bench/submit_sealed.py` times all of it end to end);
* batched — the same over batches of 50 (`facts.gather_many`: one query per datahub source, one
            executemany insert of all the access-log rows, one wallet query; the live model read once
            per batch): the throughput of deciding a queue of applications. The portal's submit
            decides one application at a time (the single figure); batching is what a queue, a
            re-decision or the proactive scan could use;
* bare    — `decision.evaluate(facts)`: the very compiled `ZenDecision` the portal runs, on the same
            facts dicts (gathered before timing), trace OFF: the fastest zen-engine answers;
* bare+trace — the same with `{"trace": True}`: the output the portal needs (it stores the trace:
            inputs at every node, the rows that fired), so like is compared with like here.

Headline (the goal, >= 0.50): batched decisions/s over bare WITHOUT trace — the stricter of the two.
Its ceiling is bare/bare+trace (≈ 0.75–0.85 on these facts): the portal cannot skip the trace. The
ratio against bare+trace is printed beside it.

Applicants: 200 synthetic residents aged 60–90 with Shanghai household registration applying for
elderly-allowance (some approved, some denied: under 65, already receiving it). Rounds alternate the
sides (12 rounds of 50 decisions each, the order reversed every other round), and each side's best
round is its rate (as `timeit` takes the minimum: the round the other processes of a shared machine
disturbed least; every side has the same chances). Rates are wall clock (`perf_counter`); the same
ratios in CPU time of this process (`process_time`) are printed too, and the median over the rounds
of the batched/bare ratio measured back to back, which a loaded machine scatters most."""
from __future__ import annotations

import random
import statistics
import time


def run(n: int = 600, batch: int = 50, rounds: int = 12) -> dict:
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
        cpu: dict[str, list[float]] = {name: [] for name in rate}
        k = 0
        per_round = n // rounds

        def timed(name: str, work) -> None:
            c0, t0 = time.process_time(), time.perf_counter()
            work()
            rate[name].append(per_round / (time.perf_counter() - t0))
            cpu[name].append(per_round / max(time.process_time() - c0, 1e-9))

        def bare_run() -> None:
            for j in range(per_round):
                t = time.perf_counter()
                bare.evaluate(samples[j % len(samples)])
                lat["bare"].append(time.perf_counter() - t)

        def bare_trace_run() -> None:
            for j in range(per_round):
                bare.evaluate(samples[j % len(samples)], {"trace": True})

        def single_run() -> None:
            nonlocal k
            for _ in range(per_round):
                t = time.perf_counter()
                live = service.active_decision(session, code)
                f = facts.gather(session, today=today, **item(k, live.content))
                service.judge(live.content, f)
                lat["single"].append(time.perf_counter() - t)
                k += 1

        def batched_run() -> None:
            nonlocal k
            for start in range(0, per_round, batch):
                live = service.active_decision(session, code)
                got = facts.gather_many(session, [item(k + j, live.content)
                                                  for j in range(min(batch, per_round - start))], today=today)
                for f in got:
                    service.judge(live.content, f)
                k += len(got)

        sides = [("bare", bare_run), ("bare_trace", bare_trace_run), ("single", single_run), ("batched", batched_run)]
        for r in range(rounds):
            for name, work in sides if r % 2 == 0 else sides[::-1]:  # no side always first or last
                timed(name, work)
    finally:
        session.rollback()
        session.close()
    q = lambda xs, p: sorted(xs)[int(p * (len(xs) - 1))] * 1000  # noqa: E731
    # Each side's best round: the least disturbed by the other processes of a shared machine (as timeit
    # takes the minimum); every side gets the same number of rounds, interleaved, so none is favoured.
    per_s = {name: max(v) for name, v in rate.items()}
    cpu_s = {name: max(v) for name, v in cpu.items()}
    median_ratio = statistics.median(a / b for a, b in zip(rate["batched"], rate["bare"]))
    return {"per_s": per_s, "cpu_per_s": cpu_s, "single_p50_ms": q(lat["single"], .5),
            "single_p95_ms": q(lat["single"], .95), "bare_p50_ms": q(lat["bare"], .5),
            "bare_p95_ms": q(lat["bare"], .95), "batch": batch, "rounds": rounds,
            "ratio": per_s["batched"] / per_s["bare"], "ratio_vs_bare_trace": per_s["batched"] / per_s["bare_trace"],
            "single_ratio": per_s["single"] / per_s["bare"], "cpu_ratio": cpu_s["batched"] / cpu_s["bare"],
            "cpu_ratio_vs_bare_trace": cpu_s["batched"] / cpu_s["bare_trace"],
            "cpu_single_ratio": cpu_s["single"] / cpu_s["bare"], "median_round_ratio": median_ratio}


def describe(r: dict) -> str:
    s = r["per_s"]
    return (f"single p50 {r['single_p50_ms']:.2f} ms p95 {r['single_p95_ms']:.2f} ms {s['single']:6.0f}/s   "
            f"batched ({r['batch']}) {s['batched']:6.0f}/s   bare zen-engine p50 {r['bare_p50_ms']:.3f} ms "
            f"{s['bare']:6.0f}/s   with trace {s['bare_trace']:6.0f}/s   ratio batched {r['ratio']:.2f} (goal >= 0.50; "
            f"vs bare+trace {r['ratio_vs_bare_trace']:.2f}), single {r['single_ratio']:.2f}   in CPU time: batched "
            f"{r['cpu_ratio']:.2f} (vs bare+trace {r['cpu_ratio_vs_bare_trace']:.2f}), "
            f"single {r['cpu_single_ratio']:.2f}   median of the rounds' batched/bare {r['median_round_ratio']:.2f}")


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
