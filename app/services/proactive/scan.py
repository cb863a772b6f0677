"""The eligibility scan (免申即享): the auto-approval decision models run in reverse over the
datahub's population and enterprise records, in batches from a stored cursor (resumable), one
offer per subject and matter ever (idempotent; a declined offer is never made again)."""
from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.clock import china_today
from app.identity import service as identity
from app.identity.validation import mask_id
from app.matters import content
from app.matters import service as matter_service
from app.services.approval import engine, facts
from app.services.approval import service as approval
from app.services.datahub import service as datahub
from app.services.proactive import grants, policies
from app.services.proactive.models import OfferKind, OfferStatus, ProactiveOffer, ScanCursor
from app.services.seals import licences

MATTERS_FILE = Path(__file__).parent / "data" / "matters.yaml"
CURSOR = "eligibility"
PURPOSE = "主动服务资格筛查 / proactive eligibility scan"
SCANNED_SOURCES = ("population", "legal-entity")
_FIELD = re.compile(r"\{([a-z_]+(?:\.[a-z_\-]+)*)\}")


@lru_cache
def proactive_matters() -> dict[str, dict[str, Any]]:
    """The matters served proactively, by code (data/matters.yaml)."""
    return yaml.safe_load(MATTERS_FILE.read_text(encoding="utf-8"))


def _value(f: dict[str, Any], path: str) -> Any:
    node: Any = f
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "—" if node is None else node


def matter_names(session: Session, matter_code: str) -> tuple[str, str]:
    """(zh, en) name of a proactive matter: its own in data/matters.yaml, else the catalogue's."""
    spec = proactive_matters().get(matter_code) or {}
    if spec.get("name"):
        return spec["name"], spec.get("name_en") or spec["name"]
    matter = matter_service.get_matter(session, matter_code)
    return matter.name, matter.name_en or matter.name


def explain(matter_code: str, matter_name: tuple[str, str], version: int | None,
            f: dict[str, Any]) -> list[dict[str, str]]:
    """Which data and which rule: one reason per fact the matter names, then the model."""
    out = [{"code": f"data_{i}", "zh": _FIELD.sub(lambda m: str(_value(f, m.group(1))), line["zh"]),
            "en": _FIELD.sub(lambda m: str(_value(f, m.group(1))), line["en"])}
           for i, line in enumerate(proactive_matters()[matter_code].get("facts") or [])]
    if version is None:  # a licence to download: the rule is the data itself
        out.append({"code": "rule", "zh": f"规则：{matter_name[0]}，证照已签发且未下载即主动告知",
                    "en": f"Rule: {matter_name[1]}: an issued licence not yet downloaded is offered"})
        return out
    out.append({"code": "rule", "zh": f"规则：{matter_name[0]}自动审批模型 v{version}，全部条件满足",
                "en": f"Rule: the auto-approval model v{version} of {matter_name[1] or matter_name[0]}, "
                      "every condition met"})
    return out


def licence_waiting(session: Session, matter_code: str, subject_key: str, today: date) -> dict[str, Any] | None:
    """Facts for a licence-download offer: the enterprise active and its licence never downloaded."""
    spec = proactive_matters()[matter_code]
    entity = datahub.lookup(session, "legal-entity", subject_key, actor="system", purpose=PURPOSE, as_of=today)
    if entity.record is None or entity.record.get("status") != "active":
        return None
    lic = licences.find_active_licence(session, subject_key, spec["licence"])
    if lic is None or lic.download_count:
        return None
    return {"legal_entity": entity.record, "licence": {"number": lic.number, "id": lic.id},
            "sources": {"legal-entity": "found", "licence-wallet": "found"}}


def _form_from_data(session: Session, matter_code: str, subject_key: str) -> dict[str, Any]:
    """The form fields the shared data fills, as a pre-filled application would have them."""
    refs = {f.prefill: f.name for f in content.form_fields(matter_code)
            if f.prefill and not f.prefill.startswith("profile.")}
    if not refs:
        return {}
    values = datahub.prefill_values(session, sorted(refs), subject=subject_key, actor="system", purpose=PURPOSE)
    return {refs[ref]: value for ref, value in values.items()}


def evaluate(session: Session, matter_code: str, subject_key: str, today: date):
    """(model, facts, verdict) of one subject for one matter, or None when no active model may decide."""
    model = approval.active_model(session, matter_code)
    if model is None or not approval.setting(session, matter_code).enabled:
        return None
    f = facts.gather(session, matter_code=matter_code, subject_key=subject_key,
                     form=_form_from_data(session, matter_code, subject_key), number=None,
                     needs=engine.sources(model.content), materials_complete=True, today=today, purpose=PURPOSE)
    return model, f, approval.judge(model.content, f)


def _record(session: Session, matter_code: str, subject_key: str, model, f: dict[str, Any]) -> ProactiveOffer | None:
    spec = proactive_matters()[matter_code]
    names = matter_names(session, matter_code)
    account = identity.account_for_subject(session, subject_key)
    # A grant needs the person's account to issue to; without one it waits as an offer.
    kind = OfferKind.grant if spec["kind"] == "grant" and account is not None else OfferKind.offer
    version = model.version if model is not None else None
    offer = ProactiveOffer(subject_key=subject_key, matter_code=matter_code, kind=kind, status=OfferStatus.offered,
                           reasons=explain(matter_code, names, version, f),
                           sources=dict(f.get("sources") or {}), model_version=version or 0)
    try:
        with session.begin_nested():  # another scan got there first: theirs stands
            session.add(offer)
            session.flush()
    except IntegrityError:
        return None
    audit.record(session, actor="system", action=f"proactive.{kind.value}", object_type="proactive_offer",
                 object_id=str(offer.id), detail={"matter": matter_code, "subject": mask_id(subject_key),
                                                  "model_version": version, "sources": offer.sources})
    if kind == OfferKind.grant:
        grants.grant(session, offer, account, matter_service.get_matter(session, matter_code))
    elif account is not None:
        grants.announce(session, offer, account, names, download=bool(spec.get("licence")))
    return offer


def scan_subject(session: Session, source: str, subject_key: str, today: date, done: set[str]) -> list[ProactiveOffer]:
    """Every proactive matter of this kind of subject not yet offered to it."""
    made = []
    for code, spec in proactive_matters().items():
        if spec["scan"] != source or code in done:
            continue
        if spec.get("licence"):
            found = licence_waiting(session, code, subject_key, today)
            offer = _record(session, code, subject_key, None, found) if found is not None else None
            if offer is not None:
                made.append(offer)
            continue
        result = evaluate(session, code, subject_key, today)
        if result is None:
            continue
        model, f, verdict = result
        if verdict["outcome"] == "approve":
            offer = _record(session, code, subject_key, model, f)
            if offer is not None:
                made.append(offer)
    return made


def cursor(session: Session) -> ScanCursor:
    row = session.get(ScanCursor, CURSOR)
    if row is None:
        row = ScanCursor(name=CURSOR, last_record_id=0, passes=0)
        session.add(row)
        session.flush()
    return row


def scan_batch(session: Session, *, batch_size: int = 200, today: date | None = None) -> dict[str, Any]:
    """Scan the next batch from the cursor and move it on; at the end of the records the pass is
    complete and the cursor starts again (people turn 65 every day)."""
    today = today or china_today()
    cur = cursor(session)
    rows = datahub.records_after(session, SCANNED_SOURCES, cur.last_record_id, batch_size)
    keys = {key for _, _, key in rows}
    done: dict[str, set[str]] = {}
    if keys:
        for key, code in session.execute(select(ProactiveOffer.subject_key, ProactiveOffer.matter_code)
                                         .where(ProactiveOffer.subject_key.in_(keys))):
            done.setdefault(key, set()).add(code)
    offers = pushed = 0
    for _, source, key in rows:
        offers += len(scan_subject(session, source, key, today, done.get(key, set())))
        if source == "legal-entity":
            pushed += policies.push_matched(session, key, today)
    finished = len(rows) < batch_size
    if finished:
        cur.last_record_id, cur.passes = 0, cur.passes + 1
    else:
        cur.last_record_id = rows[-1][0]
    session.flush()
    return {"scanned": len(rows), "offers": offers, "policies_pushed": pushed, "finished": finished}


def run(unit_of_work: Callable[[], AbstractContextManager[Session]], *, batch_size: int = 200,
        max_batches: int | None = None, today: date | None = None) -> dict[str, int]:
    """Batches until the pass is complete (or `max_batches`), each committed on its own, so that an
    interrupted run resumes from the last committed batch."""
    total = {"batches": 0, "scanned": 0, "offers": 0, "policies_pushed": 0, "finished": 0}
    while max_batches is None or total["batches"] < max_batches:
        with unit_of_work() as session:
            report = scan_batch(session, batch_size=batch_size, today=today)
        total["batches"] += 1
        for k in ("scanned", "offers", "policies_pushed"):
            total[k] += report[k]
        if report["finished"]:
            total["finished"] = 1
            break
    return total
