"""Jobs of the task queue that failed for good (after their retries), shown to administrators."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class JobFailure(Base):
    __tablename__ = "job_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class JobRun(Base):
    """One run of a scheduled job for one slot of its schedule (the minute the scheduler fired,
    UTC). Every instance's scheduler enqueues the job; the first to insert the (job, slot) row runs
    it, the others meet the unique constraint and skip. A failed run may be taken over by a retry
    (from any instance); a run cut short by a crash stays `running` and the next slot catches up."""
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(200))
    slot: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10))  # running | done | failed
    instance: Mapped[str] = mapped_column(String(120))  # host:pid of the worker that holds the run
    task_id: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    result: Mapped[str] = mapped_column(String(500), default="")
