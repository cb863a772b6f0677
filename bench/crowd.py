"""A crowd asks the consultation API at once: every client must be answered within 5 s.

    python bench/crowd.py [--clients 50 200] [--seconds 8] [--database-url URL]

Starts a real `portal serve` (after `portal db upgrade` and `portal seed --demo`) on a fresh
SQLite file, or on the PostgreSQL database given (a private schema, dropped afterwards), then
for each crowd size runs that many client threads, each asking again as soon as it is answered,
for --seconds. Prints answers, answers/s, the slowest answer and the failures; exits 1 when any
request failed or took 5 s or more.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PORTAL = str(Path(sys.executable).with_name("portal"))
QUESTION = "宝宝刚出生怎么上户口"
LIMIT_S = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(database_url: str | None) -> tuple[dict, str | None]:
    tmp = tempfile.mkdtemp(prefix="portal-crowd-")
    env = {**os.environ, "PORTAL_DATA_DIR": tmp, "PORTAL_ENV": "development", "PORTAL_LOG_LEVEL": "WARNING"}
    schema = None
    if database_url:
        schema = f"crowd_{uuid.uuid4().hex[:8]}"
        _psql(database_url, f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in database_url else "?"
        env["PORTAL_DATABASE_URL"] = f"{database_url}{sep}options=" + urllib.parse.quote(f"-csearch_path={schema}")
    else:
        env["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp}/portal.db"
    return env, schema


def _psql(database_url: str, sql: str):
    from sqlalchemy import create_engine, text

    eng = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        result = c.execute(text(sql))
        value = result.scalar() if result.returns_rows else None
    eng.dispose()
    return value


def crowd(base: str, clients: int, seconds: float) -> dict:
    url = f"{base}/api/v1/consultation?q=" + urllib.parse.quote(QUESTION)
    times: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    window = {}
    start = threading.Barrier(clients, action=lambda: window.update(stop_at=time.monotonic() + seconds))

    def asker():
        with httpx.Client(timeout=LIMIT_S * 2) as http:
            start.wait()  # every client ready: the clock starts now
            while time.monotonic() < window["stop_at"]:
                t = time.monotonic()
                try:
                    r = http.get(url)
                    took = time.monotonic() - t
                    ok = r.status_code == 200 and r.json()["results"][0]["matter_code"] == "newborn-hukou"
                    with lock:
                        (times.append(took) if ok and took < LIMIT_S else failures.append(f"{r.status_code} {took:.1f}s"))
                except httpx.HTTPError as e:
                    with lock:
                        failures.append(type(e).__name__)

    threads = [threading.Thread(target=asker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    return {"clients": clients, "answers": len(times), "per_s": len(times) / seconds,
            "p50_ms": 1000 * statistics.median(times) if times else None,
            "max_ms": 1000 * times[-1] if times else None, "failures": failures}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    env, schema = _environment(args.database_url)
    for step in (["db", "upgrade"], ["seed", "--demo"]):
        subprocess.run([PORTAL, *step], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([PORTAL, "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    bad = False
    answered = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/consultation?q=x", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        db = "PostgreSQL" if args.database_url else "SQLite"
        for n in args.clients:
            r = crowd(base, n, args.seconds)
            print(f"{db}: {r['clients']} clients for {args.seconds:g} s: {r['answers']} answers "
                  f"({r['per_s']:.0f}/s), median {r['p50_ms'] or 0:.0f} ms, slowest {r['max_ms'] or 0:.0f} ms, "
                  f"{len(r['failures'])} failed or ≥ {LIMIT_S:g} s {sorted(set(r['failures']))[:3]}")
            bad |= bool(r["failures"]) or not r["answers"]
            answered += r["answers"]
        server.terminate()  # a graceful shutdown writes out the queued consultation log
        server.wait(30)
        logged = _psql(env["PORTAL_DATABASE_URL"], "SELECT count(*) FROM consultation_query")
        print(f"consultation log: {logged} rows written for {answered} answers (and the start-up probe)")
        bad |= logged < answered
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)
        if schema:
            _psql(args.database_url, f'DROP SCHEMA "{schema}" CASCADE')
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
