"""Review statistics at district scale (issue 12, item 8): seed N reviews (default 1,000,000; bulk
insert through SQLAlchemy Core) into a fresh SQLite file and, when reachable, into a private schema of
PostgreSQL (dropped afterwards); build the rollups with one INSERT … SELECT … GROUP BY; then time the
dashboard's queries as served (app.evaluation.stats.compute, which reads the rollups) against the
same figures by a raw GROUP BY over the reviews (stats.compute_raw), in the same run, and check the
two give the same figures. Goal: p95 ≤ 100 ms for every dashboard query.

    .venv/bin/python bench/review_stats.py [--n 1000000] [--url postgresql+psycopg://…] [--no-pg]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="portal-bench-reviews-")
os.environ.setdefault("PORTAL_DATA_DIR", TMP)
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_ENV", "development")

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 20_000
GOAL_MS = 100.0
# The dashboard's queries: each view, over all time, over one month, and filtered to one department.
MONTH = (date(2026, 6, 1), date(2026, 6, 30))
SPAN = (date(2026, 3, 10), date(2026, 8, 20))  # partial months at both ends


def queries() -> list[tuple[str, str, date | None, date | None, dict]]:
    out = []
    for by in ("department", "matter", "window", "officer", "channel", "day", "week", "month"):
        out.append((f"{by}", by, None, None, {}))
        out.append((f"{by} · one month", by, *MONTH, {}))
    out.append(("matter · civil · span", "matter", *SPAN, {"department": "civil"}))
    out.append(("week · window pad · span", "week", *SPAN, {"channel": "window_pad"}))
    out.append(("matter page (public)", "matter", None, None, {"matter": "temporary-assistance"}))
    return out


def seed(engine, n: int, quiet: bool = False) -> float:
    """N completed applications with one review each (1–2 ★ with a ticket), then the rollups."""
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from app.evaluation import rollups
    from app.evaluation.models import Rectification, Review
    from app.identity.demo import seed_demo_accounts
    from app.identity.models import User
    from app.matters.models import Matter
    from app.matters.service import seed_catalogue

    from app.services.applications.models import Application

    with Session(engine) as s, s.begin():
        seed_catalogue(s)
        seed_demo_accounts(s)
    with Session(engine) as s:
        uid = s.scalar(select(User.id).where(User.username == "citizen-young"))
        matters = [(m.code, m.department_code) for m in s.scalars(select(Matter).order_by(Matter.code))]
    rnd = random.Random(2026)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    channels = ["online", "online", "online", "mobile", "window_pad", "terminal", "hotline"]
    windows = [(f"XH-W{w:02d}", f"officer-{w:02d}") for w in range(16)]
    done = 0
    t0 = time.perf_counter()
    while done < n:
        k = min(BATCH, n - done)
        apps, reviews, tickets = [], [], []
        for i in range(done, done + k):
            code, dept = matters[rnd.randrange(len(matters))]
            at = start + timedelta(seconds=rnd.randrange(330 * 86400))
            channel = rnd.choice(channels)
            window, officer = windows[rnd.randrange(len(windows))] if channel == "window_pad" else (None, None)
            number = f"XH{at.strftime('%Y%m%d')}{i:08d}"
            apps.append({"id": i + 1, "number": number, "matter_code": code, "department_code": dept,
                         "applicant_user_id": uid, "subject_key": "x", "applicant_name": "x",
                         "channel": "window" if window else "online", "window_code": window,
                         "status": "issued", "form": {}, "prefilled": {}, "prefilled_fields": 0, "total_fields": 0,
                         "exempt_materials": 0, "total_materials": 0, "decision_reasons": [], "created_at": at,
                         "updated_at": at, "issued_at": at, "version": 1})
            score = rnd.choices([5, 4, 3, 2, 1], weights=[70, 18, 6, 3, 3])[0]
            reviews.append({"id": i + 1, "application_id": i + 1, "application_number": number, "matter_code": code,
                            "department_code": dept, "window_code": window, "officer_username": officer,
                            "responsibility": "both" if window else "back_office", "channel": channel,
                            "score": score, "indicators": {}, "tags": [], "comment": "", "anonymous": False,
                            "reviewer_user_id": uid, "reviewer_name": "x", "ip": "", "created_at": at,
                            "excluded": rnd.random() < 0.002})
            if score <= 2:
                answered = rnd.random() < 0.9
                d = at.date()
                tickets.append({"review_id": i + 1, "department_code": dept,
                                "status": "closed" if answered else "awaiting_contact", "opened_on": d,
                                "contact_due": d + timedelta(days=1), "rectify_due": d + timedelta(days=7),
                                "complexity": "simple", "contact_note": "", "answer": "",
                                "contacted_at": at if answered else None, "answered_at": at if answered else None,
                                "answered_on_time": (rnd.random() < 0.95) if answered else None,
                                "overdue": False, "version": 1})
        with engine.begin() as conn:
            conn.execute(insert(Application), apps)
            conn.execute(insert(Review), reviews)
            if tickets:
                conn.execute(insert(Rectification), tickets)
        done += k
        if not quiet:
            print(f"\r  seeded {done:,}/{n:,} reviews ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
    if not quiet:
        print()
    t1 = time.perf_counter()
    with Session(engine) as s, s.begin():
        rows = rollups.rebuild(s)
    if not quiet:
        print(f"  rollups: {rows:,} rows in {time.perf_counter() - t1:.1f} s")
    return time.perf_counter() - t0


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def measure(engine, runs: int = 20, raw_runs: int = 3, quiet: bool = False) -> dict:
    """Each dashboard query from the rollups and by the raw GROUP BY; whether they agree."""
    from sqlalchemy.orm import Session

    from app.evaluation import stats

    results = []
    with Session(engine) as s:
        if not quiet:
            print(f"  {'dashboard query':<28}{'rollups p50/p95 ms':>20}{'raw GROUP BY p50/p95 ms':>26}{'same':>6}")
        for name, by, lo, hi, filters in queries():
            served = stats.compute(s, by, lo, hi, filters)
            raw = stats.compute_raw(s, by, lo, hi, filters)
            p50, p95 = timed(lambda: stats.compute(s, by, lo, hi, filters), runs)
            r50, r95 = timed(lambda: stats.compute_raw(s, by, lo, hi, filters), raw_runs)
            results.append({"query": name, "p50_ms": p50, "p95_ms": p95, "raw_p50_ms": r50, "raw_p95_ms": r95,
                            "equal": served == raw, "reviews": served[1].reviews})
            if not quiet:
                print(f"  {name:<28}{p50:>9.1f} /{p95:>7.1f}{r50:>15.0f} /{r95:>7.0f}"
                      f"{'yes' if served == raw else 'NO':>6}")
    worst = max(r["p95_ms"] for r in results)
    return {"queries": results, "worst_p95_ms": worst, "worst_raw_p95_ms": max(r["raw_p95_ms"] for r in results),
            "all_equal": all(r["equal"] for r in results), "goal_ms": GOAL_MS, "met": worst <= GOAL_MS}


def run_on(url: str, n: int, *, schema: str | None = None, quiet: bool = False, runs: int = 20,
           raw_runs: int = 3) -> dict:
    """Migrate a fresh database (or a private PostgreSQL schema, dropped at the end), seed, measure."""
    from sqlalchemy import create_engine, text

    from app.core import migrate
    from app.core.db import make_engine, set_engine

    admin = None
    if schema:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = make_engine(url)
    set_engine(engine)
    try:
        migrate.upgrade(engine)
        seconds = seed(engine, n, quiet)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return {"reviews": n, "seed_s": seconds, **measure(engine, runs, raw_runs, quiet)}
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


def pg_reachable(url: str) -> bool:
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means: not reachable, SQLite only
        return False


def bench_reviews(n: int = 1_000_000, pg_url: str | None = PG_URL) -> dict:
    """Both databases (PostgreSQL when reachable); one line per database for `make bench`."""
    out = {}
    targets = [("sqlite", f"sqlite:///{TMP}/reviews-{os.getpid()}.db", None)]
    if pg_url and pg_reachable(pg_url):
        targets.append(("postgresql", pg_url, f"bench_reviews_{os.getpid()}"))
    elif pg_url:
        print(f"  PostgreSQL ({pg_url.split('@')[-1]}): not reachable, SQLite only")
    for name, url, schema in targets:
        print(f"  {name}: seeding {n:,} reviews")
        r = run_on(url, n, schema=schema)
        out[name] = r
        print(f"  {name}: dashboard p95 worst {r['worst_p95_ms']:.1f} ms (goal <= {GOAL_MS:.0f} ms: "
              f"{'met' if r['met'] else 'NOT met'}); raw GROUP BY p95 worst {r['worst_raw_p95_ms']:.0f} ms; "
              f"ratio {r['worst_raw_p95_ms'] / max(r['worst_p95_ms'], 1e-6):.0f}x; "
              f"figures equal: {'yes' if r['all_equal'] else 'NO'}")
        if url.startswith("sqlite"):
            Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    bench_reviews(args.n, None if args.no_pg else args.pg_url)


if __name__ == "__main__":
    main()
