"""`make bench`: every benchmark prints its figure as a ratio against a bare baseline measured in
the same run, on the same machine, so that the numbers mean something on any machine.

1. catalogue API: GET /api/v1/matters?limit=20 served by `portal serve` as shipped (1 worker, the
   access log on) vs bench/bare_bytes.py (an async Starlette endpoint) serving the same bytes; each
   server its own process pinned to core 0, wrk pinned to core 1, alternated pair by pair;
2. consultation: the ranking per question (in-process) vs a bare substring scan of the names;
3. e-seal: sealed documents/s through the platform vs raw pyHanko signing (bench/seal_bench.py);
4. auto-approval: decisions/s with fact gathering vs bare zen-engine on the same model (bench/approval_bench.py);
5. review statistics: 1,000,000 reviews seeded in a temporary SQLite file and (when reachable) a private
   PostgreSQL schema; every dashboard query's p95 from the rollups vs the raw GROUP BY, goal <= 100 ms
   (bench/review_stats.py; `--reviews N` for another size).

The figures are also saved as JSON (default var/bench.json; `--json PATH`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.live import Portal, free_port, wait_until_up, wrk  # noqa: E402

TMP = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.setdefault("PORTAL_DATABASE_URL", f"sqlite:///{TMP}/bench.db")
os.environ.setdefault("PORTAL_DATA_DIR", TMP)
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_ENV", "development")


def _side_by_side(portal_url: str, bare_url: str, pairs: int = 3, seconds: int = 5) -> dict:
    """wrk (pinned to core 1) against each server in turn; the median of the per-pair ratios."""
    ratios, last = [], {}
    for _ in range(pairs):
        last = {"portal_rps": wrk(portal_url, seconds), "bare_rps": wrk(bare_url, seconds)}
        ratios.append(last["portal_rps"] / last["bare_rps"])
    return {**last, "ratio": statistics.median(ratios), "ratios": ratios}


def bench_catalogue() -> dict:
    """GET /api/v1/matters?limit=20: the portal as shipped (`portal serve`, INFO access log on)
    against bare_bytes.py serving the same bytes, each pinned to core 0."""
    path = "/api/v1/matters?limit=20"
    portal = Portal(demo=False, pin="0").start()
    try:
        body = httpx.get(portal.base + path).content
        body_file = Path(TMP) / "catalogue.json"
        body_file.write_bytes(body)
        port = free_port()
        bare = subprocess.Popen(["taskset", "-c", "0", sys.executable, str(ROOT / "bench/bare_bytes.py"),
                                 str(body_file), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bare_url = f"http://127.0.0.1:{port}{path}"
            wait_until_up(bare_url, proc=bare)
            result = _side_by_side(portal.base + path, bare_url)
        finally:
            bare.terminate()
            bare.wait()
    finally:
        portal.close()
    result["bytes"] = len(body)
    print(f"catalogue API   portal {result['portal_rps']:8.0f} req/s   bare async Starlette "
          f"{result['bare_rps']:8.0f} req/s   ratio {result['ratio']:.2f} (goal >= 0.50; pairs "
          + ", ".join(f"{r:.2f}" for r in result["ratios"]) + ")")
    return result


def bench_consultation() -> dict:
    from app.matters.consultation import engine
    from app.matters.service import load_catalogue

    t0 = time.perf_counter()
    index = engine.build_index()  # a fresh build (jieba is already loaded by the app's warm-up)
    index.search("预热")
    build = time.perf_counter() - t0
    questions = [line.split("\t")[0] for f in ("consultation.tsv", "consultation-heldout-2.tsv")
                 for line in (ROOT / "tests/data" / f).read_text(encoding="utf-8").splitlines()[1:]]
    names = [(m["code"], m["name"]) for m in load_catalogue()["matters"]]

    def bare(q):  # the simplest thing that could answer: names sharing a character with the question
        return sorted(names, key=lambda n: -sum(c in q for c in n[1]))[:5]

    def timed(fn):
        out = []
        for q in questions:
            t = time.perf_counter()
            fn(q)
            out.append(time.perf_counter() - t)
        out.sort()
        return out

    ours, base = timed(lambda q: index.search(q, limit=5)), timed(bare)
    p95 = lambda xs: xs[int(0.95 * (len(xs) - 1))] * 1000  # noqa: E731
    print(f"consultation    p95 {p95(ours):6.2f} ms/question   bare name scan p95 {p95(base):6.2f} ms   "
          f"ratio {p95(ours) / max(p95(base), 1e-6):5.1f}x   (index built in {build:.2f} s)")
    return {"p95_ms": p95(ours), "bare_p95_ms": p95(base), "index_build_s": build}


def bench_seals() -> dict:
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "seal_bench.py"), "--docs", "30", "--rounds", "3"],
                       capture_output=True, text=True)
    lines = [ln for ln in r.stdout.strip().splitlines() if ln.strip()]
    figure = lines[-1] if lines else r.stderr.strip()[-300:]
    print("e-seal          " + figure)
    return {"figure": figure}


def bench_approval() -> dict:
    from bench.approval_bench import bench_approval as run

    figure = run()
    print("auto-approval   " + figure)
    return {"figure": figure}


def bench_reviews(n: int) -> dict:
    from bench.review_stats import bench_reviews as run

    print(f"review stats    {n:,} reviews; dashboard queries from the rollups vs a raw GROUP BY")
    return run(n)


def main() -> None:
    ap = argparse.ArgumentParser(description="portal benchmarks against bare baselines")
    ap.add_argument("--json", default=str(ROOT / "var" / "bench.json"))
    ap.add_argument("--only", nargs="*", help="run only these (catalogue consultation seals approval reviews)")
    ap.add_argument("--reviews", type=int, default=1_000_000, help="reviews seeded for the statistics bench")
    args = ap.parse_args()
    print(f"portal benchmarks ({os.cpu_count()} cores); each figure is a ratio against a baseline run alongside")
    benches = {"catalogue": bench_catalogue, "consultation": bench_consultation, "seals": bench_seals,
               "approval": bench_approval, "reviews": lambda: bench_reviews(args.reviews)}
    results = {"machine": {"cores": os.cpu_count(), "load_avg": os.getloadavg()},
               "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    for name, fn in benches.items():
        if not args.only or name in args.only:
            results[name] = fn()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"saved {args.json}")


if __name__ == "__main__":
    main()
