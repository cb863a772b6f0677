"""Oversight of automatic decisions: per-matter switches, post-checks (事后抽查) and statistics."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.services.applications.models import Application
from app.services.approval.models import ApprovalSetting, AutoDecision, CheckStatus, Outcome
from app.services.approval.service import department_of, setting


def update_setting(session: Session, matter_code: str, *, actor: str, enabled: bool | None = None,
                   daily_cap: int | None = None, sample_rate: float | None = None) -> ApprovalSetting:
    """Switch a matter's auto-approval on or off, set its daily cap and post-check share; audited."""
    row = setting(session, matter_code)
    if daily_cap is not None and not 0 <= daily_cap <= 1_000_000:
        raise ValidationFailed("每日上限须在 0 到 1000000 之间 / The daily cap must be 0 to 1,000,000")
    if sample_rate is not None and not 0 <= sample_rate <= 1:
        raise ValidationFailed("抽查比例须在 0 到 1 之间 / The post-check share must be between 0 and 1")
    before = {"enabled": row.enabled, "daily_cap": row.daily_cap, "sample_rate": row.sample_rate}
    if enabled is not None:
        row.enabled = enabled
    if daily_cap is not None:
        row.daily_cap = daily_cap
    if sample_rate is not None:
        row.sample_rate = sample_rate
    row.updated_by = actor
    session.flush()
    audit.record(session, actor=actor, action="approval.setting", object_type="matter", object_id=matter_code,
                 detail={"before": before, "after": {"enabled": row.enabled, "daily_cap": row.daily_cap,
                                                     "sample_rate": row.sample_rate}})
    return row


def post_checks(session: Session, status: str | None = CheckStatus.pending.value, limit: int = 100) -> list[AutoDecision]:
    query = select(AutoDecision).where(AutoDecision.sampled.is_(True))
    if status:
        query = query.where(AutoDecision.check_status == status)
    return list(session.scalars(query.order_by(AutoDecision.id.desc()).limit(limit)))


def record_check(session: Session, number: str, *, actor: str, status: str, note: str = "",
                 department: str | None = None) -> AutoDecision:
    """A reviewer or administrator confirms a sampled automatic approval or flags it; audited."""
    if status not in (CheckStatus.confirmed.value, CheckStatus.flagged.value):
        raise ValidationFailed("结论须为 confirmed 或 flagged / status must be confirmed or flagged")
    if status == CheckStatus.flagged.value and not note.strip():
        raise ValidationFailed("标记问题时须说明原因 / Say what is wrong when flagging", fields={"note": "required"})
    row = session.scalar(select(AutoDecision).where(AutoDecision.application_number == number,
                                                    AutoDecision.sampled.is_(True)))
    if row is None or (department is not None and department_of(session, row.matter_code) != department):
        raise NotFound(f"没有待抽查的自动审批：{number} / No sampled automatic approval: {number}")
    row.check_status, row.checked_by, row.checked_at, row.check_note = status, actor, utcnow(), note.strip()[:500]
    session.flush()
    audit.record(session, actor=actor, action=f"approval.postcheck.{status}", object_type="application",
                 object_id=number, detail={"note": row.check_note})
    return row


def stats(session: Session, *, since: datetime | None = None) -> dict[str, Any]:
    """Automatic approval rate per matter, referral reasons, time from submission to decision."""
    query = select(AutoDecision, Application.submitted_at, Application.decided_at).join(
        Application, Application.id == AutoDecision.application_id)
    if since is not None:
        query = query.where(AutoDecision.decided_at >= since)
    groups: dict[str, dict[str, Any]] = {}
    referral_reasons: Counter[str] = Counter()
    reason_text: dict[str, dict[str, str]] = {}
    for decision, submitted_at, decided_at in session.execute(query):
        g = groups.setdefault(decision.matter_code, {"matter_code": decision.matter_code, "decisions": 0,
                                                     "approve": 0, "deny": 0, "refer": 0, "_ms": []})
        g["decisions"] += 1
        g[decision.outcome] += 1
        if decision.outcome != Outcome.refer.value and submitted_at and decided_at:
            g["_ms"].append((decided_at - submitted_at).total_seconds() * 1000)
        if decision.outcome == Outcome.refer.value:
            for r in decision.reasons:
                referral_reasons[r.get("code", "")] += 1
                reason_text.setdefault(r.get("code", ""), {"zh": r.get("zh", ""), "en": r.get("en", "")})
    out = []
    for g in sorted(groups.values(), key=lambda x: -x["decisions"]):
        ms = sorted(g.pop("_ms"))
        g["auto_approval_rate"] = round(g["approve"] / g["decisions"], 4)
        g["automatic_share"] = round((g["approve"] + g["deny"]) / g["decisions"], 4)
        g["median_ms_to_decision"] = round(ms[len(ms) // 2], 1) if ms else None
        out.append(g)
    total = sum(g["decisions"] for g in out)
    approved = sum(g["approve"] for g in out)
    return {"groups": out,
            "referral_reasons": [{"code": c, "count": n, **reason_text[c]} for c, n in referral_reasons.most_common()],
            "total": {"decisions": total, "approve": approved,
                      "auto_approval_rate": round(approved / total, 4) if total else None}}
