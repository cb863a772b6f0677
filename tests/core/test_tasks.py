"""The task queue: SQLite by default, Redis by URL; a job that fails for good is kept for
administrators; `portal worker` really consumes jobs from the queue file."""
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from huey import RedisHuey, SqliteHuey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.job_models import JobFailure, JobRun
from app.core.tasks import build_queue, claim, huey, instance_name, load_task_modules, run_once
from tests.conftest import web_login

ROOT = Path(__file__).resolve().parents[2]


def test_queue_backend_follows_settings(tmp_path):
    q = build_queue(Settings(data_dir=tmp_path, env="development"))
    assert isinstance(q, SqliteHuey) and not q.immediate and (tmp_path / "queue.db").exists()
    assert isinstance(build_queue(Settings(queue_url="redis://127.0.0.1:6399/0")), RedisHuey)
    assert huey.immediate  # tests run jobs at once


def test_review_jobs_are_scheduled():
    load_task_modules()
    periodic = {huey._registry.task_to_string(t) for t in huey._registry._periodic_tasks}
    assert {"app.evaluation.jobs.deadlines_job", "app.evaluation.jobs.reminders_job"} <= periodic


@huey.task(retries=0)
def _always_fails():
    raise RuntimeError("the data source is down")


def test_failed_job_is_kept_and_shown_to_admins(engine, live_client):
    try:
        _always_fails()
    except Exception:
        pass  # immediate mode may re-raise; what matters is the record
    with Session(engine) as s:
        row = s.scalars(select(JobFailure).where(JobFailure.task_name.like("%_always_fails"))).first()
        assert row is not None and "the data source is down" in row.error
    try:
        web_login(live_client, "admin")
        page = live_client.get("/admin/jobs")
        assert page.status_code == 200 and "the data source is down" in page.text
    finally:
        with Session(engine) as s, s.begin():
            s.execute(delete(JobFailure))


def test_portal_worker_runs_a_queued_job(tmp_path):
    env = dict(os.environ, PORTAL_ENV="development", PORTAL_DATA_DIR=str(tmp_path),
               PORTAL_DATABASE_URL=f"sqlite:///{tmp_path}/w.db", PORTAL_QUEUE_URL="")
    portal = [sys.executable, "-m", "app.cli"]
    subprocess.run([*portal, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([*portal, "worker", "--workers", "1"], env=env, cwd=ROOT,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        from app.evaluation import jobs

        q = SqliteHuey("portal", filename=str(tmp_path / "queue.db"))
        q._registry.register(jobs.deadlines_job.task_class)
        task = jobs.deadlines_job.task_class()
        q.enqueue(task)
        # periodic jobs keep no result: the worker's log says it ran (without error) against its database
        done = f"deadlines_job: {task.id} 3 retries executed"
        deadline = time.time() + 60
        while done not in log.read_text() and time.time() < deadline:
            time.sleep(0.3)
        assert done in log.read_text(), log.read_text()[-2000:]
        assert "Unhandled exception" not in log.read_text()
    finally:
        worker.terminate()
        worker.wait(15)


# -- scheduled jobs run once per slot, however many workers enqueue them ------------------------

def _runs(engine, job):
    with Session(engine) as s:
        return s.scalars(select(JobRun).where(JobRun.job == job)).all()


def _forget(engine, job):
    with Session(engine) as s, s.begin():
        s.execute(delete(JobRun).where(JobRun.job == job))


def test_a_slot_runs_once_and_the_next_slot_runs_again(engine):
    job, calls = f"test.once.{uuid.uuid4().hex[:8]}", []
    slot = datetime(2026, 3, 1, 2, 30, tzinfo=timezone.utc)
    try:
        assert run_once(job, slot, lambda: calls.append(1) or "first") == "first"
        assert run_once(job, slot, lambda: calls.append(2) or "second") is None  # another worker's copy
        assert run_once(job, slot + timedelta(days=1), lambda: calls.append(3) or "next") == "next"
        assert calls == [1, 3]
        rows = sorted(_runs(engine, job), key=lambda r: r.slot)
        assert [(r.slot, r.status, r.attempts, r.result) for r in rows] == [
            (slot, "done", 1, "'first'"), (slot + timedelta(days=1), "done", 1, "'next'")]
        assert rows[0].instance == instance_name() and rows[0].finished_at is not None
    finally:
        _forget(engine, job)


def test_a_failed_slot_is_taken_over_by_its_retry(engine):
    job = f"test.retry.{uuid.uuid4().hex[:8]}"
    slot = datetime(2026, 3, 1, 2, 45, tzinfo=timezone.utc)

    def broken():
        raise RuntimeError("the data source is down")

    try:
        with pytest.raises(RuntimeError):
            run_once(job, slot, broken)
        (row,) = _runs(engine, job)
        assert row.status == "failed" and "data source is down" in row.result
        assert run_once(job, slot, lambda: 7) == 7  # the retry, wherever it lands
        assert run_once(job, slot, lambda: 8) is None  # once done, no one runs it again
        (row,) = _runs(engine, job)
        assert (row.status, row.attempts, row.result) == ("done", 2, "7")
    finally:
        _forget(engine, job)


def test_racing_claims_for_one_slot_have_one_winner(engine):
    """Eight workers claim the same slot at the same moment: exactly one may run it."""
    job, n = f"test.race.{uuid.uuid4().hex[:8]}", 8
    slot = datetime(2026, 3, 1, 3, 0, tzinfo=timezone.utc)
    gate, won, errors = threading.Barrier(n), [], []

    def worker():
        try:
            gate.wait()
            won.append(claim(job, slot))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    pool = [threading.Thread(target=worker) for _ in range(n)]
    try:
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        assert errors == [] and sorted(won) == [False] * (n - 1) + [True]
        assert len(_runs(engine, job)) == 1
    finally:
        _forget(engine, job)


def test_the_scheduler_stamps_each_scheduled_job_with_its_slot(tmp_path):
    from app.evaluation import jobs

    q = build_queue(Settings(data_dir=tmp_path, env="development"))
    q._registry.register(jobs.deadlines_job.task_class)
    q._registry.register(jobs.rollups_job.task_class)
    due = q.read_periodic(datetime(2026, 3, 1, 19, 30, 41))  # huey's clock: naive UTC
    assert {type(t).__name__: t.kwargs for t in due} == {
        "deadlines_job": {"slot": "2026-03-01T19:30:00+00:00"}, "rollups_job": {"slot": "2026-03-01T19:30:00+00:00"}}
    assert q.read_periodic(datetime(2026, 3, 1, 19, 31)) == []


def test_a_scheduled_job_enqueued_twice_for_one_slot_runs_once(engine, caplog):
    """What two workers' schedulers do at 03:15: each enqueues the job; the second copy is skipped."""
    from app.evaluation import jobs

    slot = "2026-03-01T03:15:00+00:00"
    name = "app.evaluation.jobs.deadlines_job"
    caplog.set_level("INFO", logger="portal.tasks")
    try:
        jobs.deadlines_job(slot=slot)
        jobs.deadlines_job(slot=slot)
        said = [r.getMessage() for r in caplog.records if r.name == "portal.tasks"]
        assert [m.split(" on ")[0] if " ran on " in m else m for m in said] == [
            f"job {name}: slot {slot} ran", f"job {name}: slot {slot} already claimed by another run; skipped"]
        (row,) = _runs(engine, name)
        assert row.status == "done" and row.attempts == 1 and "tickets_escalated" in row.result
        jobs.deadlines_job()  # by hand, without a slot: it runs without claiming one
        assert len(_runs(engine, name)) == 1
    finally:
        _forget(engine, name)
