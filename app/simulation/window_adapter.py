"""Everything the simulator and the KPIs need from the service windows, in one place.

The window service's own records (service windows with their kind, one intake record per
walk-in) give the measures, by its own definitions; where it has none (a database with window
applications but no intake records, e.g. from before the window service), they are computed from
`channel=window` applications and the officers' window codes (XH-Cnn comprehensive, XH-Dnn dedicated)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.core.clock import CHINA_TZ
from app.identity.models import Role, User
from app.services.applications.models import Application, ApplicationEvent, Channel, Status

from app.services.window import models as window_models
from app.services.window import service as window_service

DONE_ON_SPOT = (Status.approved, Status.issued)


def is_comprehensive(window_code: str | None) -> bool:
    """综合窗口 by its code: XH-Cnn (a dedicated 专窗 is XH-Dnn)."""
    return bool(window_code) and "-C" in window_code


# -- measures --------------------------------------------------------------------------------------------

def _rows(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def window_counts(session: Session) -> tuple[int, int]:
    """(comprehensive windows, all windows)."""
    if _rows(session, window_models.ServiceWindow):
        w = window_models.ServiceWindow
        total = _rows(session, w)
        comp = session.scalar(select(func.count()).select_from(w).where(
            w.kind == window_models.WindowKind.comprehensive)) or 0
        return comp, total
    codes = set(session.scalars(select(User.window_code).where(User.role == Role.window_officer,
                                                               User.window_code.is_not(None))))
    return sum(is_comprehensive(c) for c in codes), len(codes)


def intake_counts(session: Session) -> tuple[int, int]:
    """(window intakes the back office did not return, window intakes past intake)."""
    if _rows(session, window_models.WindowIntake):
        # The window's own definition (the figures API reads the same): accepted intakes not returned.
        figures = window_service.intake_figures(session)
        return figures["accepted"] - figures["returned"], figures["accepted"]
    taken = (Application.channel == Channel.window, Application.status != Status.draft,
             Application.accepted_at.is_not(None) | Application.decided_at.is_not(None))
    total = session.scalar(select(func.count()).select_from(Application).where(*taken)) or 0
    returned = session.scalar(select(func.count()).select_from(Application).where(*taken, exists().where(
        ApplicationEvent.application_id == Application.id,
        ApplicationEvent.action.in_(("request_correction", "return_to_window", "refuse"))))) or 0
    return total - returned, total


def on_the_spot_by_day(session: Session) -> dict[date, tuple[int, int]]:
    """China day → (completed the same day, taken in) at comprehensive windows."""
    if _rows(session, window_models.WindowIntake):
        w = window_models.WindowIntake
        rows = session.execute(select(w.created_at, w.completed_on_spot, w.window_code))
        items = [(at, done) for at, done, code in rows if _kind(session, code)]
    else:
        rows = session.execute(select(Application.submitted_at, Application.decided_at, Application.status,
                                      Application.window_code)
                               .where(Application.channel == Channel.window, Application.submitted_at.is_not(None)))
        items = [(sub, dec is not None and st in DONE_ON_SPOT and _day(dec) == _day(sub))
                 for sub, dec, st, code in rows if is_comprehensive(code)]
    out: dict[date, tuple[int, int]] = {}
    for at, done in items:
        d = _day(at)
        done_n, total = out.get(d, (0, 0))
        out[d] = (done_n + bool(done), total + 1)
    return out


def _kind(session: Session, code: str | None) -> bool:
    row = session.get(window_models.ServiceWindow, code) if code else None
    return row is not None and row.kind == window_models.WindowKind.comprehensive


def _day(at) -> date:
    return at.astimezone(CHINA_TZ).date()
