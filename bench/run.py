"""`make bench`: every benchmark prints its figure as a ratio against a bare baseline measured in
the same run, on the same machine, so that the numbers mean something on any machine. At the end
one table of ratios is printed and everything is saved as JSON (default var/bench.json; `--json PATH`).

1. catalogue API: GET /api/v1/matters?limit=20 served by `portal serve` as shipped (1 worker, the
   access log on) vs bench/bare_bytes.py (an async Starlette endpoint, no access log) serving the
   same bytes; each server its own process pinned to core 0, wrk pinned to core 1, alternated pair by pair;
2. pages: a matter page and an application page (HTML, as the logged-in applicant) vs
   bench/bare_page.py: an async Starlette endpoint that per request checks the session cookie,
   reads the page's rows with plain SQL (sqlite3) from a copy of the database and renders the same
   templates with the same data (the same bytes, checked); served the same way (pinned, wrk with
   the same session cookie, 4 connections);
3. submissions: application creation throughput and p95 on SQLite and PostgreSQL vs the same rows
   inserted by bare SQLAlchemy Core (bench/submissions.py; PostgreSQL at --pg, skipped if it is down);
4. consultation: the ranking per question (in-process) vs a bare substring scan of the names;
5. e-seal: sealing, and issuing a sealed result (render, seal, timestamp, store), vs raw pyHanko
   PAdES B-LT signing of the same finished PDF (the same signature level; B-T shown too; bench/seal_bench.py);
6. auto-approval: decisions/s with fact gathering vs bare zen-engine on the same model
   (bench/approval_bench.py), and submit → sealed result downloaded for citizen-elder
   (bench/submit_sealed.py, goal under 1 s);
7. review statistics: 1,000,000 reviews seeded in a temporary SQLite file and (when reachable) a private
   PostgreSQL schema; every dashboard query's p95 from the rollups vs the raw GROUP BY, goal <= 100 ms
   (bench/review_stats.py; `--reviews N` for another size).
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
from bench.live import Portal, cpu_seconds, free_port, wait_until_up, wrk  # noqa: E402

TMP = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.setdefault("PORTAL_DATABASE_URL", f"sqlite:///{TMP}/bench.db")
os.environ.setdefault("PORTAL_DATA_DIR", TMP)
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_ENV", "development")


def _side_by_side(portal_url: str, bare_url: str, pids: tuple[int, int], pairs: int = 3, seconds: int = 5,
                  headers: dict | None = None, connections: int = 50) -> dict:
    """wrk (pinned to core 1) against each server in turn; the median of the per-pair ratios. Beside
    them, each server's CPU time per request (`pids`: portal, bare) and the median of the pairs' CPU
    ratios (bare's CPU per request / the portal's)."""
    ratios, cpu_ratios, last = [], [], {}
    for _ in range(pairs):
        for side, url, pid in (("portal", portal_url, pids[0]), ("bare", bare_url, pids[1])):
            before = cpu_seconds(pid)
            last[f"{side}_rps"] = rps = wrk(url, seconds, connections, headers=headers)
            last[f"{side}_cpu_us"] = 1e6 * (cpu_seconds(pid) - before) / (rps * seconds)
        ratios.append(last["portal_rps"] / last["bare_rps"])
        cpu_ratios.append(last["bare_cpu_us"] / last["portal_cpu_us"])
    return {**last, "ratio": statistics.median(ratios), "ratios": ratios,
            "cpu_ratio": statistics.median(cpu_ratios), "cpu_ratios": cpu_ratios}


def _cpu_note(result: dict) -> str:
    return (f"\n{'':17}CPU per request: portal {result['portal_cpu_us']:.0f} µs, bare {result['bare_cpu_us']:.0f} µs;"
            f" CPU ratio {result['cpu_ratio']:.2f} (pairs " + ", ".join(f"{r:.2f}" for r in result["cpu_ratios"]) + ")")


def _start_bare(args: list[str], **kw) -> subprocess.Popen:
    """A bare server pinned to core 0, its output (warnings and errors: no access log, see
    docs/performance.md, "How the HTTP benchmark is fair") in a file."""
    with open(Path(TMP) / "bare.log", "a") as log:
        return subprocess.Popen(["taskset", "-c", "0", sys.executable, *args], stdout=log,
                                stderr=subprocess.STDOUT, **kw)


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
        bare = _start_bare([str(ROOT / "bench/bare_bytes.py"), str(body_file), str(port)])
        try:
            bare_url = f"http://127.0.0.1:{port}{path}"
            wait_until_up(bare_url, proc=bare)
            result = _side_by_side(portal.base + path, bare_url, (portal.proc.pid, bare.pid))
        finally:
            bare.terminate()
            bare.wait()
    finally:
        portal.close()
    result["bytes"] = len(body)
    print(f"catalogue API   portal {result['portal_rps']:8.0f} req/s   bare async Starlette "
          f"{result['bare_rps']:8.0f} req/s   ratio {result['ratio']:.2f} (goal >= 0.50; pairs "
          + ", ".join(f"{r:.2f}" for r in result["ratios"]) + ")" + _cpu_note(result))
    return result


def bench_consultation() -> dict:
    from app.matters.consultation import engine
    from app.matters.consultation.sources import _load_yaml
    from app.matters.service import load_catalogue

    t0 = time.perf_counter()
    cold_index = engine.build_index()  # loads jieba's dictionary first (once per process)
    cold = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    index = engine.build_index(segmenter=cold_index.segmenter)  # what a rebuild costs (admin lexicon)
    index.search("预热")
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    # The bare baseline's "index": the catalogue read with the same YAML loader, the names listed.
    t0, c0 = time.perf_counter(), time.process_time()
    bare_names = [(m["code"], m["name"]) for m in (_load_yaml(engine.CATALOGUE_FILE) or {}).get("matters", [])]
    bare_build, bare_build_cpu = time.perf_counter() - t0, time.process_time() - c0
    data = ROOT / "tests/data"
    questions = [line.split("\t")[0] for f in ("consultation.tsv", "consultation-tuning-3.tsv")
                 for line in (data / f).read_text(encoding="utf-8").splitlines()[1:]]
    # Long stories (the tuning set's "long" rows) are the slowest questions: timed on their own too.
    stories = [row[0] for row in (line.split("\t") for line in
                                  (data / "consultation-tuning-2.tsv").read_text(encoding="utf-8").splitlines()[1:])
               if len(row) > 2 and row[2] == "long"]
    names = [(m["code"], m["name"]) for m in load_catalogue()["matters"]]
    assert len(names) == len(bare_names)

    def bare(q):  # the simplest thing that could answer: names sharing a character with the question
        return sorted(names, key=lambda n: -sum(c in q for c in n[1]))[:5]

    def timed(fn, qs, clock=time.perf_counter):
        out = []
        for q in qs:
            t = clock()
            fn(q)
            out.append(clock() - t)
        out.sort()
        return out

    ours, base = timed(lambda q: index.search(q, limit=5), questions), timed(bare, questions)
    # CPU time of this thread: what a question costs when other processes crowd the cores
    ours_cpu = timed(lambda q: index.search(q, limit=5), questions, time.thread_time)
    base_cpu = timed(bare, questions, time.thread_time)
    long_cpu, long_base_cpu = (timed(lambda q: index.search(q, limit=5), stories, time.thread_time),
                               timed(bare, stories, time.thread_time))
    p95 = lambda xs: xs[int(0.95 * (len(xs) - 1))] * 1000  # noqa: E731
    load = os.getloadavg()[0]
    print(f"consultation    p95 {p95(ours):6.2f} ms/question   bare name scan p95 {p95(base):6.2f} ms   "
          f"ratio {p95(ours) / max(p95(base), 1e-6):5.1f}x   (goal p95 <= 5 ms; {len(questions)} questions)")
    print(f"                CPU p95 {p95(ours_cpu):6.2f} ms/question   bare name scan CPU p95 {p95(base_cpu):6.2f} ms; "
          f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"                long stories CPU p95 {p95(long_cpu):6.2f} ms   bare name scan {p95(long_base_cpu):6.2f} ms "
          f"({len(stories)} stories)")
    print(f"                index built in {build:.2f} s, CPU {build_cpu:.2f} s (goal <= 1 s; {cold:.2f} s cold, with "
          f"loading jieba's dictionary); bare name list {bare_build * 1000:.0f} ms, CPU {bare_build_cpu * 1000:.0f} ms")
    return {"p95_ms": p95(ours), "bare_p95_ms": p95(base), "cpu_p95_ms": p95(ours_cpu),
            "bare_cpu_p95_ms": p95(base_cpu), "long_cpu_p95_ms": p95(long_cpu),
            "bare_long_cpu_p95_ms": p95(long_base_cpu), "index_build_s": build, "index_build_cpu_s": build_cpu,
            "bare_build_s": bare_build, "bare_build_cpu_s": bare_build_cpu, "index_build_cold_s": cold,
            "load_avg_1m": load}


def bench_pages() -> dict:
    """The matter page and an issued application's page, as citizen-elder sees them, against a bare
    page (bench/bare_page.py) that checks the session, reads the same rows and renders the same
    templates, on a copy of the same database."""
    from bench.submit_sealed import issued_application

    portal = Portal(demo=True, pin="0").start()
    out = {}
    try:
        number = issued_application(portal)
        cookie = portal.web_cookie("citizen-elder")
        headers = {"Cookie": cookie}
        # The bare server reads a consistent copy of the same database: sharing the SQLite file,
        # its reads would queue with the portal's requests on the file's lock.
        import sqlite3

        copy = Path(portal.dir) / "bare-copy.db"
        with sqlite3.connect(Path(portal.dir) / "portal.db") as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        bare_env = {**portal.env, "PORTAL_DATABASE_URL": f"sqlite:///{copy}"}
        for name, path in (("matter_page", "/matters/elderly-allowance"), ("application_page", f"/applications/{number}")):
            page = httpx.get(portal.base + path, headers=headers, timeout=60)
            page.raise_for_status()
            port = free_port()
            bare = _start_bare([str(ROOT / "bench/bare_page.py"), str(port), path, cookie], env=bare_env)
            try:
                bare_url = f"http://127.0.0.1:{port}{path}"
                wait_until_up(bare_url, seconds=240, proc=bare, headers=headers)
                bare_page = httpx.get(bare_url, headers=headers, timeout=60).content
                if bare_page != page.content:
                    raise RuntimeError(f"{path}: the bare page differs from the portal's "
                                       f"({len(bare_page)} vs {len(page.content)} bytes)")
                bare_bytes = len(bare_page)
                result = _side_by_side(portal.base + path, bare_url, (portal.proc.pid, bare.pid),
                                       headers=headers, connections=4)
            finally:
                bare.terminate()
                bare.wait()
            result.update(bytes=len(page.content), bare_bytes=bare_bytes, path=path)
            out[name] = result
            print(f"{name.replace('_', ' '):<17}portal {result['portal_rps']:8.0f} req/s   bare Jinja "
                  f"{result['bare_rps']:8.0f} req/s   ratio {result['ratio']:.2f} (goal >= 0.50; pairs "
                  + ", ".join(f"{r:.2f}" for r in result["ratios"]) + f"; {len(page.content)} vs {bare_bytes} bytes)"
                  + _cpu_note(result))
    finally:
        portal.close()
    return out


def bench_submissions(pg_url: str | None) -> dict:
    from bench.submissions import describe, run

    out = {}
    for kind, url in (("sqlite", None), ("postgresql", pg_url)):
        if kind == "postgresql" and not _pg_up(pg_url):
            print(f"submissions     PostgreSQL not reachable at {pg_url}: skipped")
            continue
        out[kind] = run(database_url=url)
        print("submissions     " + describe(out[kind]))
    return out


def _pg_up(url: str | None) -> bool:
    if not url:
        return False
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(url)
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def bench_seals() -> dict:
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "seal_bench.py"), "--docs", "15", "--rounds", "3",
                        "--json"], capture_output=True, text=True)
    lines = [ln for ln in r.stdout.strip().splitlines() if ln.strip()]
    if not lines or not lines[-1].startswith("{"):
        raise RuntimeError("seal_bench failed: " + r.stderr.strip()[-500:])
    for line in lines[:-1]:
        print("e-seal          " + line)
    return json.loads(lines[-1])


def bench_approval() -> dict:
    from bench.approval_bench import describe, run
    from bench.submit_sealed import describe as describe_submit
    from bench.submit_sealed import run as run_submit

    result = run()
    print("auto-approval   " + describe(result))
    result["submit_to_sealed"] = run_submit()
    print("auto-approval   " + describe_submit(result["submit_to_sealed"]))
    return result


def table(results: dict) -> list[tuple[str, str, str, str]]:
    """(figure, ratio or value, goal, measured) rows of what ran."""
    rows = []
    if "catalogue" in results:
        r = results["catalogue"]
        rows.append(("catalogue API vs bare async Starlette", f"{r['ratio']:.2f}", ">= 0.50",
                     f"{r['portal_rps']:.0f} vs {r['bare_rps']:.0f} req/s"))
    for key, label in (("matter_page", "matter page vs bare Jinja"), ("application_page", "application page vs bare Jinja")):
        r = results.get("pages", {}).get(key)
        if r:
            rows.append((label, f"{r['ratio']:.2f}", ">= 0.50", f"{r['portal_rps']:.0f} vs {r['bare_rps']:.0f} req/s"))
    for kind, r in results.get("submissions", {}).items():
        rows.append((f"submissions ({kind}) vs bare Core inserts", f"{r['ratio']:.2f}", "",
                     f"{r['portal_per_s']:.0f} vs {r['bare_per_s']:.0f}/s; p95 {r['portal_p95_ms']:.0f} vs "
                     f"{r['bare_p95_ms']:.0f} ms"))
    if "consultation" in results:
        r = results["consultation"]
        rows.append(("consultation p95 vs bare name scan", f"{r['p95_ms'] / max(r['bare_p95_ms'], 1e-6):.1f}x",
                     "p95 <= 5 ms", f"{r['p95_ms']:.2f} vs {r['bare_p95_ms']:.2f} ms"))
        if "cpu_p95_ms" in r:
            rows.append(("consultation CPU p95 vs bare name scan",
                         f"{r['cpu_p95_ms'] / max(r['bare_cpu_p95_ms'], 1e-6):.1f}x", "p95 <= 5 ms",
                         f"{r['cpu_p95_ms']:.2f} vs {r['bare_cpu_p95_ms']:.2f} ms; long stories "
                         f"{r.get('long_cpu_p95_ms', 0):.2f} ms"))
        if "bare_build_s" in r:
            rows.append(("consultation index build vs bare name list", f"{r['index_build_s']:.2f} s",
                         "<= 1 s", f"CPU {r['index_build_cpu_s']:.2f} s; bare {r['bare_build_s'] * 1000:.0f} ms "
                         f"({r['index_build_s'] / max(r['bare_build_s'], 1e-6):.0f}x)"))
    if "seals" in results:
        r = results["seals"]
        ms = r["ms_per_doc"]
        rows.append(("sealing vs raw pyHanko B-LT", f"{r['seal_ratio']:.2f}", ">= 0.70",
                     f"{ms['seal']:.0f} vs {ms['raw_lt']:.0f} ms/doc (vs raw B-T {r['seal_ratio_vs_raw_bt']:.2f})"))
        rows.append(("issuing a sealed result vs raw pyHanko B-LT", f"{r['issue_ratio']:.2f}", ">= 0.33",
                     f"{ms['issue']:.0f} vs {ms['raw_lt']:.0f} ms/doc (vs raw B-T {r['issue_ratio_vs_raw_bt']:.2f})"))
    if "approval" in results:
        r = results["approval"]
        rows.append(("auto-approval vs bare zen-engine", f"{r['ratio']:.2f}", ">= 0.50",
                     f"batched {r['per_s']['batched']:.0f} vs {r['per_s']['bare']:.0f}/s (vs traced "
                     f"{r['ratio_vs_bare_trace']:.2f}; in CPU time {r['cpu_ratio']:.2f}); single p50 "
                     f"{r['single_p50_ms']:.1f} p95 {r['single_p95_ms']:.1f} ms"))
        s = r.get("submit_to_sealed")
        if s:
            rows.append(("submit -> sealed result (citizen-elder)", f"{s['p95_ms']:.0f} ms p95", "< 1000 ms",
                         f"p50 {s['p50_ms']:.0f} ms, max {s['max_ms']:.0f} ms, {s['n']} applications"))
    for db, r in results.get("reviews", {}).items():
        rows.append((f"review dashboard at {r['reviews']:,} reviews ({db})", f"{r['worst_p95_ms']:.1f} ms p95",
                     "<= 100 ms", f"raw GROUP BY p95 {r['worst_raw_p95_ms']:.0f} ms; figures equal: "
                     f"{'yes' if r['all_equal'] else 'NO'}"))
    return rows


def bench_reviews(n: int) -> dict:
    from bench.review_stats import bench_reviews as run

    print(f"review stats    {n:,} reviews; dashboard queries from the rollups vs a raw GROUP BY")
    return run(n)


def main() -> None:
    ap = argparse.ArgumentParser(description="portal benchmarks against bare baselines")
    ap.add_argument("--json", default=str(ROOT / "var" / "bench.json"))
    ap.add_argument("--only", nargs="*",
                    help="run only these (catalogue pages submissions consultation seals approval reviews)")
    ap.add_argument("--reviews", type=int, default=1_000_000, help="reviews seeded for the statistics bench")
    ap.add_argument("--pg", default=os.environ.get("PORTAL_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
                    help="PostgreSQL for the submission benchmark (a private schema is created and dropped)")
    ap.add_argument("--update", action="store_true",
                    help="keep the other figures already in the JSON file and replace only those run now")
    args = ap.parse_args()
    print(f"portal benchmarks ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}); each figure is a "
          "ratio against a baseline run alongside")
    benches = {"catalogue": bench_catalogue, "pages": bench_pages, "submissions": lambda: bench_submissions(args.pg),
               "consultation": bench_consultation, "seals": bench_seals, "approval": bench_approval,
               "reviews": lambda: bench_reviews(args.reviews)}
    results = {"machine": {"cores": os.cpu_count(), "load_avg_start": os.getloadavg()},
               "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if args.update and Path(args.json).exists():
        previous = json.loads(Path(args.json).read_text(encoding="utf-8"))
        results = {**previous, "machine": {**previous.get("machine", {}), "load_avg_start_update": os.getloadavg()},
                   "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    for name, fn in benches.items():
        if not args.only or name in args.only:
            results[name] = fn()
    results["machine"]["load_avg_end"] = os.getloadavg()
    rows = table(results)
    results["table"] = [dict(zip(("figure", "result", "goal", "measured"), row)) for row in rows]
    width = max(len(r[0]) for r in rows) if rows else 0
    print()
    for figure, result, goal, measured in rows:
        print(f"{figure:<{width}}  {result:>12}  {goal:>9}  {measured}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n",
                               encoding="utf-8")
    print(f"saved {args.json}")


if __name__ == "__main__":
    main()
