"""Several instances, briefly (the long run is `bench/instances.py` in `make stress`): two
`portal serve` and two `portal worker` processes on one PostgreSQL schema with the task queue on
Redis. Applicants create applications with Idempotency-Keys, every retry sent to the other
instance than the try before (some after giving up on the first answer within milliseconds, some
re-sending a success, some sending to both at once): exactly one application per key, no 5xx, the
audit chain whole. Both workers' schedulers enqueue every scheduled job for the same slots: each
(job, slot) runs once, on one worker, and the other copy is skipped.

Runs on PostgreSQL (PORTAL_TEST_DATABASE_URL) with Redis at PORTAL_TEST_REDIS_URL (default
redis://127.0.0.1:6379/0); CI sets PORTAL_REQUIRE_REDIS=1, so there a missing Redis fails the test."""
from __future__ import annotations

import os
import urllib.parse
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.instances import Cluster, run_load, run_schedules

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
APPLICANTS = ("citizen-young", "citizen-elder", "citizen-nodata")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


REQUIRED = os.environ.get("PORTAL_REQUIRE_REDIS") == "1"
pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.skipif(not PG_URL, reason="several instances share one PostgreSQL database "
                                                    "(set PORTAL_TEST_DATABASE_URL)"),
              pytest.mark.skipif(bool(PG_URL) and not REQUIRED and not _redis_answers(),
                                 reason=f"no Redis at {REDIS_URL} for the shared task queue")]


@pytest.fixture
def district():
    """A private schema, migrated, with the catalogue and three applicants (dropped afterwards)."""
    from app.core import migrate
    from app.identity import service
    from app.identity.demo import load_demo
    from app.identity.models import Role
    from app.matters.service import seed_catalogue
    from app.services.seals import fonts

    fonts.warm_up()  # the CJK subset on disk (once per machine), not built again by each instance
    schema = f"multi_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=" + urllib.parse.quote(f"-csearch_path={schema}")
    eng = create_engine(url)
    try:
        migrate.upgrade(eng)
        demo = load_demo()
        with Session(eng) as s, s.begin():
            seed_catalogue(s)
            for acc in demo["accounts"]:
                if acc["username"] in APPLICANTS:
                    service.create_user(s, username=acc["username"], password=demo["password"], role=Role(acc["role"]),
                                        full_name=acc["full_name"], id_number=acc["id_number"],
                                        phone=acc.get("phone", ""), actor="seed")
        yield url, eng
    finally:
        eng.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_two_instances_and_two_workers_do_everything_once(district):
    from app.core.audit_verify import verify

    url, eng = district
    # Few threads per instance: more requests in flight than connections, as under a real rush.
    cluster = Cluster(url, REDIS_URL, instances=2, workers=2, threads=8, edge_threads=2)
    try:
        cluster.start()
        load = run_load(cluster, url, clients=20, each=2, deadline=120)
        assert load.ok, f"{load.line()}\n{load.server_errors[:3]}\n{cluster.errors()}"
        assert min(load.per_instance) > 0 and load.retried > 0, load.line()
        with Session(eng) as s:
            assert verify(s).problems == []

        sched = run_schedules(cluster, url, slots_per_job=1, timeout=60)
        assert sched.ok, sched.line() + "".join(
            f"\n{job} {slot}: {status}, ran on {sched.ran.get((job, slot), [])}, "
            f"skipped {sched.skipped.get((job, slot), 0)}" for (job, slot), status in sorted(sched.slots.items()))
        # every scheduled job of the portal had a slot, and both workers' copies of it arrived
        assert {job for job, _ in sched.slots} >= {"app.evaluation.jobs.deadlines_job",
                                                   "app.evaluation.jobs.reminders_job",
                                                   "app.evaluation.jobs.rollups_job",
                                                   "app.services.proactive.jobs.eligibility_scan_job"}
    finally:
        cluster.close()
