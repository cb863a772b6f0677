"""Model versions, what-if over a known history, audited edits, a datahub outage."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.audit_models import AuditRecord
from app.services.approval import service, versions
from app.services.approval.exceptions import InvalidModel
from app.services.approval.models import AutoDecision, ModelStatus
from app.services.datahub import service as datahub
from tests.services.approval.test_personas import _apply

CODE = "elderly-allowance"


def _age_row(content):
    from app.services.approval import engine
    table = engine.table_node(content)["content"]
    column = next(c["id"] for c in table["inputs"] if c["field"] == "applicant.age")
    row = next(r for r in table["rules"] if r.get(column))
    return f"{row['_id']}:{column}"


def test_activate_and_roll_back(db_session):
    v1 = service.active_model(db_session, CODE)
    cell = _age_row(v1.content)
    draft = versions.create_draft(db_session, CODE, versions.edit_rows(v1.content, {cell: "< 60"}), actor="admin")
    assert draft.version == v1.version + 1 and draft.status == ModelStatus.draft.value
    assert service.active_model(db_session, CODE).id == v1.id  # a draft changes nothing yet
    versions.activate(db_session, draft, actor="admin")
    assert service.active_model(db_session, CODE).id == draft.id and v1.status == ModelStatus.retired.value
    back = versions.rollback(db_session, CODE, actor="admin")
    assert back.id == v1.id and service.active_model(db_session, CODE).id == v1.id
    assert draft.status == ModelStatus.retired.value
    db_session.commit()  # audit records are chained at commit (the test's outer transaction still rolls back)
    actions = [a.action for a in db_session.scalars(select(AuditRecord).where(
        AuditRecord.object_id.like(f"{CODE}:v%")))]
    assert actions.count("approval.model.activate") == 2 and "approval.model.draft" in actions


def test_invalid_upload_is_refused(db_session):
    with pytest.raises(InvalidModel):
        versions.create_draft(db_session, CODE, {"nodes": [], "edges": []}, actor="admin")
    with pytest.raises(InvalidModel):
        versions.parse_upload(b"{not json")


def test_what_if_counts_changed_outcomes_on_stored_facts(client, auth, db_session):
    model = service.active_model(db_session, CODE)
    history = []
    for age, outcome in ((70, "approve"), (62, "deny"), (30, "deny"), (64, "deny")):
        facts = {"applicant": {"age": age}, "sources": {"population": "found"},
                 "population": {"hukou_shanghai": True, "hukou_years": 20, "alive": True,
                                "receiving_elderly_allowance": False}}
        history.append(facts)
    app_ids = _application_ids(client, auth("citizen-young"), db_session, len(history))
    for app_id, facts in zip(app_ids, history):
        verdict = service.judge(model.content, facts)
        db_session.add(AutoDecision(application_id=app_id, application_number=f"N{app_id}", matter_code=CODE,
                                    model_outcome=verdict["model_outcome"], outcome=verdict["outcome"],
                                    facts=facts, reasons=verdict["reasons"]))
    db_session.flush()
    draft = versions.create_draft(db_session, CODE, versions.edit_rows(model.content, {_age_row(model.content): "< 60"}),
                                  actor="admin")
    result = versions.what_if(db_session, draft, last=10)
    assert result["compared"] == 4
    assert result["changed"] == 2  # aged 62 and 64 would now qualify; 30 stays denied, 70 approved
    assert sorted(c["was"] + ">" + c["would_be"] for c in result["changes"]) == ["deny>approve", "deny>approve"]


def _application_ids(client, headers, db_session, n):
    """Drafts to hang a decision history on (the history's facts are what what-if reads)."""
    from app.services.applications.models import Application
    from tests.services.applications.helpers import create
    numbers = [create(client, headers, CODE).json()["number"] for _ in range(n)]
    return list(db_session.scalars(select(Application.id).where(Application.number.in_(numbers))))


def test_datahub_outage_refers_instead_of_deciding(client, auth, db_session):
    datahub.set_available(db_session, "population", False)
    app = _apply(client, auth("citizen-young"))
    assert app["status"] == "submitted"
    assert app["auto_approval"]["outcome"] == "refer"
    assert any("人口库" in r for r in app["auto_approval"]["reasons_zh"])


def test_the_live_model_follows_activation_and_roll_back_though_its_compiled_form_is_cached(db_session):
    aged_62 = {"applicant": {"age": 62}, "sources": {"population": "found"},
               "population": {"hukou_shanghai": True, "hukou_years": 20, "alive": True,
                              "receiving_elderly_allowance": False}}
    v1 = service.active_decision(db_session, CODE)
    assert service.active_decision(db_session, CODE).decision is v1.decision  # parsed and compiled once
    assert service.judge(v1.content, aged_62)["outcome"] == "deny"
    draft = versions.create_draft(db_session, CODE, versions.edit_rows(v1.content, {_age_row(v1.content): "< 60"}),
                                  actor="admin")
    assert service.active_decision(db_session, CODE).id == v1.id  # a draft is not live
    versions.activate(db_session, draft, actor="admin")
    live = service.active_decision(db_session, CODE)
    assert (live.id, live.version) == (draft.id, draft.version) and live.decision is not v1.decision
    assert service.judge(live.content, aged_62)["outcome"] == "approve"
    versions.rollback(db_session, CODE, actor="admin")
    back = service.active_decision(db_session, CODE)
    assert back.id == v1.id and back.decision is v1.decision
    assert service.judge(back.content, aged_62)["outcome"] == "deny"


def test_a_submit_after_an_activation_is_decided_by_the_new_version(client, auth, db_session):
    first = _apply(client, auth("citizen-young"))  # decided by v1 (and its compiled form cached)
    v1 = service.active_model(db_session, CODE)
    assert service.decision_by_number(db_session, first["number"]).model_version == v1.version
    assert "under_65" in [r["code"] for r in service.decision_by_number(db_session, first["number"]).reasons]
    draft = versions.create_draft(db_session, CODE, versions.edit_rows(v1.content, {_age_row(v1.content): "< 18"}),
                                  actor="admin")
    versions.activate(db_session, draft, actor="admin")
    second = _apply(client, auth("citizen-young"))
    decided = service.decision_by_number(db_session, second["number"])
    assert decided.model_version == draft.version and decided.model_id == draft.id
    assert "under_65" not in [r["code"] for r in decided.reasons]


def test_a_live_model_zen_cannot_load_refers_rather_than_failing(db_session):
    from sqlalchemy import update

    from app.services.approval.models import DecisionModel

    live = service.active_decision(db_session, CODE)
    broken = {**live.content, "nodes": [{"id": "x", "type": "noSuchNode"}], "edges": [{"id": "e"}]}
    db_session.execute(update(DecisionModel).where(DecisionModel.id == live.id).values(content=broken))
    now = service.active_decision(db_session, CODE)
    assert now.id == live.id and now.decision is None
    verdict = service.judge(now.content, {"applicant": {"age": 70}, "sources": {"population": "found"}})
    assert verdict["outcome"] == "refer" and [r["code"] for r in verdict["reasons"]] == ["model_error"]
