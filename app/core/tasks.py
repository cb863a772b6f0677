"""The task queue (Huey) for scheduled and background jobs: a SQLite file in PORTAL_DATA_DIR by
default (one machine, survives a worker restart), Redis when PORTAL_QUEUE_URL=redis://… (several
instances). Domains declare background jobs with `@huey.task` and scheduled jobs with
`@scheduled(crontab(…))` in a module listed in TASK_MODULES; `portal worker` imports those and runs
the consumer. A job that still fails after its retries is kept in `job_failure` for administrators.

Several instances: every worker's scheduler enqueues each scheduled job when its minute comes, so
with two workers a job is enqueued twice for the same slot. Each enqueued run carries its slot (the
minute, UTC) and first claims it in the database — a row in `job_run`, unique per (job, slot) —
so one run does the work and the others meet the unique constraint and skip. A failed run's slot
may be taken over by its retry, on whichever instance the retry lands."""
from __future__ import annotations

import functools
import importlib
import logging
import os
import socket
import traceback
from datetime import datetime, timezone
from typing import Any, Callable

from huey import Huey, RedisHuey, SqliteHuey, signals

from app.core.config import Settings, get_settings

log = logging.getLogger("portal.tasks")

# Modules that declare jobs (imported by the worker; named here so core imports no domain).
TASK_MODULES = ["app.evaluation.jobs", "app.services.proactive.jobs"]


class _StampsSlots:
    """Scheduled jobs enqueued by the scheduler carry the minute they were due (their slot)."""

    def read_periodic(self, timestamp):
        if timestamp is None:
            timestamp = self._get_timestamp()
        tasks = super().read_periodic(timestamp)
        slot = timestamp.replace(second=0, microsecond=0)
        slot = slot.replace(tzinfo=timezone.utc) if self.utc else slot.astimezone(timezone.utc)
        for task in tasks:
            if getattr(task, "claims_slot", False):
                task.kwargs = {"slot": slot.isoformat()}
        return tasks


class PortalRedisHuey(_StampsSlots, RedisHuey):
    pass


class PortalSqliteHuey(_StampsSlots, SqliteHuey):
    pass


def build_queue(settings: Settings) -> Huey:
    if settings.queue_url.startswith(("redis://", "rediss://")):
        return PortalRedisHuey(settings.queue_name, url=settings.queue_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Tests run every enqueued job at once, in the caller's thread.
    return PortalSqliteHuey(settings.queue_name, filename=str(settings.data_dir / "queue.db"),
                            immediate=settings.env == "test")


huey = build_queue(get_settings())


def load_task_modules() -> None:
    for name in TASK_MODULES:
        importlib.import_module(name)


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def scheduled(validate_datetime: Callable[[datetime], bool], *, retries: int = 0, retry_delay: int = 0):
    """A periodic job run once per slot of its schedule however many workers enqueue it.

    The job itself is a plain function (no arguments); called with `slot=` (an ISO datetime) it
    claims that slot first, called without one (by hand, or enqueued without a slot) it just runs."""
    def decorator(func: Callable[[], Any]):
        @functools.wraps(func)
        def run(slot: str | None = None, task=None):
            if slot is None:
                return func()
            return run_once(f"{func.__module__}.{func.__name__}", datetime.fromisoformat(slot),
                            func, task_id=str(getattr(task, "id", "")))

        return huey.periodic_task(validate_datetime, retries=retries, retry_delay=retry_delay, context=True,
                                  claims_slot=True)(run)

    return decorator


def run_once(job: str, slot: datetime, func: Callable[[], Any], task_id: str = "") -> Any:
    """Run `func` for (job, slot) unless another run has claimed that slot; None when skipped."""
    if not claim(job, slot, task_id):
        log.info("job %s: slot %s already claimed by another run; skipped", job, slot.isoformat())
        return None
    try:
        result = func()
    except BaseException as exc:
        _finish(job, slot, "failed", repr(exc))
        raise
    _finish(job, slot, "done", repr(result))
    log.info("job %s: slot %s ran on %s: %r", job, slot.isoformat(), instance_name(), result)
    return result


def claim(job: str, slot: datetime, task_id: str = "") -> bool:
    """Insert the (job, slot) row, committed before the work starts; or take over a failed run of
    that slot (a retry). False when another run holds it or has done it."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from app.core.db import session_factory, utcnow
    from app.core.job_models import JobRun

    me = instance_name()
    with session_factory().begin() as session:
        try:
            with session.begin_nested():
                session.add(JobRun(job=job, slot=slot, status="running", instance=me, task_id=task_id[:64],
                                   attempts=1, started_at=utcnow()))
            return True
        except IntegrityError:
            pass
        taken = session.execute(
            update(JobRun).where(JobRun.job == job, JobRun.slot == slot, JobRun.status == "failed")
            .values(status="running", instance=me, task_id=task_id[:64], attempts=JobRun.attempts + 1,
                    started_at=utcnow(), finished_at=None)
            .execution_options(synchronize_session=False))
        return taken.rowcount == 1


def _finish(job: str, slot: datetime, status: str, result: str) -> None:
    from sqlalchemy import update

    from app.core.db import session_factory, utcnow
    from app.core.job_models import JobRun

    with session_factory().begin() as session:
        session.execute(update(JobRun).where(JobRun.job == job, JobRun.slot == slot, JobRun.status == "running",
                                             JobRun.instance == instance_name())
                        .values(status=status, finished_at=utcnow(), result=result[:500])
                        .execution_options(synchronize_session=False))


@huey.signal(signals.SIGNAL_ERROR)
def _record_failure(signal, task, exc=None):
    """Every failed attempt is logged; the last one (no retries left) is kept for administrators."""
    log.error("job %s (%s) failed: %r; %s retries left", task.name, task.id, exc, task.retries)
    if task.retries:
        return
    from app.core.db import session_factory
    from app.core.job_models import JobFailure

    detail = "".join(traceback.format_exception(exc))[-4000:] if exc is not None else ""
    with session_factory().begin() as session:
        session.add(JobFailure(task_name=task.name, task_id=str(task.id), error=repr(exc)[:500], detail=detail))
