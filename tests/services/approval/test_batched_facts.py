"""Facts gathered for many applications at once equal those gathered one by one; the compiled model
is reused for the same content object and not for another."""
from __future__ import annotations

import copy
from datetime import date

from sqlalchemy import func, select

from app.matters import content as matter_content
from app.services.approval import engine, facts, service
from app.services.datahub import service as datahub
from app.services.datahub.models import DataAccessLog

ELDER, YOUNG, NODATA = "310104195603152027", "310104199606121013", "320102199508233037"
USCC = "91310104MA1FL0001Q"
TODAY = date(2026, 11, 27)


def _items():
    out = []
    for i, (code, subject) in enumerate([("elderly-allowance", ELDER), ("elderly-allowance", YOUNG),
                                         ("elderly-allowance", NODATA), ("hpf-withdrawal-rent", YOUNG),
                                         ("hpf-withdrawal-rent", ELDER)]):
        model = engine.shipped_models()[code]
        out.append(dict(matter_code=code, subject_key=subject, number=f"XH{i}", needs=engine.sources(model),
                        form=matter_content.example_form(code, include_prefilled=True), materials_complete=True))
    return out


def test_gather_many_equals_gather_one_by_one_and_logs_each_read(db_session):
    items = _items()
    count = lambda: db_session.scalar(select(func.count()).select_from(DataAccessLog))  # noqa: E731
    before = count()
    one_by_one = [facts.gather(db_session, today=TODAY, **item) for item in items]
    middle = count()
    together = facts.gather_many(db_session, items, today=TODAY)
    assert together == one_by_one
    assert count() - middle == middle - before > len(items)  # the same reads, each on its own row
    verdicts = [service.judge(engine.shipped_models()[i["matter_code"]], f)["outcome"] for i, f in zip(items, together)]
    assert verdicts[:3] == ["approve", "deny", "refer"]


def test_gather_many_with_the_datahub_down_refers_rather_than_denies(db_session):
    datahub.set_available(db_session, "population", False)
    items = _items()[:2]
    got = facts.gather_many(db_session, items, today=TODAY)
    assert [f["sources"]["population"] for f in got] == ["unavailable", "unavailable"]
    model = engine.shipped_models()["elderly-allowance"]
    assert [service.judge(model, f)["outcome"] for f in got] == ["refer", "refer"]


def test_compiled_decision_is_reused_for_the_same_content_only():
    model = engine.shipped_models()["elderly-allowance"]
    first = engine.decision(model)
    assert engine.decision(model) is first
    changed = copy.deepcopy(model)
    rules = engine.table_node(changed)["content"]["rules"]
    rules[:] = [r for r in rules if r.get("_id") != "r2"]  # drop the under-65 denial
    young = {"sources": {"population": "found"}, "applicant": {"age": 30},
             "population": {"hukou_shanghai": True, "hukou_years": 30, "alive": True,
                            "receiving_elderly_allowance": False}}
    assert engine.evaluate(model, young)["outcome"] == "deny"
    assert engine.evaluate(changed, young)["outcome"] == "approve"
    assert engine.decision(changed) is not first
