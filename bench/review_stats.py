"""Review statistics at district scale (issue 12, item 8): seed N reviews (default 1,000,000; bulk
insert by the database itself, INSERT … SELECT over a recursive CTE) into a fresh SQLite file and, when reachable, into a private schema of
PostgreSQL (dropped afterwards); build the rollups with one INSERT … SELECT … GROUP BY; then time the
dashboard's queries as served (app.evaluation.stats.compute, which reads the rollups) against the
same figures by a raw GROUP BY over the reviews (stats.compute_raw), in the same run, and check the
two give the same figures. Goal: p95 ≤ 100 ms for every dashboard query.

    .venv/bin/python bench/review_stats.py [--n 1000000] [--url postgresql+psycopg://…] [--no-pg]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="portal-bench-reviews-")
os.environ.setdefault("PORTAL_DATA_DIR", TMP)
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
os.environ.setdefault("PORTAL_ENV", "development")

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
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


def _sql(pg: bool, n: int, matters: list[tuple[str, str]], uid: int) -> list[str]:
    """Three INSERT … SELECT statements over the numbers 1..n (a recursive CTE): applications, their
    reviews (1–2 ★ about 6 %, a window pad review about 1 in 7, with a window and its officer), and a
    ticket for each bad review (90 % contacted and answered, 95 % of those on time); 0.2 % excluded.
    Pseudo-random by multiplicative hashing of the number, so every run seeds the same rows."""
    one = "CAST(1 AS BIGINT)" if pg else "1"  # the hashes overflow a 32-bit integer
    seq = f"WITH RECURSIVE seq(i) AS (SELECT {one} UNION ALL SELECT i + 1 FROM seq WHERE i < {n})"
    m = len(matters)
    mi = "((i * 2654435761) % 1000003) % " + str(m)
    matter = "CASE " + mi + " " + " ".join(f"WHEN {k} THEN '{c}'" for k, (c, _d) in enumerate(matters)) + " END"
    dept = "CASE " + mi + " " + " ".join(f"WHEN {k} THEN '{d}'" for k, (_c, d) in enumerate(matters)) + " END"
    ch = "((i * 40503) % 65537) % 7"
    channel = (f"CASE {ch} WHEN 3 THEN 'mobile' WHEN 4 THEN 'window_pad' WHEN 5 THEN 'terminal' "
               f"WHEN 6 THEN 'hotline' ELSE 'online' END")
    w = "((i * 69069) % 65521) % 16"
    secs = f"((i * 48271) % 2147483647) % {330 * 86400}"
    pct = "((i * 16807) % 2147483629) % 100"
    score = f"CASE WHEN {pct} < 70 THEN 5 WHEN {pct} < 88 THEN 4 WHEN {pct} < 94 THEN 3 WHEN {pct} < 97 THEN 2 ELSE 1 END"
    if pg:
        at = f"(TIMESTAMPTZ '2026-01-01 00:00:00+00' + ({secs}) * INTERVAL '1 second')"
        day = f"CAST({at} AS DATE)"
        window = f"'XH-W' || lpad(CAST({w} AS TEXT), 2, '0')"
        officer = f"'officer-' || lpad(CAST({w} AS TEXT), 2, '0')"
        num = "'XHB' || CAST(i AS TEXT)"
        false, true = "FALSE", "TRUE"
        plus = lambda d, k: f"({d} + {k})"  # noqa: E731
    else:
        at = f"(datetime('2026-01-01 00:00:00', '+' || ({secs}) || ' seconds') || '.000000')"
        day = f"date({at})"
        window = f"'XH-W' || printf('%02d', {w})"
        officer = f"'officer-' || printf('%02d', {w})"
        num = "'XHB' || i"
        false, true = "0", "1"
        plus = lambda d, k: f"date({d}, '+{k} days')"  # noqa: E731
    pad = f"{ch} = 4"
    apps = f"""{seq}
        INSERT INTO application (id, number, matter_code, department_code, applicant_user_id, subject_key,
            applicant_name, channel, window_code, status, form, prefilled, prefilled_fields, total_fields,
            exempt_materials, total_materials, decision_reasons, created_at, updated_at, issued_at, version)
        SELECT i, {num}, {matter}, {dept}, {uid}, 'x', 'x', CASE WHEN {pad} THEN 'window' ELSE 'online' END,
            CASE WHEN {pad} THEN {window} END, 'issued', '{{}}', '{{}}', 0, 0, 0, 0, '[]', {at}, {at}, {at}, 1
        FROM seq"""
    reviews = f"""{seq}
        INSERT INTO review (id, application_id, application_number, matter_code, department_code, window_code,
            officer_username, responsibility, channel, score, indicators, tags, comment, anonymous,
            reviewer_user_id, reviewer_name, ip, created_at, excluded)
        SELECT i, i, {num}, {matter}, {dept}, CASE WHEN {pad} THEN {window} END,
            CASE WHEN {pad} THEN {officer} END, CASE WHEN {pad} THEN 'both' ELSE 'back_office' END, {channel},
            {score}, '{{}}', '[]', '', {false}, {uid}, 'x', '', {at},
            CASE WHEN ((i * 48271) % 1000) < 2 THEN {true} ELSE {false} END
        FROM seq"""
    answered = "((review_id * 7) % 10) <> 0"
    tickets = f"""
        INSERT INTO rectification (review_id, department_code, status, opened_on, contact_due, rectify_due,
            complexity, contact_note, answer, contacted_at, answered_at, answered_on_time, overdue, version)
        SELECT review_id, department_code, CASE WHEN {answered} THEN 'closed' ELSE 'awaiting_contact' END,
            d, {plus('d', 1)}, {plus('d', 7)}, 'simple', '', '',
            CASE WHEN {answered} THEN created_at END, CASE WHEN {answered} THEN created_at END,
            CASE WHEN {answered} THEN (CASE WHEN (review_id % 20) <> 0 THEN {true} ELSE {false} END) END,
            {false}, 1
        FROM (SELECT id AS review_id, department_code, created_at, {day.replace(at, 'created_at')} AS d
              FROM review WHERE score <= 2) AS bad"""
    return [apps, reviews, tickets]


def seed(engine, n: int, quiet: bool = False) -> float:
    """N completed applications with one review each (1–2 ★ with a ticket), inserted by the database
    itself (INSERT … SELECT over a recursive CTE), then the rollups (INSERT … SELECT … GROUP BY)."""
    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from app.evaluation import rollups
    from app.identity.demo import seed_demo_accounts
    from app.identity.models import User
    from app.matters.models import Matter
    from app.matters.service import seed_catalogue

    with Session(engine) as s, s.begin():
        seed_catalogue(s)
        seed_demo_accounts(s)
    with Session(engine) as s:
        uid = s.scalar(select(User.id).where(User.username == "citizen-young"))
        matters = [(m.code, m.department_code) for m in s.scalars(select(Matter).order_by(Matter.code))]
    t0 = time.perf_counter()
    pg = engine.dialect.name == "postgresql"
    for name, sql in zip(("applications", "reviews", "tickets"), _sql(pg, n, matters, uid)):
        t = time.perf_counter()
        with engine.begin() as conn:
            rows = conn.execute(text(sql.replace(":", "\\:"))).rowcount  # times hold colons, not binds
        if not quiet:
            print(f"  seeded {name if rows < 0 else f'{rows:,} {name}'} in {time.perf_counter() - t:.1f} s")
    if pg:
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('review', 'id'), (SELECT max(id) FROM review))"))
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
