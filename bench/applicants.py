"""A rush of applicants: many clients create applications at once against a live server, each
with its own Idempotency-Key, and re-send some of them (as a client does when an answer is lost).

    python bench/applicants.py [--clients 200] [--each 3] [--database-url URL]

Afterwards exactly one application per key must exist (a re-send returns the same number), with no
5xx on the way; prints throughput and p95. Exits 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.live import Portal  # noqa: E402

MATTER = "temporary-assistance"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--each", type=int, default=3, help="applications per client")
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    from app.matters.content import example_form

    form = example_form(MATTER)
    portal = Portal(args.database_url).start()
    try:
        token = portal.token("citizen-young")
        numbers: dict[str, set[str]] = {}
        times: list[float] = []
        bad: list[str] = []
        lock = threading.Lock()
        gate = threading.Barrier(args.clients)

        def post(http, body, key) -> str | None:
            for _ in range(20):  # retry the same key: refused connections, 409 while in flight
                t = time.monotonic()
                try:
                    r = http.post("/api/v1/applications", json=body, headers={"Idempotency-Key": key})
                except httpx.HTTPError as e:
                    with lock:
                        bad.append(type(e).__name__)
                    continue
                with lock:
                    times.append(time.monotonic() - t)
                if r.status_code in (200, 201):
                    return r.json()["number"]
                if r.status_code != 409:
                    with lock:
                        bad.append(f"{r.status_code} {r.text[:80]}")
                    return None
                time.sleep(0.1)
            return None

        def applicant(rnd: random.Random):
            with httpx.Client(base_url=portal.base, timeout=60,
                              headers={"Authorization": f"Bearer {token}"}) as http:
                gate.wait()
                for _ in range(args.each):
                    key = uuid.uuid4().hex
                    body = {"matter_code": MATTER, "form": dict(form, hardship_reason=f"困难 {key}")}
                    for _ in range(2 if rnd.random() < 0.3 else 1):  # some answers "lost": sent again
                        number = post(http, body, key)
                        with lock:
                            numbers.setdefault(key, set()).add(number)

        threads = [threading.Thread(target=applicant, args=(random.Random(i),)) for i in range(args.clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - start
        portal.stop()
        from sqlalchemy import create_engine, text

        engine = create_engine(portal.db)
        with engine.connect() as c:
            forms = c.execute(text("SELECT form FROM application WHERE matter_code = :m"), {"m": MATTER}).scalars()
            held = [(json.loads(f) if isinstance(f, str) else f)["hardship_reason"].split()[-1] for f in forms]
        engine.dispose()
        expected = args.clients * args.each
        twice = sum(1 for k in set(held) if held.count(k) > 1)
        split = sum(1 for v in numbers.values() if len(v) != 1 or None in v)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))] * 1000 if times else 0
        server_errors = [b for b in bad if b[:1] == "5"]
        print(f"{portal.kind}: {args.clients} applicants x {args.each}: {len(held)} applications held for "
              f"{expected} keys ({twice} duplicated, {split} keys answered with two numbers or none), "
              f"{len(times)} requests in {took:.1f} s ({len(times) / took:.0f}/s), "
              f"p50 {1000 * statistics.median(times):.0f} ms, p95 {p95:.0f} ms, {len(server_errors)} 5xx, "
              f"other failures {sorted(set(bad))[:3]}")
        if server_errors:
            print("  server log:", *portal.errors(), sep="\n  ")
        return 0 if len(held) == expected and not twice and not split and not server_errors else 1
    finally:
        portal.close()


if __name__ == "__main__":
    sys.exit(main())
