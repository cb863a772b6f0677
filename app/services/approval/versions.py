"""Changing a decision model safely: drafts, validation, activation and roll-back (audited), what-if."""
from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.services.approval import engine
from app.services.approval.exceptions import InvalidModel, ModelNotDraft, ModelNotFound
from app.services.approval.models import AutoDecision, DecisionModel, ModelStatus
from app.services.approval.service import judge


def versions(session: Session, matter_code: str) -> list[DecisionModel]:
    return list(session.scalars(select(DecisionModel).where(DecisionModel.matter_code == matter_code)
                                .order_by(DecisionModel.version.desc())))


def get(session: Session, matter_code: str, version: int) -> DecisionModel:
    model = session.scalar(select(DecisionModel).where(DecisionModel.matter_code == matter_code,
                                                       DecisionModel.version == version))
    if model is None:
        raise ModelNotFound(f"{matter_code} v{version}")
    return model


def parse_upload(raw: bytes | str) -> dict[str, Any]:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidModel(f"不是有效的 JSON / Not valid JSON: {exc}") from exc


def create_draft(session: Session, matter_code: str, content: dict[str, Any], *, actor: str,
                 note: str = "") -> DecisionModel:
    """A new draft version, validated by loading it in zen-engine; audited."""
    engine.validate(content)
    latest = session.scalar(select(func.max(DecisionModel.version)).where(DecisionModel.matter_code == matter_code))
    if latest is None:
        raise ModelNotFound(matter_code)
    model = DecisionModel(matter_code=matter_code, version=latest + 1, status=ModelStatus.draft.value,
                          content=content, note=note[:500], created_by=actor)
    session.add(model)
    session.flush()
    audit.record(session, actor=actor, action="approval.model.draft", object_type="decision_model",
                 object_id=f"{matter_code}:v{model.version}", detail={"note": note[:200],
                                                                      "hash": engine.content_key(content)})
    return model


def edit_rows(content: dict[str, Any], cells: dict[str, str]) -> dict[str, Any]:
    """A copy of the model with table cells replaced; `cells` maps "ROW_ID:COLUMN_ID" to the new text."""
    new = copy.deepcopy(content)
    table = engine.table_node(new)["content"]
    rows = {r.get("_id"): r for r in table["rules"]}
    for key, text in cells.items():
        row_id, _, column = key.partition(":")
        if row_id in rows and column in rows[row_id]:
            rows[row_id][column] = text.strip()
    return new


def activate(session: Session, model: DecisionModel, *, actor: str) -> DecisionModel:
    """Make this version the live one; the previous active version is retired. Also used to roll back."""
    if model.status == ModelStatus.active.value:
        return model
    engine.validate(model.content)
    previous = session.scalar(select(DecisionModel).where(DecisionModel.matter_code == model.matter_code,
                                                          DecisionModel.status == ModelStatus.active.value))
    if previous is not None:
        previous.status = ModelStatus.retired.value
        session.flush()  # one active version at a time
    model.status = ModelStatus.active.value
    model.activated_by, model.activated_at = actor, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="approval.model.activate", object_type="decision_model",
                 object_id=f"{model.matter_code}:v{model.version}",
                 detail={"previous": previous.version if previous else None})
    return model


def rollback(session: Session, matter_code: str, *, actor: str) -> DecisionModel:
    """Re-activate the most recently activated retired version."""
    retired = session.scalar(select(DecisionModel).where(DecisionModel.matter_code == matter_code,
                                                         DecisionModel.status == ModelStatus.retired.value)
                             .order_by(DecisionModel.activated_at.desc(), DecisionModel.version.desc()).limit(1))
    if retired is None:
        raise ModelNotDraft("没有可回滚的版本 / There is no earlier version to roll back to")
    return activate(session, retired, actor=actor)


def test_run(content: dict[str, Any], sample: dict[str, Any]) -> dict[str, Any]:
    """The verdict of a model on a sample input (the facts shape the portal builds)."""
    return judge(content, sample)


def what_if(session: Session, model: DecisionModel, *, last: int = 100) -> dict[str, Any]:
    """Run `model` over the stored facts of the matter's last N automatic decisions: how many would change."""
    rows = list(session.scalars(select(AutoDecision).where(AutoDecision.matter_code == model.matter_code)
                                .order_by(AutoDecision.id.desc()).limit(max(1, min(last, 5000)))))
    changed = []
    for row in rows:
        verdict = judge(model.content, row.facts)
        if verdict["model_outcome"] != row.model_outcome:  # the models compared, before the safety rules
            changed.append({"application_number": row.application_number, "was": row.model_outcome,
                            "would_be": verdict["model_outcome"], "reasons": verdict["reasons"]})
    return {"matter_code": model.matter_code, "version": model.version, "compared": len(rows),
            "changed": len(changed), "changes": changed}
