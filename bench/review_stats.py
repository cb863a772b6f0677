"""Review statistics at district scale: seed N reviews (default 1,000,000) into a fresh database and
time the evaluator's queries (app.evaluation.stats.compute: a GROUP BY with the ticket join and the
exclusion filter) against a bare GROUP BY over the review table, in the same run.

    .venv/bin/python bench/review_stats.py [--n 1000000] [--url postgresql+psycopg://...]
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

BATCH = 20_000
RUNS = 7


def seed(engine, n: int) -> None:
    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

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
        matters = [(m.code, m.department_code) for m in s.scalars(select(Matter))]
    rnd = random.Random(2026)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    channels = ["online", "online", "online", "mobile", "window_pad", "terminal", "hotline"]
    done = 0
    t0 = time.perf_counter()
    while done < n:
        k = min(BATCH, n - done)
        apps, reviews, tickets = [], [], []
        for i in range(done, done + k):
            code, dept = matters[rnd.randrange(len(matters))]
            at = start + timedelta(seconds=rnd.randrange(330 * 86400))
            number = f"XH{(at.date()).strftime('%Y%m%d')}{i:08d}"
            apps.append({"id": i + 1, "number": number, "matter_code": code, "department_code": dept,
                         "applicant_user_id": uid, "subject_key": "x", "applicant_name": "x", "channel": "online",
                         "status": "issued", "form": {}, "prefilled": {}, "prefilled_fields": 0, "total_fields": 0,
                         "exempt_materials": 0, "total_materials": 0, "decision_reasons": [], "created_at": at,
                         "updated_at": at, "version": 1})
            score = rnd.choices([5, 4, 3, 2, 1], weights=[70, 18, 6, 3, 3])[0]
            reviews.append({"id": i + 1, "application_id": i + 1, "application_number": number, "matter_code": code,
                            "department_code": dept, "responsibility": "back_office",
                            "channel": rnd.choice(channels), "score": score, "indicators": {}, "tags": [],
                            "comment": "", "anonymous": False, "reviewer_user_id": uid, "reviewer_name": "x",
                            "ip": "", "created_at": at, "excluded": rnd.random() < 0.002})
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
        print(f"\rseeded {done:,}/{n:,} reviews ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
    print()


def timed(fn) -> tuple[float, float]:
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--url", default=f"sqlite:///{TMP}/bench.db")
    args = ap.parse_args()
    os.environ["PORTAL_DATABASE_URL"] = args.url
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app.core import migrate
    from app.core.db import make_engine, set_engine
    from app.evaluation import stats

    engine = make_engine(args.url)
    set_engine(engine)
    migrate.upgrade(engine)
    seed(engine, args.n)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    raw = {"department": "department_code", "matter": "matter_code", "channel": "channel"}
    print(f"{'query':<22}{'portal p50/p95 ms':>20}{'bare GROUP BY p50/p95 ms':>28}{'ratio p95':>11}")
    for by in ("department", "matter", "channel", "month"):
        with Session(engine) as s:
            p50, p95 = timed(lambda: stats.compute(s, by))
            col = raw.get(by, "substr(created_at, 1, 7)")
            sql = text(f"SELECT {col}, count(*), sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END), "
                       f"sum(CASE WHEN score <= 2 THEN 1 ELSE 0 END) FROM review GROUP BY {col}")
            b50, b95 = timed(lambda: s.execute(sql).all())
            lo, hi = date(2026, 6, 1), date(2026, 6, 30)
            m50, m95 = timed(lambda: stats.compute(s, by, lo, hi))
        print(f"{by:<22}{p50:>9.0f} /{p95:>7.0f}{b50:>17.0f} /{b95:>7.0f}{p95 / b95:>11.1f}")
        print(f"{by + ' (one month)':<22}{m50:>9.0f} /{m95:>7.0f}")
    engine.dispose()


if __name__ == "__main__":
    main()
