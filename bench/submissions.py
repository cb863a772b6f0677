"""Application submission throughput and p95 against the same rows inserted by bare SQLAlchemy Core.

    python bench/submissions.py [--clients 8] [--each 10] [--database-url URL]

Portal: `clients` threads create `each` applications apiece (POST /api/v1/applications as
citizen-young, `temporary-assistance`, each with its own Idempotency-Key) against a live
`portal serve` (fresh database, demo seed, its own process pinned to core 0; the clients on core 1).

Bare: the server is stopped, every row the run added (in every table: applications, their events and
materials, idempotency keys, access-log and audit rows...) is read back and deleted, then inserted
again with SQLAlchemy Core by the same number of threads, one transaction per application holding
that application's rows (those naming its id or number; rows that name none are dealt round-robin)
— the database work of a submission, without HTTP, validation, pre-fill or ORM — pinned to core 0
as the server was. Ratio = portal throughput / bare throughput.
"""
from __future__ import annotations

import argparse
import itertools
import os
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


def _snapshot(engine, metadata) -> dict[str, set]:
    from sqlalchemy import select

    out = {}
    with engine.connect() as c:
        for table in metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            if pk:
                out[table.name] = set(c.execute(select(*pk)).all())
    return out


def _new_rows(engine, metadata, before: dict[str, set]) -> dict[str, list[dict]]:
    from sqlalchemy import select

    out: dict[str, list[dict]] = {}
    with engine.connect() as c:
        for table in metadata.sorted_tables:
            if table.name not in before:
                continue
            pk = list(table.primary_key.columns)
            rows = [dict(r._mapping) for r in c.execute(select(table))
                    if tuple(r._mapping[col.name] for col in pk) not in before[table.name]]
            if rows:
                out[table.name] = rows
    return out


def _quantile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[int(p * (len(xs) - 1))] * 1000 if xs else 0.0


def run(clients: int = 8, each: int = 10, database_url: str | None = None) -> dict:
    from sqlalchemy import create_engine, delete, insert

    from app.core.db import Base
    from app.matters.content import example_form
    import app.models_registry  # noqa: F401  (every table on Base.metadata)

    form = example_form(MATTER)
    portal = Portal(database_url, pin="0").start()
    engine = create_engine(portal.db)
    try:
        token = portal.token("citizen-young")
        with httpx.Client(base_url=portal.base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
            http.post("/api/v1/applications", json={"matter_code": MATTER, "form": form},  # warm the server
                      headers={"Idempotency-Key": uuid.uuid4().hex}).raise_for_status()
        before = _snapshot(engine, Base.metadata)
        times: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        gate = threading.Barrier(clients)

        def applicant() -> None:
            with httpx.Client(base_url=portal.base, timeout=120,
                              headers={"Authorization": f"Bearer {token}"}) as http:
                gate.wait()
                for _ in range(each):
                    key = uuid.uuid4().hex
                    t = time.perf_counter()
                    r = http.post("/api/v1/applications", headers={"Idempotency-Key": key},
                                  json={"matter_code": MATTER, "form": dict(form, hardship_reason=f"困难 {key}")})
                    with lock:
                        times.append(time.perf_counter() - t)
                        if r.status_code != 201:
                            failures.append(f"{r.status_code} {r.text[:80]}")

        threads = [threading.Thread(target=applicant) for _ in range(clients)]
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {1})  # the clients on core 1, as wrk is; the server sits on core 0
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        portal_wall = time.perf_counter() - start
        os.sched_setaffinity(0, affinity)
        portal.stop()
        if failures:
            raise RuntimeError(f"{len(failures)} submissions failed: {failures[:3]}")

        rows = _new_rows(engine, Base.metadata, before)
        apps = rows.get("application", [])
        ids = {r["id"]: i for i, r in enumerate(apps)}
        numbers = {r["number"]: i for i, r in enumerate(apps)}
        groups: list[dict[str, list[dict]]] = [{} for _ in apps]
        spread = itertools.cycle(range(len(apps)))
        for table in Base.metadata.sorted_tables:
            for row in rows.get(table.name, []):
                if table.name == "application":
                    g = ids[row["id"]]
                elif row.get("application_id") in ids:
                    g = ids[row["application_id"]]
                elif row.get("application_number") in numbers:
                    g = numbers[row["application_number"]]
                else:
                    g = next(spread)
                groups[g].setdefault(table.name, []).append(row)
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        with engine.begin() as c:
            for table in reversed(Base.metadata.sorted_tables):
                pk = list(table.primary_key.columns)
                for row in rows.get(table.name, []):
                    c.execute(delete(table).where(*[col == row[col.name] for col in pk]))

        bare_times: list[float] = []
        queue = iter(groups)

        def inserter() -> None:
            while True:
                with lock:
                    group = next(queue, None)
                if group is None:
                    return
                t = time.perf_counter()
                with engine.begin() as c:
                    for table in Base.metadata.sorted_tables:
                        if table.name in group:
                            c.execute(insert(tables[table.name]), group[table.name])
                with lock:
                    bare_times.append(time.perf_counter() - t)

        threads = [threading.Thread(target=inserter) for _ in range(clients)]
        os.sched_setaffinity(0, {0})  # run the same way as the server: on core 0
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bare_wall = time.perf_counter() - start
        os.sched_setaffinity(0, affinity)
        if len(bare_times) != len(groups):
            raise RuntimeError("the bare inserts did not all complete")
    finally:
        engine.dispose()
        portal.close()
    n = len(times)
    per_table = {name: len(v) for name, v in rows.items()}
    result = {"database": portal.kind, "clients": clients, "applications": n,
              "rows_per_application": sum(per_table.values()) / max(len(apps), 1), "rows_by_table": per_table,
              "portal_per_s": n / portal_wall, "portal_p50_ms": statistics.median(times) * 1000,
              "portal_p95_ms": _quantile(times, .95), "bare_per_s": len(bare_times) / bare_wall,
              "bare_p50_ms": statistics.median(bare_times) * 1000, "bare_p95_ms": _quantile(bare_times, .95)}
    result["ratio"] = result["portal_per_s"] / result["bare_per_s"]
    return result


def describe(r: dict) -> str:
    return (f"{r['database']:<10} portal {r['portal_per_s']:6.1f}/s p95 {r['portal_p95_ms']:6.0f} ms   bare Core "
            f"{r['bare_per_s']:6.1f}/s p95 {r['bare_p95_ms']:6.1f} ms   ratio {r['ratio']:.2f}   "
            f"({r['applications']} applications by {r['clients']} clients, {r['rows_per_application']:.1f} rows each)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--each", type=int, default=10)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    print(describe(run(args.clients, args.each, args.database_url)))
