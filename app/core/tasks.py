"""The task queue (Huey) for scheduled and background jobs: a SQLite file in PORTAL_DATA_DIR by
default (one machine, survives a worker restart), Redis when PORTAL_QUEUE_URL=redis://… (several
instances). Domains declare jobs with `@huey.task` / `@huey.periodic_task` in a module listed in
TASK_MODULES; `portal worker` imports those and runs the consumer. A job that still fails after its
retries is kept in `job_failure` for administrators."""
from __future__ import annotations

import importlib
import logging
import traceback

from huey import Huey, RedisHuey, SqliteHuey, signals

from app.core.config import Settings, get_settings

log = logging.getLogger("portal.tasks")

# Modules that declare jobs (imported by the worker; named here so core imports no domain).
TASK_MODULES = ["app.evaluation.jobs", "app.services.proactive.jobs"]


def build_queue(settings: Settings) -> Huey:
    if settings.queue_url.startswith(("redis://", "rediss://")):
        return RedisHuey("portal", url=settings.queue_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Tests run every enqueued job at once, in the caller's thread.
    return SqliteHuey("portal", filename=str(settings.data_dir / "queue.db"), immediate=settings.env == "test")


huey = build_queue(get_settings())


def load_task_modules() -> None:
    for name in TASK_MODULES:
        importlib.import_module(name)


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
