"""The scheduled eligibility scan on the shared task queue (app.core.tasks): one pass a night, in
committed batches, resuming from the stored cursor if a run was cut short."""
from __future__ import annotations

from huey import crontab

from app.core.db import session_factory
from app.core.tasks import scheduled
from app.services.proactive import scan


def run_scan(max_batches: int | None = None) -> dict[str, int]:
    return scan.run(lambda: session_factory().begin(), max_batches=max_batches)


@scheduled(crontab(minute="30", hour="18"), retries=3, retry_delay=300)  # 02:30 China time (the queue keeps UTC)
def eligibility_scan_job() -> dict[str, int]:
    return run_scan()
