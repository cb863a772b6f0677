"""`make bench`: every benchmark prints its figure as a ratio against a bare baseline measured in
the same run, on the same machine, so that the numbers mean something on any machine.

1. catalogue API: GET /api/v1/matters?limit=20 served by the portal (uvicorn, 1 worker) vs a bare
   Starlette app serving the same bytes, both driven by the same async client (requests/s);
2. consultation: the ranking per question (in-process) vs a bare substring scan of the names;
3. e-seal: sealed documents/s through the platform vs raw pyHanko signing (bench/seal_bench.py);
4. auto-approval: decisions/s with fact gathering vs bare zen-engine on the same model (bench/approval_bench.py).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="portal-bench-")
os.environ.setdefault("PORTAL_DATABASE_URL", f"sqlite:///{TMP}/bench.db")
os.environ.setdefault("PORTAL_DATA_DIR", TMP)
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_ENV", "development")


def _port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def _serve(app) -> tuple[str, object]:
    import uvicorn

    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


async def _load(url: str, seconds: float, concurrency: int = 16) -> float:
    import httpx

    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=30) as client:
        async def worker():
            nonlocal done
            while time.perf_counter() < stop:
                r = await client.get(url)
                assert r.status_code == 200
                done += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - start)


def _wrk(url: str, seconds: float) -> float:
    out = subprocess.run(["wrk", "-t2", "-c50", f"-d{max(1, int(seconds))}s", url], capture_output=True,
                         text=True).stdout
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))


def bench_catalogue(seconds: float = 6.0) -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from app.core import migrate
    from app.core.db import get_engine, session_factory
    from app.main import create_app
    from app.matters.service import seed_catalogue

    migrate.upgrade(get_engine())
    with session_factory().begin() as s:
        seed_catalogue(s)
    portal_url, portal = _serve(create_app())
    path = "/api/v1/matters?limit=20"
    import httpx

    body = httpx.get(portal_url + path).content
    bare = Starlette(routes=[Route("/api/v1/matters", lambda r: Response(body, media_type="application/json"))])
    bare_url, bare_server = _serve(bare)
    # wrk (a separate process) when installed; otherwise an async Python client, whose own cost
    # then caps both sides alike.
    load = _wrk if shutil.which("wrk") else (lambda url, s: asyncio.run(_load(url, s)))
    rates = {"portal": [], "bare": []}
    for _ in range(3):  # alternate to share machine noise
        rates["bare"].append(load(bare_url + path, seconds / 3))
        rates["portal"].append(load(portal_url + path, seconds / 3))
    p, b = statistics.median(rates["portal"]), statistics.median(rates["bare"])
    tool = "wrk" if shutil.which("wrk") else "python client"
    print(f"catalogue API   portal {p:8.0f} req/s   bare Starlette {b:8.0f} req/s   ratio {p / b:6.1%}   ({tool})")
    portal.should_exit = bare_server.should_exit = True


def bench_consultation() -> None:
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


def bench_seals() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "seal_bench.py"), "--docs", "30", "--rounds", "3"],
                       capture_output=True, text=True)
    lines = [ln for ln in r.stdout.strip().splitlines() if ln.strip()]
    print("e-seal          " + (lines[-1] if lines else r.stderr.strip()[-300:]))


if __name__ == "__main__":
    print(f"portal benchmarks ({os.cpu_count()} cores); each figure is a ratio against a baseline run alongside")
    bench_catalogue()
    bench_consultation()
    bench_seals()
    from bench.approval_bench import bench_approval

    print("auto-approval   " + bench_approval())
