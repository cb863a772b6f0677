"""The task queue: SQLite by default, Redis by URL; a job that fails for good is kept for
administrators; `portal worker` really consumes jobs from the queue file."""
import os
import subprocess
import sys
import time
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.job_models import JobFailure
from app.core.tasks import build_queue, huey, load_task_modules
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
