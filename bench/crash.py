"""Crash safety: applicants create applications (each with its own Idempotency-Key, retried with
the same key until answered) while the server is SIGKILLed at random moments and restarted.

    python bench/crash.py [--kills 20] [--clients 8] [--database-url URL]

Afterwards every acknowledged creation (2xx) must exist exactly once, with what was sent, under
its own number; no number may be acknowledged for two creations; SQLite must pass
`PRAGMA integrity_check`, and the audit chain must verify (`portal audit verify`). Runs on a fresh
SQLite file, or on a private schema of the PostgreSQL database given. Exits 1 on any loss.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.live import BIN, Portal  # noqa: E402

MATTER = "temporary-assistance"


def example_form() -> dict:
    from app.matters.content import example_form

    return example_form(MATTER)


def run(database_url: str | None, kills: int, clients: int, rnd: random.Random) -> bool:
    portal = Portal(database_url).start()
    try:
        token = portal.token("citizen-young")
        form = example_form()
        acked: dict[str, str] = {}  # mark -> number
        retries, refused, errors = [0], [], {}
        lock, stop = threading.Lock(), threading.Event()

        def applicant():
            with httpx.Client(base_url=portal.base, timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) as http:
                while not stop.is_set():
                    mark = uuid.uuid4().hex  # the key, and a mark in the form to find the creation by
                    body = {"matter_code": MATTER, "form": dict(form, hardship_reason=f"困难 {mark}")}
                    while not stop.is_set():  # retry with the same key until answered
                        try:
                            r = http.post("/api/v1/applications", json=body, headers={"Idempotency-Key": mark})
                        except httpx.HTTPError as e:
                            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                            with lock:
                                retries[0] += 1
                            time.sleep(0.05)
                            continue
                        if r.status_code in (200, 201):
                            with lock:
                                acked[mark] = r.json()["number"]
                        elif r.status_code == 409:  # in flight (a killed server's claim goes stale)
                            time.sleep(0.2)
                            continue
                        else:
                            with lock:
                                refused.append(f"{r.status_code} {r.text[:100]}")
                        break

        threads = [threading.Thread(target=applicant, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        downtime = 0.0
        for _ in range(kills):
            time.sleep(rnd.uniform(0.5, 2.0))
            portal.kill()
            t = time.monotonic()
            portal.start()
            downtime += time.monotonic() - t
        time.sleep(3.0)
        stop.set()
        for t in threads:
            t.join(60)
        portal.stop()
        print(f"  down {downtime:.0f} s in all; connection errors {errors}")
        if refused:
            print(f"  {len(refused)} creations refused, e.g. {sorted(set(refused))[:3]}")
        return verify(portal, acked, retries[0], kills) and not any(r.startswith("5") for r in refused)
    finally:
        portal.close()


def verify(portal: Portal, acked: dict[str, str], retries: int, kills: int) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(portal.db)
    with engine.connect() as c:
        rows = c.execute(text("SELECT number, form FROM application WHERE matter_code = :m"), {"m": MATTER}).all()
    engine.dispose()
    import json

    held: dict[str, list[str]] = {}
    for number, form in rows:
        reason = (json.loads(form) if isinstance(form, str) else form).get("hardship_reason", "")
        held.setdefault(reason.split()[-1], []).append(number)
    lost = [m for m, n in acked.items() if held.get(m) != [n]]
    numbers = list(acked.values())
    twice = len(numbers) - len(set(numbers))
    integrity = "ok"
    if not portal.schema:
        integrity = sqlite3.connect(portal.db.removeprefix("sqlite:///")).execute("PRAGMA integrity_check").fetchone()[0]
    audit = subprocess.run([str(BIN / "portal"), "audit", "verify"], env=portal.env, cwd=portal.dir,
                           capture_output=True, text=True)
    print(f"{portal.kind}: {kills} SIGKILLs, {len(acked)} creations acknowledged ({retries} retries after a "
          f"refused or cut connection), {len(rows)} held, {len(lost)} lost or duplicated, {twice} numbers "
          f"acknowledged twice, integrity {integrity}, audit chain {'intact' if audit.returncode == 0 else 'BROKEN'}")
    return bool(acked) and not lost and not twice and integrity == "ok" and audit.returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    return 0 if run(args.database_url, args.kills, args.clients, random.Random(args.seed)) else 1


if __name__ == "__main__":
    sys.exit(main())
