"""Scheduled jobs of the review loop, on the shared task queue (app.core.tasks): overdue tickets
flagged and escalated, overdue appeals flagged, unrated answers closed, review reminders before
the review period ends, and the nightly recount of the statistics' rollups. Each job is also a plain function of a session, for tests and the CLI."""
from __future__ import annotations

from datetime import date, timedelta

from huey import crontab
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.core.clock import china_today
from app.core.config import get_settings
from app.core.db import session_factory, utcnow
from app.core.tasks import scheduled
from app.evaluation import appeals, rectification, rollups
from app.evaluation.models import Review
from app.services.applications import service as applications
from app.services.applications.models import Application, InboxMessage, Status

REMINDER_TITLE = "请评价本次服务 / Please rate this service"


def run_deadlines(session: Session, today: date) -> dict[str, int]:
    """Every deadline of the loop, once: what changed, by kind."""
    return {"tickets_escalated": len(rectification.escalate_overdue(session, today)),
            "appeals_overdue": appeals.flag_overdue(session, today),
            "answers_closed": rectification.auto_close_unrated(session, today)}


def remind_reviewers(session: Session) -> int:
    """Applicants whose review period ends within two days and who have not reviewed get one reminder."""
    period = timedelta(days=get_settings().review_period_days)
    now = utcnow()
    lo, hi = now - period, now - period + timedelta(days=2)
    done = Application.issued_at.is_not(None) & (Application.status == Status.issued)
    rows = session.scalars(select(Application).where(
        done, Application.issued_at > lo, Application.issued_at <= hi,
        ~exists().where(Review.application_id == Application.id),
        ~exists().where(InboxMessage.application_number == Application.number,
                        InboxMessage.title == REMINDER_TITLE))).all()
    for app in rows:
        applications.notify(session, app, REMINDER_TITLE, f"{app.number}：评价期限将于两天内结束")
    session.flush()
    return len(rows)


@scheduled(crontab(minute="*/15"), retries=3, retry_delay=60)
def deadlines_job() -> dict[str, int]:
    with session_factory().begin() as session:
        return run_deadlines(session, china_today())


@scheduled(crontab(minute="5", hour="*"), retries=3, retry_delay=60)
def reminders_job() -> int:
    with session_factory().begin() as session:
        return remind_reviewers(session)


@scheduled(crontab(minute="30", hour="19"), retries=3, retry_delay=300)  # 03:30 China time
def rollups_job() -> int:
    """Recount the rollups from the reviews; any difference is logged and repaired (0 expected)."""
    with session_factory().begin() as session:
        return rollups.verify_and_repair(session)
