"""The evaluator's dashboard (评价监督): figures by department, matter, window, officer, channel or
period, a chart, CSV export, drill-down to the reviews, escalated tickets and appeals to decide.
Evaluators see aggregates and reviews (names masked), never an application's personal data."""
from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from app.core.db import RowId, SessionDep
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, require_roles
from app.identity.models import Role, User
from app.evaluation import appeals, charts, rectification, rules, stats
from app.evaluation import service as svc
from app.evaluation.presenters import review_view, ticket_view

router = APIRouter(include_in_schema=False)
EvaluatorUser = Annotated[User, Depends(require_roles(Role.evaluator, Role.admin))]
BY_LABELS = {"department": ("部门", "Department"), "matter": ("事项", "Matter"), "window": ("窗口", "Window"),
             "officer": ("窗口人员", "Officer"), "channel": ("评价渠道", "Channel"), "day": ("按日", "By day"),
             "week": ("按周", "By week"), "month": ("按月", "By month")}
DRILL = {"department", "matter", "window", "officer", "channel"}


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/evaluation")
def dashboard(request: Request, session: SessionDep, user: EvaluatorUser, by: str = "department",
              start: str = "", end: str = "", department: str = "", matter: str = "", channel: str = ""):
    by = by if by in stats.DIMENSIONS else "department"
    lo, hi = _date(start), _date(end)
    filters = {k: v for k, v in {"department": department, "matter": matter,
                                 "channel": channel if channel in {c.value for c in rules.CHANNELS} else ""}.items() if v}
    groups, total = stats.compute(session, by, lo, hi, filters)
    query = {k: v for k, v in {"by": by, "from": lo.isoformat() if lo else "", "to": hi.isoformat() if hi else "",
                               **filters}.items() if v}
    overdue, n_overdue = rectification.list_tickets(session, None, overdue_only=True, limit=20)
    pending, n_pending = appeals.pending(session)
    _flagged, n_flagged = svc.list_reviews(session, flagged_only=True, limit=1)
    return render(request, "evaluation/dashboard.html", {
        "by": by, "by_labels": {k: pick(*v) for k, v in BY_LABELS.items()}, "start": start, "end": end,
        "filters": filters, "groups": groups, "total": total, "drill": by in DRILL,
        "chart": charts.bar_chart(groups, "satisfaction_rate", _("满意率")),
        "csv_url": "/api/v1/evaluation/stats.csv?" + urlencode(query),
        "channels": [(c.value, pick(*label)) for c, label in rules.CHANNELS.items()],
        "overdue": [ticket_view(t) for t in overdue], "n_overdue": n_overdue,
        "appeals": [{"id": a.id, "reason": pick(*rules.APPEAL_REASONS[a.reason]), "evidence": a.evidence,
                     "filed_by": a.filed_by, "due": a.decide_due, "overdue": a.overdue,
                     "review": review_view(a.review)} for a in pending], "n_pending": n_pending,
        "n_flagged": n_flagged})


@router.get("/evaluation/reviews")
def drill_down(request: Request, session: SessionDep, user: EvaluatorUser, department: str = "", matter: str = "",
               channel: str = "", window: str = "", officer: str = "", bad: int = 0, flagged: int = 0,
               page: int = 1):
    page = max(1, min(page, 1000))
    rows, total = svc.list_reviews(session, department=department or None, matter=matter or None,
                                   channel=channel if channel in {c.value for c in rules.CHANNELS} else None,
                                   window=window or None, officer=officer or None, bad_only=bool(bad),
                                   flagged_only=bool(flagged), limit=50, offset=(page - 1) * 50)
    params = {k: v for k, v in {"department": department, "matter": matter, "channel": channel, "window": window,
                                "officer": officer, "bad": bad, "flagged": flagged}.items() if v}
    return render(request, "evaluation/reviews.html", {
        "reviews": [review_view(r) for r in rows], "total": total, "page": page,
        "pages": max(1, -(-total // 50)), "params": params})


@router.post("/evaluation/appeals/{appeal_id}/decision", dependencies=[CsrfProtected])
def decide_appeal(appeal_id: RowId, session: SessionDep, user: EvaluatorUser,
                  decision: Annotated[str, Form()] = "", note: Annotated[str, Form(max_length=1000)] = ""):
    if decision in ("upheld", "rejected"):
        appeals.decide(session, appeals.get_appeal(session, appeal_id), user, decision == "upheld", note)
    return RedirectResponse("/evaluation#appeals", status_code=303)
