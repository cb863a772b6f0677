"""Statistics of reviews (never editable): satisfaction, bad reviews, rectification and contact rates
by department, matter, window, officer, channel or period. `compute` reads the rollups kept on write
(app.evaluation.rollups); `compute_raw` is the same figures by a GROUP BY over the reviews themselves
(the property tests and `make bench` hold the two equal)."""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from app.core.clock import CHINA_TZ, china_today
from app.core.i18n import pick
from app.evaluation import rollups, rules
from app.evaluation.models import Rectification, Review, ReviewChannel
from app.matters.models import Department, Matter

DIMENSIONS = ("department", "matter", "window", "officer", "channel", "day", "week", "month")
COLUMNS = {"department": Review.department_code, "matter": Review.matter_code, "window": Review.window_code,
           "officer": Review.officer_username, "channel": Review.channel}


@dataclass
class Figures:
    key: str
    name: str
    reviews: int
    good_reviews: int
    bad_reviews: int
    average_score: float | None
    satisfaction_rate: float | None
    bad_review_rate: float | None
    tickets: int
    contacted: int
    rectified: int
    rectified_on_time: int
    rectification_due: int  # answered, or still unanswered past the rectification deadline
    contact_rate: float | None
    rectification_rate: float | None
    rectified_on_time_rate: float | None
    rank: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(key: str, name: str, reviews: int, good: int, bad: int, score_sum: int, tickets: int,
            contacted: int, rectified: int, on_time: int, overdue: int = 0) -> Figures:
    """The figures of one group. The on-time rectification rate counts only the tickets whose outcome is
    known: answered (on time or late) or still unanswered past their deadline (`overdue`); a ticket still
    within its deadline is neither on time nor late yet."""
    due = rectified + overdue
    return Figures(key=key, name=name, reviews=reviews, good_reviews=good, bad_reviews=bad,
                   average_score=round(score_sum / reviews, 2) if reviews else None,
                   satisfaction_rate=_rate(good, reviews), bad_review_rate=_rate(bad, reviews), tickets=tickets,
                   contacted=contacted, rectified=rectified, rectified_on_time=on_time, rectification_due=due,
                   contact_rate=_rate(contacted, tickets), rectification_rate=_rate(rectified, tickets),
                   rectified_on_time_rate=_rate(on_time, due))


def _period_expr(session: Session, by: str):
    """The China-time day, week (its Monday) or month of a review, as text, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone("Asia/Shanghai", Review.created_at)
        return {"day": func.to_char(local, "YYYY-MM-DD"),
                "week": func.to_char(func.date_trunc("week", local), "YYYY-MM-DD"),
                "month": func.to_char(local, "YYYY-MM")}[by]
    local = func.datetime(Review.created_at, "+8 hours")
    return {"day": func.strftime("%Y-%m-%d", local),
            "week": func.date(local, "weekday 0", "-6 days"),
            "month": func.strftime("%Y-%m", local)}[by]


def bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """China dates [start, end] (inclusive) as UTC instants [from, to)."""
    lo = datetime.combine(start, time(), CHINA_TZ) if start else None
    hi = datetime.combine(end + timedelta(days=1), time(), CHINA_TZ) if end else None
    return lo, hi


def _aggregates():
    ticket = Rectification.id.is_not(None)
    return [
        func.count(Review.id), func.sum(case((Review.score >= rules.GOOD_MIN, 1), else_=0)),
        func.sum(case((Review.score <= rules.BAD_MAX, 1), else_=0)), func.coalesce(func.sum(Review.score), 0),
        func.sum(case((ticket, 1), else_=0)),
        func.sum(case((Rectification.contacted_at.is_not(None), 1), else_=0)),
        func.sum(case((Rectification.answered_at.is_not(None), 1), else_=0)),
        func.sum(case((Rectification.answered_on_time.is_(True), 1), else_=0)),
    ]


def _filtered(stmt, start: date | None, end: date | None, filters: dict[str, str] | None):
    lo, hi = bounds(start, end)
    stmt = stmt.select_from(Review).outerjoin(Rectification, Rectification.review_id == Review.id) \
        .where(Review.excluded.is_(False))
    if lo:
        stmt = stmt.where(Review.created_at >= lo)
    if hi:
        stmt = stmt.where(Review.created_at < hi)
    for dim, value in (filters or {}).items():
        if dim in COLUMNS and value:
            stmt = stmt.where(COLUMNS[dim] == (ReviewChannel(value) if dim == "channel" else value))
    return stmt


def _key(value) -> str:
    value = value.value if isinstance(value, ReviewChannel) else value
    return "" if value is None else str(value)


def _dimension(session: Session, by: str):
    dim = COLUMNS.get(by)
    return dim if dim is not None else _period_expr(session, by)


def overdue_open(session: Session, by: str, start: date | None = None, end: date | None = None,
                 filters: dict[str, str] | None = None, today: date | None = None) -> dict[str, int]:
    """Tickets still unanswered past their rectification deadline (China date `today`, by default the
    clock's), by group: they count as not rectified on time. Read at the time asked (they change with
    the date, not with a write), by a GROUP BY over the few open tickets."""
    today = today or china_today()
    dim = _dimension(session, by)
    stmt = _filtered(select(dim.label("k"), func.count(Rectification.id)), start, end, filters) \
        .where(Rectification.id.is_not(None), Rectification.answered_at.is_(None), Rectification.rectify_due < today) \
        .group_by(literal_column("k") if by not in COLUMNS else dim)
    return {_key(k): int(n) for k, n in session.execute(stmt)}


def _names(session: Session, by: str, keys: list[str]) -> dict[str, str]:
    if by == "department":
        return {d.code: pick(d.name, d.name_en) for d in session.scalars(select(Department)
                                                                         .where(Department.code.in_(keys)))}
    if by == "matter":
        return {m.code: pick(m.name, m.name_en) for m in session.scalars(select(Matter).where(Matter.code.in_(keys)))}
    if by == "channel":
        return {c.value: pick(*label) for c, label in rules.CHANNELS.items()}
    return {}


def _order(groups: list[Figures], by: str) -> None:
    if by in ("day", "week", "month"):
        groups.sort(key=lambda g: g.key)
    else:
        groups.sort(key=lambda g: (-(g.satisfaction_rate or 0), -g.reviews, g.key))
        for i, g in enumerate(groups, 1):
            g.rank = i


def compute(session: Session, by: str, start: date | None = None, end: date | None = None,
            filters: dict[str, str] | None = None) -> tuple[list[Figures], Figures]:
    """Groups (ranked by satisfaction, then volume) and the total, from the rollups."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    rows = rollups.grouped(session, by, start, end, filters)
    overdue = overdue_open(session, by, start, end, filters)
    names = _names(session, by, [k for k, _ in rows if k])
    groups = [figures(key, names.get(key, key or pick("（未确责）", "(unassigned)")), *counts, overdue.get(key or "", 0))
              for key, counts in rows]
    _order(groups, by)
    total = [sum(c[i] for _, c in rows) for i in range(len(rollups.COUNTS))]
    return groups, figures("total", pick("合计", "Total"), *total, sum(overdue.values()))


def compute_raw(session: Session, by: str, start: date | None = None, end: date | None = None,
                filters: dict[str, str] | None = None) -> tuple[list[Figures], Figures]:
    """The figures by a GROUP BY over the reviews (with the ticket join): the reference for the rollups."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    dim = _dimension(session, by)
    rows = session.execute(_filtered(select(dim.label("k"), *_aggregates()), start, end, filters)
                           .group_by(literal_column("k") if by not in COLUMNS else dim)).all()
    overdue = overdue_open(session, by, start, end, filters)
    keys = [_key(r[0]) for r in rows]
    names = _names(session, by, [k for k in keys if k])
    groups = []
    for key, r in zip(keys, rows):
        groups.append(figures(key, names.get(key, key or pick("（未确责）", "(unassigned)")),
                              *[int(x or 0) for x in r[1:]], overdue.get(key, 0)))
    _order(groups, by)
    total_row = session.execute(_filtered(select(*_aggregates()), start, end, filters)).one()
    total = figures("total", pick("合计", "Total"), *[int(x or 0) for x in total_row], sum(overdue.values()))
    return groups, total


CSV_FIELDS = ["rank", "key", "name", "reviews", "good_reviews", "bad_reviews", "average_score", "satisfaction_rate",
              "bad_review_rate", "tickets", "contacted", "rectified", "rectified_on_time", "rectification_due", "contact_rate",
              "rectification_rate", "rectified_on_time_rate"]


def to_csv(groups: list[Figures], total: Figures) -> str:
    """The figures as CSV (UTF-8 with BOM so that spreadsheet programs read the Chinese names)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for g in [*groups, total]:
        w.writerow({k: ("" if v is None else v) for k, v in g.as_dict().items()})
    return "\ufeff" + out.getvalue()


def public_rate(session: Session, matter_code: str) -> Figures:
    """A matter's figures for its public page: the total of compute(by="matter") for that matter,
    from the rollups in one query (no names to look up for a total)."""
    rows = rollups.grouped(session, "matter", None, None, {"matter": matter_code})
    total = [sum(c[i] for _, c in rows) for i in range(len(rollups.COUNTS))]
    return figures("total", pick("合计", "Total"), *total)
