"""Rollups of the review statistics (item 8, scale): counts kept per China day ("d") and per month ("m")
and per (department, matter, channel, window, officer), plus narrow rows per (department, channel) by
day ("D") and month ("M"), which answer whenever no matter, window or officer is asked for; changed in
the same transaction as the review, the ticket or the appeal that changes them, by atomic increments
(an upsert; concurrent writers add up). The dashboard, the stats API, the ranking and the matter pages
read these rows; a scheduled job (`rollups_job`) recounts them from the reviews every night and
repairs any difference it finds.

A review's contribution: nothing once an appeal against it is upheld (excluded); otherwise one review,
good (4–5 ★) or bad (1–2 ★), its score, and for its ticket: opened, contacted, answered, on time."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, cast, delete, func, insert, literal, or_, select
from sqlalchemy import Date as SADate
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core.clock import CHINA_TZ
from app.evaluation import rules
from app.evaluation.models import Rectification, Review, ReviewRollup

log = logging.getLogger("portal.evaluation.rollups")

R = ReviewRollup
KEYS = ("department_code", "matter_code", "channel", "window_code", "officer_username")
COUNTS = ("reviews", "good", "bad", "score_sum", "tickets", "contacted", "rectified", "on_time")
COLUMNS = {"department": R.department_code, "matter": R.matter_code, "window": R.window_code,
           "officer": R.officer_username, "channel": R.channel}
Counts = dict[str, int]


def china_day(at: datetime) -> date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(CHINA_TZ).date()


def contribution(review: Review, ticket: Rectification | None) -> Counts:
    """What one review adds to the statistics as it stands now."""
    if review.excluded:
        return {}
    c = {"reviews": 1, "good": int(review.score >= rules.GOOD_MIN), "bad": int(review.score <= rules.BAD_MAX),
         "score_sum": review.score}
    if ticket is not None:
        c.update(tickets=1, contacted=int(ticket.contacted_at is not None),
                 rectified=int(ticket.answered_at is not None), on_time=int(ticket.answered_on_time is True))
    return c


def _key(review: Review) -> dict[str, str]:
    return {"department_code": review.department_code, "matter_code": review.matter_code,
            "channel": getattr(review.channel, "value", review.channel), "window_code": review.window_code or "",
            "officer_username": review.officer_username or ""}


def apply(session: Session, review: Review, delta: Counts) -> None:
    """Add `delta` to the review's day row and month row (created at zero when missing)."""
    delta = {k: v for k, v in delta.items() if v}
    if not delta:
        return
    day = china_day(review.created_at)
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    full = _key(review)
    narrow = {**full, "matter_code": "", "window_code": "", "officer_username": ""}
    month = day.replace(day=1)
    for grain, period, key in (("d", day, full), ("m", month, full), ("D", day, narrow), ("M", month, narrow)):
        stmt = upsert(ReviewRollup).values(grain=grain, period=period, **key,
                                           **{c: delta.get(c, 0) for c in COUNTS})
        stmt = stmt.on_conflict_do_update(
            index_elements=["grain", "period", *KEYS],
            set_={c: getattr(ReviewRollup.__table__.c, c) + stmt.excluded[c] for c in delta})
        session.execute(stmt)


def settle(session: Session, review: Review, ticket: Rectification | None, before: Counts) -> None:
    """After a change to a review or its ticket: apply the difference to what it contributed before."""
    after = contribution(review, ticket)
    apply(session, review, {c: after.get(c, 0) - before.get(c, 0) for c in COUNTS})


# -- reading -------------------------------------------------------------------------------------

def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _days(grain: str, start: date | None, end: date | None):
    cond = [R.grain == grain]
    if start:
        cond.append(R.period >= start)
    if end:
        cond.append(R.period <= end)
    return and_(*cond)


def grains(by: str, filters: dict[str, str] | None) -> tuple[str, str]:
    """(month grain, day grain): the narrow rows answer unless the view or a filter needs the matter,
    window or officer."""
    full = by in ("matter", "window", "officer") or bool((filters or {}).get("matter"))
    return ("m", "d") if full else ("M", "D")


def range_clause(start: date | None, end: date | None, by: str, fine: str = "d", coarse: str = "m"):
    """The rows that cover the China dates [start, end]: month rows (grain `coarse`) for whole months,
    day rows (grain `fine`) for the partial months at either end, and for a by-day or by-week view."""
    if by in ("day", "week"):
        return _days(fine, start, end)
    m_lo = None if start is None else (start if start.day == 1 else _next_month(start))
    m_hi = None if end is None else (_next_month(end) if (end + timedelta(days=1)).day == 1 else end.replace(day=1))
    if m_lo is not None and m_hi is not None and m_lo >= m_hi:
        return _days(fine, start, end)  # no whole month inside
    month = [R.grain == coarse] + ([R.period >= m_lo] if m_lo else []) + ([R.period < m_hi] if m_hi else [])
    parts = [and_(*month)]
    if start is not None and start < m_lo:
        parts.append(and_(R.grain == fine, R.period >= start, R.period < m_lo))
    if end is not None and m_hi <= end:
        parts.append(and_(R.grain == fine, R.period >= m_hi, R.period <= end))
    return or_(*parts)


def grouped(session: Session, by: str, start: date | None, end: date | None,
            filters: dict[str, str] | None) -> list[tuple[str, list[int]]]:
    """(key, counts in COUNTS order) per group of `by`, from the rollups."""
    sums = [func.sum(getattr(R, c)) for c in COUNTS]
    dim = COLUMNS.get(by, R.period)
    coarse, fine = grains(by, filters)
    stmt = select(dim, *sums).where(range_clause(start, end, by, fine, coarse))
    for name, value in (filters or {}).items():
        if name in COLUMNS and value:
            stmt = stmt.where(COLUMNS[name] == value)
    stmt = stmt.group_by(dim).having(func.sum(R.reviews) > 0)
    rows = session.execute(stmt).all()
    if by in COLUMNS:
        return [(str(r[0] or ""), [int(x or 0) for x in r[1:]]) for r in rows]
    folded: dict[str, list[int]] = {}
    for r in rows:
        p: date = r[0]
        key = {"day": p.isoformat(), "week": (p - timedelta(days=p.weekday())).isoformat(),
               "month": p.strftime("%Y-%m")}[by]
        acc = folded.setdefault(key, [0] * len(COUNTS))
        for i, x in enumerate(r[1:]):
            acc[i] += int(x or 0)
    return sorted(folded.items())


# -- recount from the reviews ----------------------------------------------------------------------

def _period_exprs(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone("Asia/Shanghai", Review.created_at)
        return {"d": cast(local, SADate), "m": cast(func.date_trunc("month", local), SADate)}
    local = func.datetime(Review.created_at, "+8 hours")
    return {"d": func.date(local), "m": func.strftime("%Y-%m-01", local)}


GRAINS = ("d", "m", "D", "M")


def _raw_select(session: Session, grain: str):
    period = _period_exprs(session)[grain.lower()]
    ticket = Rectification.id.is_not(None)
    if grain in ("D", "M"):
        keys = [Review.department_code, literal(""), Review.channel, literal(""), literal("")]
        groups = [Review.department_code, Review.channel]
    else:
        keys = groups = [Review.department_code, Review.matter_code, Review.channel,
                         func.coalesce(Review.window_code, ""), func.coalesce(Review.officer_username, "")]
    return (select(literal(grain), period, *keys, func.count(Review.id),
                   func.sum(case((Review.score >= rules.GOOD_MIN, 1), else_=0)),
                   func.sum(case((Review.score <= rules.BAD_MAX, 1), else_=0)), func.sum(Review.score),
                   func.sum(case((ticket, 1), else_=0)),
                   func.sum(case((Rectification.contacted_at.is_not(None), 1), else_=0)),
                   func.sum(case((Rectification.answered_at.is_not(None), 1), else_=0)),
                   func.sum(case((Rectification.answered_on_time.is_(True), 1), else_=0)))
            .select_from(Review).outerjoin(Rectification, Rectification.review_id == Review.id)
            .where(Review.excluded.is_(False)).group_by(period, *groups))


def rebuild(session: Session) -> int:
    """Recount every rollup row from the reviews (one INSERT … SELECT … GROUP BY per grain)."""
    session.execute(delete(ReviewRollup))
    cols = ["grain", "period", *KEYS, *COUNTS]
    n = 0
    for grain in GRAINS:
        n += session.execute(insert(ReviewRollup).from_select(cols, _raw_select(session, grain))).rowcount or 0
    return n


def _as_key(row) -> tuple:
    period = row[1] if isinstance(row[1], date) else date.fromisoformat(str(row[1])[:10])
    channel = getattr(row[4], "value", row[4])
    return (row[0], period, row[2], row[3], channel, row[5] or "", row[6] or "")


def raw_counts(session: Session) -> dict[tuple, tuple]:
    """Every rollup row as the GROUP BY over the reviews gives it (key → counts)."""
    return {_as_key(r): tuple(int(x or 0) for x in r[7:]) for grain in GRAINS
            for r in session.execute(_raw_select(session, grain))}


def stored_counts(session: Session) -> dict[tuple, tuple]:
    """Every rollup row as stored, rows at zero left out."""
    rows = session.execute(select(R.grain, R.period, *[getattr(R, k) for k in KEYS],
                                  *[getattr(R, c) for c in COUNTS]))
    return {_as_key(r): tuple(r[7:]) for r in rows if any(r[7:])}


def differences(session: Session) -> list[tuple]:
    raw, stored = raw_counts(session), stored_counts(session)
    return sorted((k for k in raw.keys() | stored.keys() if raw.get(k) != stored.get(k)), key=str)


def verify_and_repair(session: Session) -> int:
    """The nightly check: the number of rows that differed from the recount (then rebuilt)."""
    diff = differences(session)
    if diff:
        log.error("review rollups differed from the reviews in %d rows (first: %s); rebuilt", len(diff), diff[0])
        rebuild(session)
    return len(diff)
