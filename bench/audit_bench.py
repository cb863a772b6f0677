"""Audit writes under concurrency: the chain lock held from record() to COMMIT (the old way) vs
taken in before_commit (now). Each unit of work records one audit row, then does `--work-ms` of
other work (sealing a PDF takes ≈ 30 ms), then commits. Prints units of work per second for both,
and a bare baseline with no audit record at all.

    PORTAL_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/audit_bench.py
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.core import audit, migrate  # noqa: E402
from app.core.config import get_settings  # noqa: E402


def run(engine, mode: str, threads: int, units: int, work_s: float) -> float:
    def worker() -> None:
        for _ in range(units):
            with Session(engine) as s:
                s.execute(text("SELECT 1"))  # the unit of work begins
                if mode != "none":
                    audit.record(s, actor="bench", action="bench.unit")
                    if mode == "lock-at-record":
                        audit._lock_chain(s)  # what record() did before: lock until COMMIT
                time.sleep(work_s)
                s.commit()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return threads * units / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--units", type=int, default=25)
    p.add_argument("--work-ms", type=float, default=30.0)
    args = p.parse_args()
    url = get_settings().effective_database_url
    schema = f"audit_bench_{uuid.uuid4().hex[:8]}" if url.startswith("postgresql") else None
    if schema:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(url, pool_size=args.threads + 2, connect_args={"options": f"-csearch_path={schema}"})
    else:
        from app.core.db import make_engine

        engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        work = args.work_ms / 1000
        for mode in ("none", "lock-at-record", "lock-at-commit"):
            rate = run(engine, mode, args.threads, args.units, work)
            print(f"{engine.dialect.name:10s} {mode:15s} {rate:8.1f} units/s "
                  f"({args.threads} threads, {args.work_ms:.0f} ms of other work each)")
    finally:
        engine.dispose()
        if schema:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
