"""惠企政策: the district's policy register as data, matched against an enterprise's shared records
with the reasons shown, and pushed once to the inbox of each enterprise that qualifies."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.identity import service as identity
from app.services.applications import service as applications
from app.services.datahub import service as datahub
from app.services.proactive.models import PolicyPush

POLICIES_FILE = Path(__file__).parent / "data" / "policies.yaml"
DISTRICT = "310104"
GRADES = "DCMBA"  # tax credit grades, worst first
# The parks' English names, for English pages (a park not listed keeps its Chinese name).
PARKS_EN = {"漕河泾开发区": "Caohejing Development Zone", "徐汇滨江": "Xuhui Riverside"}


def _park_en(name: str) -> str:
    return PARKS_EN.get(name, name)


PURPOSE = "惠企政策匹配 / enterprise policy matching"


@lru_cache
def register() -> list[dict[str, Any]]:
    """Every policy of the register, in order (data/policies.yaml)."""
    return yaml.safe_load(POLICIES_FILE.read_text(encoding="utf-8"))["policies"]


def enterprise_records(session: Session, uscc: str, *, actor: str, today: date) -> dict[str, Any]:
    """The enterprise's records a policy may look at (every read logged)."""
    out: dict[str, Any] = {}
    for source in ("legal-entity", "tax", "credit"):
        res = datahub.lookup(session, source, uscc, actor=actor, purpose=PURPOSE, as_of=today)
        out[source] = res.record or {}
    address = out["legal-entity"].get("registered_address") or ""
    if address:
        out["address-cloud"] = datahub.lookup(session, "address-cloud", address, actor=actor, purpose=PURPOSE,
                                              as_of=today).record or {}
    else:
        out["address-cloud"] = {}
    return out


def _years_since(text: str | None, today: date) -> int | None:
    if not text:
        return None
    return datahub.age_on(date.fromisoformat(text), today)


def _check(name: str, want: Any, r: dict[str, Any], today: date) -> tuple[bool, str, str]:
    """(met, zh, en) of one condition against the records."""
    le, tax, credit, addr = r["legal-entity"], r["tax"], r["credit"], r["address-cloud"]
    if name == "scope_any":
        scope = set(le.get("business_scope") or [])
        hit = sorted(scope & set(want))
        return (bool(hit), f"法人库：经营范围{'含' if hit else '不含'}{'、'.join(datahub.BUSINESS_SCOPES.get(s, s) for s in (hit or want))}",
                f"Legal entity register: the business scope {'includes' if hit else 'lacks'} {', '.join(hit or want)}")
    if name in ("employees_min", "employees_max"):
        n = le.get("employees")
        ok = n is not None and (n >= want if name == "employees_min" else n <= want)
        rel = ("不少于", "at least") if name == "employees_min" else ("不超过", "at most")
        return ok, f"法人库：从业人数{n}人（要求{rel[0]}{want}人）", f"Legal entity register: {n} employees ({rel[1]} {want} required)"
    if name in ("age_min", "age_max"):
        years = _years_since(le.get("established_on"), today)
        ok = years is not None and (years >= want if name == "age_min" else years < want)
        rel = ("满", "at least") if name == "age_min" else ("不满", "under")
        return (ok, f"法人库：成立于{le.get('established_on')}，{years}年（要求{rel[0]}{want}年）",
                f"Legal entity register: established {le.get('established_on')}, {years} years ({rel[1]} {want} required)")
    if name == "capital_max":
        cap = le.get("registered_capital")
        ok = cap is not None and cap <= want
        return ok, f"法人库：注册资本{cap}万元（不超过{want}万元）", f"Legal entity register: capital {cap} (10k yuan; at most {want})"
    if name == "in_district":
        ok = str(le.get("uscc", ""))[2:8] == DISTRICT or "徐汇区" in str(le.get("registered_address", ""))
        return (ok == want, f"法人库：注册地{le.get('registered_address') or '—'}{'在' if ok else '不在'}徐汇区",
                f"Legal entity register: registered at {le.get('registered_address') or '—'}, "
                f"{'in' if ok else 'not in'} Xuhui")
    if name == "park_any":
        park = addr.get("park")
        ok = park in want
        return ok, f"住所云：所在园区{park or '无'}（{'、'.join(want)}）", f"Address cloud: park {_park_en(park) if park else 'none'} ({', '.join(_park_en(w) for w in want)})"
    if name == "credit_min":
        grade = tax.get("credit_rating")
        ok = grade in GRADES and GRADES.index(grade) >= GRADES.index(want)
        return ok, f"税务库：纳税信用{grade or '—'}级（要求{want}级及以上）", f"Tax register: credit grade {grade or '—'} ({want} or better)"
    if name == "no_arrears":
        ok = (tax.get("arrears") or 0) == 0 and (tax.get("unfiled_returns") or 0) == 0 and bool(tax)
        return (ok == want, f"税务库：{'无' if ok else '有'}欠税或未申报记录",
                f"Tax register: {'no arrears or unfiled returns' if ok else 'arrears or unfiled returns on record'}")
    if name == "not_dishonest":
        ok = bool(credit) and not credit.get("dishonest") and not credit.get("business_anomaly")
        return (ok == want, f"公共信用信息库：{'未' if ok else '已'}列入失信名单或经营异常名录",
                f"Public credit register: {'not ' if ok else ''}on the dishonesty or anomaly list")
    if name == "taxpayer_type":
        kind = tax.get("taxpayer_type")
        labels = {"small-scale": ("小规模纳税人", "small-scale"), "general": ("一般纳税人", "general")}
        return (kind == want, f"税务库：{labels.get(kind, ('—',))[0]}（要求{labels[want][0]}）",
                f"Tax register: {labels.get(kind, ('', '—'))[1]} taxpayer ({labels[want][1]} required)")
    if name == "certifications_any":
        held = sorted(set(le.get("certifications") or []) & set(want))
        return (bool(held), f"法人库：{'持有' if held else '未持有'}认定{'、'.join(held or want)}",
                f"Legal entity register: {'holds' if held else 'lacks'} the certification {', '.join(held or want)}")
    raise ValueError(f"unknown policy condition {name}")


def match(policy: dict[str, Any], records: dict[str, Any], today: date) -> tuple[bool, list[dict[str, str]]]:
    """Matched when the enterprise is active and every condition holds; the reasons are the conditions
    met (when matched) or the ones that fail (when not)."""
    checks = [(True, {"zh": "法人库：企业在正常经营", "en": "Legal entity register: the enterprise is active"})
              if records["legal-entity"].get("status") == "active" else
              (False, {"zh": "法人库：企业不在正常经营状态", "en": "Legal entity register: the enterprise is not active"})]
    for name, want in (policy.get("criteria") or {}).items():
        ok, zh, en = _check(name, want, records, today)
        checks.append((ok, {"zh": zh, "en": en}))
    matched = all(ok for ok, _ in checks)
    return matched, [r for ok, r in checks if ok == matched]


def match_all(session: Session, uscc: str, *, actor: str, today: date) -> list[tuple[dict[str, Any], bool, list]]:
    records = enterprise_records(session, uscc, actor=actor, today=today)
    return [(p, *match(p, records, today)) for p in register()]


def push_matched(session: Session, uscc: str, today: date) -> int:
    """Send each newly matched policy to the enterprise's inbox, once ever; returns how many."""
    account = identity.account_for_subject(session, uscc)
    if account is None:
        return 0
    done = set(session.scalars(select(PolicyPush.policy_code).where(PolicyPush.uscc == account.uscc)))
    sent = 0
    for policy, matched, reasons in match_all(session, account.uscc, actor="system", today=today):
        if not matched or policy["code"] in done:
            continue
        try:
            with session.begin_nested():
                session.add(PolicyPush(uscc=account.uscc, policy_code=policy["code"]))
                session.flush()
        except IntegrityError:
            continue
        how = ("不来即享，无需申报", "granted without applying") if policy.get("mode") == "grant" else \
            ("可在线申报", "apply online")
        applications.notify_user(
            session, account.id, (f"惠企政策：{policy['name']}", f"Policy for you: {policy['name_en']}"),
            ("\n".join(r["zh"] for r in reasons) + f"\n{how[0]}。",
             "\n".join(r["en"] for r in reasons) + f"\n{how[1].capitalize()}."))
        audit.record(session, actor="system", action="policy.push", object_type="enterprise", object_id=account.uscc,
                     detail={"policy": policy["code"]})
        sent += 1
    return sent


def mark_read(session: Session, uscc: str) -> None:
    """The enterprise opened its policy page: every pushed policy counts as read."""
    for push in session.scalars(select(PolicyPush).where(PolicyPush.uscc == uscc, PolicyPush.read_at.is_(None))):
        push.read_at = utcnow()
    session.flush()
