"""The action plan's KPIs (ARCHITECTURE §7), measured from the live database: one definition each,
used by the simulator's report and the /kpis dashboard alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.evaluation import stats
from app.matters.consultation.models import ConsultationQuery
from app.matters.models import Matter
from app.services.applications.models import Application
from app.services.datahub.models import DataRecord
from app.services.window import service as window_service
from app.services.window.models import ServiceWindow

RISING = "rising"


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    name_en: str
    target: float | str  # a share to reach, or "rising"
    measure: Callable[[Session], tuple[float | None, bool | None]]  # (value, met when not a plain threshold)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _count(session: Session, *where) -> int:
    return session.scalar(select(func.count()).select_from(Matter).where(*where)) or 0


def online_capable_share(session: Session) -> float | None:
    """可网办能力: matters that can be handled online among all matters."""
    return _share(_count(session, Matter.online.is_(True)), _count(session))


def online_application_share(session: Session) -> float | None:
    """实际网办比例: submitted applications that came in online."""
    submitted = Application.submitted_at.is_not(None)
    online = session.scalar(select(func.count()).select_from(Application).where(
        submitted, Application.channel == "online")) or 0
    total = session.scalar(select(func.count()).select_from(Application).where(submitted)) or 0
    return _share(online, total)


def hf_esign_coverage(session: Session) -> float | None:
    """High-frequency matters with online identity (handled online) and electronic signature; every
    result the portal issues carries the department's e-seal."""
    hf = Matter.high_freq.is_(True)
    return _share(_count(session, hf, Matter.online.is_(True), Matter.esign.is_(True)), _count(session, hf))


def consultation_accuracy(session: Session) -> float | None:
    """智能咨询准确率: answers the asker marked helpful, among answers that got feedback."""
    helpful = session.scalar(select(func.count()).select_from(ConsultationQuery).where(
        ConsultationQuery.helpful.is_(True))) or 0
    rated = session.scalar(select(func.count()).select_from(ConsultationQuery).where(
        ConsultationQuery.helpful.is_not(None))) or 0
    return _share(helpful, rated)


def comprehensive_window_share(session: Session) -> float | None:
    """综合窗口比例: comprehensive windows among all windows (the window service's figure)."""
    w = ServiceWindow
    total = session.scalar(select(func.count()).select_from(w)) or 0
    return round(window_service.comprehensive_share(session), 4) if total else None


def intake_accuracy(session: Session) -> float | None:
    """收件准确率: window intakes the back office did not return to the window (the window's own figure)."""
    value = window_service.intake_figures(session)["intake_accuracy"]
    return None if value is None else round(value, 4)


def on_the_spot(session: Session) -> tuple[float | None, bool | None]:
    """当场办结比例: intakes at comprehensive windows completed there (the window service's definition,
    `on_the_spot_by_day`, which the window dashboard shows too); met when the later half of the days
    does no worse than the earlier half (the plan asks for a rising share)."""
    by_day = window_service.on_the_spot_by_day(session)
    value = _share(*window_service.on_the_spot_totals(by_day))
    days = sorted(by_day)
    if len(days) < 2:
        return value, None if value is None else value > 0
    half = len(days) // 2
    early = window_service.on_the_spot_totals({d: by_day[d] for d in days[:half]})
    late = window_service.on_the_spot_totals({d: by_day[d] for d in days[half:]})
    return value, (_share(*late) or 0) >= (_share(*early) or 0)


def satisfaction_rate(session: Session) -> float | None:
    """好评率: reviews graded 4–5 among all reviews (the evaluation statistics' definition)."""
    return stats.compute(session, "department")[1].satisfaction_rate


def rectified_on_time_rate(session: Session) -> float | None:
    """差评按期整改答复率: bad-review tickets answered within their deadline, among the tickets whose
    outcome is known on the clock's date — answered, or unanswered past the deadline (the evaluation
    statistics' definition; a ticket still within its deadline is neither on time nor late yet)."""
    return stats.compute(session, "department")[1].rectified_on_time_rate


def e_business_licence_share(session: Session) -> float | None:
    """Existing (active) enterprises of the district that have downloaded their e-business licence."""
    active = downloaded = 0
    for payload in session.scalars(select(DataRecord.payload).where(DataRecord.source == "legal-entity")
                                   .execution_options(yield_per=500)):
        if payload.get("status") == "active":
            active += 1
            downloaded += bool(payload.get("e_licence_downloaded"))
    return _share(downloaded, active)


def _plain(fn: Callable[[Session], float | None]) -> Callable[[Session], tuple[float | None, None]]:
    return lambda session: (fn(session), None)


KPIS = [
    Kpi("online_capable_share", "可网办能力", "Matters that can be handled online", 0.95, _plain(online_capable_share)),
    Kpi("online_application_share", "实际网办比例", "Applications submitted online", 0.75,
        _plain(online_application_share)),
    Kpi("hf_esign_coverage", "高频事项电子印章、电子签名、网上身份认证覆盖", "High-frequency matters with e-seal, "
        "e-signature and online identity", 1.0, _plain(hf_esign_coverage)),
    Kpi("consultation_accuracy", "智能咨询准确率", "Smart consultation accuracy", 0.70, _plain(consultation_accuracy)),
    Kpi("comprehensive_window_share", "综合窗口比例", "Comprehensive windows among all windows", 0.80,
        _plain(comprehensive_window_share)),
    Kpi("intake_accuracy", "综合窗口收件准确率", "Comprehensive-window intake accuracy", 0.90, _plain(intake_accuracy)),
    Kpi("on_the_spot_share", "综合窗口当场办结比例", "On-the-spot completion at comprehensive windows", RISING,
        on_the_spot),
    Kpi("satisfaction_rate", "好评率", "Satisfaction rate", 0.90, _plain(satisfaction_rate)),
    Kpi("rectified_on_time_rate", "差评按期整改答复率", "Bad reviews rectified and answered on time", 1.0,
        _plain(rectified_on_time_rate)),
    Kpi("e_business_licence_share", "电子营业执照下载率", "Enterprises that downloaded the e-business licence", 0.30,
        _plain(e_business_licence_share)),
]


def measure(session: Session) -> dict[str, dict]:
    """Every KPI: {"value", "target", "met"} (value None when nothing was measured yet)."""
    out = {}
    for kpi in KPIS:
        value, met = kpi.measure(session)
        if met is None and isinstance(kpi.target, float):
            met = value is not None and value >= kpi.target
        out[kpi.key] = {"value": value, "target": kpi.target, "met": bool(met)}
    return out
