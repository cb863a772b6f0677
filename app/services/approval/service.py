"""Auto-approval on submit: gather facts, run the matter's active model, apply the safety rules,
record the decision with its trace. The outcome is carried out by `app.services.flows`."""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Text, bindparam, cast, func, select
from sqlalchemy.orm import Session

from app.core import audit, reads
from app.core.clock import china_today
from app.core.db import utcnow
from app.core.i18n import get_locale
from app.matters.models import Matter
from app.services.applications import service as applications
from app.services.applications.models import Application, Status
from app.services.applications.schemas import AutoApprovalOut
from app.services.approval import engine, facts
from app.services.approval.models import (ApprovalSetting, AutoDecision, CheckStatus, DecisionModel, ModelStatus,
                                          Outcome)

CHINA = timedelta(hours=8)
_rng = random.Random()


def _reason(code: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "zh": zh, "en": en}


# -- seed ---------------------------------------------------------------------------------------

def seed_models(session: Session) -> int:
    """Version 1 of every shipped model (active) and default settings; idempotent. Returns how many were added."""
    known = set(session.scalars(select(DecisionModel.matter_code).distinct()))
    auto = set(session.scalars(select(Matter.code).where(Matter.auto_approval.is_(True))))
    added = 0
    for code, content in engine.shipped_models().items():
        if code not in auto:
            continue
        if code not in known:
            session.add(DecisionModel(matter_code=code, version=1, status=ModelStatus.active.value, content=content,
                                      note="出厂默认 / shipped default", created_by="seed", activated_by="seed",
                                      activated_at=utcnow()))
            added += 1
        if session.get(ApprovalSetting, code) is None:
            session.add(ApprovalSetting(matter_code=code))
    session.flush()
    return added


def active_model(session: Session, matter_code: str) -> DecisionModel | None:
    return session.scalar(select(DecisionModel).where(DecisionModel.matter_code == matter_code,
                                                      DecisionModel.status == ModelStatus.active.value))


class ActiveDecision(NamedTuple):
    """The live version of a matter's model, as auto-approval runs it (`content` is shared: read only)."""
    id: int
    version: int
    content: dict[str, Any]
    decision: Any  # the compiled zen decision (None if zen-engine cannot load the content)


_MODEL = DecisionModel.__table__
_ACTIVE = select(_MODEL.c.id, _MODEL.c.version, cast(_MODEL.c.content, Text)).where(
    _MODEL.c.matter_code == bindparam("matter_code"), _MODEL.c.status == ModelStatus.active.value)


def active_decision(session: Session, matter_code: str) -> ActiveDecision | None:
    """The active model of a matter, read on every call (an activation or roll-back counts at once,
    in every process), its content parsed and compiled once per distinct content (`engine.loaded`)."""
    row = session.execute(_ACTIVE, {"matter_code": matter_code}).first()
    if row is None:
        return None
    content, compiled = engine.loaded(row[2])
    return ActiveDecision(row[0], row[1], content, compiled)


def setting(session: Session, matter_code: str) -> ApprovalSetting:
    row = session.get(ApprovalSetting, matter_code)
    if row is None:
        row = ApprovalSetting(matter_code=matter_code)
        session.add(row)
        session.flush()
    return row


def china_day_start() -> datetime:
    """Midnight China time today, as naive UTC (how the database stores times)."""
    today = china_today()
    return datetime(today.year, today.month, today.day) - CHINA


# -- facts and evaluation -----------------------------------------------------------------------

def facts_for(session: Session, app: Application, content: dict[str, Any]) -> dict[str, Any]:
    return facts.gather(session, matter_code=app.matter_code, subject_key=app.subject_key, form=app.form or {},
                        number=app.number, needs=engine.sources(content),
                        materials_complete=not applications.missing_materials(app), today=china_today())


def judge(content: dict[str, Any], input_facts: dict[str, Any]) -> dict[str, Any]:
    """The model's verdict, made safe: a denial stands only when definitive and no data is missing."""
    verdict = engine.evaluate(content, input_facts)
    verdict["model_outcome"] = verdict["outcome"]
    if verdict["outcome"] == Outcome.deny.value:
        needs = engine.sources(content)
        missing = [s for s, st in (input_facts.get("sources") or {}).items()
                   if st == "unavailable" or (st != "found" and not needs.get(s, False))]
        if missing or not verdict["definitive"]:
            verdict["outcome"] = Outcome.refer.value
            verdict["reasons"] = verdict["reasons"] + [_reason(
                "not_definitive", "数据不全或规则不能确定，不自动否决，转人工审核",
                "Data is missing or the rule is not conclusive: no automatic denial, a person will decide")]
    return verdict


def auto_decide(session: Session, app: Application) -> AutoDecision | None:
    """Decide a just-submitted application of an auto-approval matter; None if no model applies."""
    if app.status != Status.submitted:
        return None  # a resubmission after a person's correction request stays with that person
    model = active_decision(session, app.matter_code)
    if model is None:
        return None
    started = time.perf_counter()
    rules = setting(session, app.matter_code)
    input_facts = facts_for(session, app, model.content)
    verdict = judge(model.content, input_facts)
    outcome = verdict["outcome"]
    reasons = list(verdict["reasons"])
    if not rules.enabled:
        outcome, reasons = Outcome.refer.value, [_reason("switched_off", "该事项的自动审批已暂停，转人工审核",
                                                         "Auto-approval of this matter is paused; a person will decide")]
    elif outcome == Outcome.approve.value and approvals_today(session, app.matter_code) >= rules.daily_cap:
        outcome, reasons = Outcome.refer.value, [_reason("daily_cap", "今日自动审批已达上限，转人工审核",
                                                         "Today's cap of automatic approvals is reached; a person will decide")]
    sampled = outcome == Outcome.approve.value and _rng.random() < rules.sample_rate
    decision = AutoDecision(
        application_id=app.id, application_number=app.number, matter_code=app.matter_code, model_id=model.id,
        model_version=model.version, model_outcome=verdict["model_outcome"], outcome=outcome,
        definitive=outcome == Outcome.deny.value, reasons=reasons, facts=input_facts, fired=verdict["fired"],
        trace=verdict["trace"], duration_ms=round((time.perf_counter() - started) * 1000, 3), sampled=sampled,
        check_status=CheckStatus.pending.value if sampled else None)
    session.add(decision)
    session.flush()
    audit.record(session, actor="system", action=f"approval.{outcome}", object_type="application",
                 object_id=app.number, detail={"model": app.matter_code, "version": model.version,
                                               "reasons": [r.get("code") for r in reasons]})
    return decision


def approvals_today(session: Session, matter_code: str) -> int:
    return session.scalar(select(func.count()).select_from(AutoDecision).where(
        AutoDecision.matter_code == matter_code, AutoDecision.outcome == Outcome.approve.value,
        AutoDecision.decided_at >= china_day_start())) or 0


_DECISION_FOR = select(AutoDecision).where(AutoDecision.application_id == bindparam("application_id"))
_OUTCOME_FOR = select(AutoDecision.outcome, AutoDecision.reasons).where(
    AutoDecision.application_id == bindparam("application_id"))


def decision_for(session: Session, application_id: int) -> AutoDecision | None:
    return session.scalar(_DECISION_FOR, {"application_id": application_id})


def auto_approval_out(session: Session, app: Application) -> AutoApprovalOut | None:
    """The auto-approval's decision on an application, as shown with it (API and pages)."""
    auto = reads.rows(session, _OUTCOME_FOR, {"application_id": app.id}).first()  # the two columns shown
    if auto is None:
        return None
    return AutoApprovalOut(outcome=auto.outcome, reasons=reason_texts(auto.reasons, get_locale()),
                           reasons_zh=reason_texts(auto.reasons, "zh"), reasons_en=reason_texts(auto.reasons, "en"))


def reason_texts(reasons: list[dict[str, str]], lang: str) -> list[str]:
    return [r.get("en" if lang == "en" else "zh") or r.get("zh") or "" for r in reasons]


def all_active(session: Session) -> list[DecisionModel]:
    return list(session.scalars(select(DecisionModel).where(DecisionModel.status == ModelStatus.active.value)
                                .order_by(DecisionModel.matter_code)))


def department_of(session: Session, matter_code: str) -> str | None:
    return session.scalar(select(Matter.department_code).where(Matter.code == matter_code))


def decision_by_number(session: Session, number: str) -> AutoDecision | None:
    return session.scalar(select(AutoDecision).where(AutoDecision.application_number == number))
