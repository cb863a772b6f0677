"""The facts a decision model reads: the form, the ID number, the datahub and the wallet.

A source that has no record, is switched off or raises is marked in `sources` (`not_found` /
`unavailable`) and its record is null: the models refer such cases to a person, and the service
never lets them end in an automatic denial.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from app.core.clock import china_today
from app.matters import content as matter_content
from app.services.datahub import service as datahub
from app.services.seals import licences as wallet

log = logging.getLogger(__name__)
DISTRICT = "310104"
HPF_RENT_MONTHLY_LIMIT = 4500.0  # yuan a month for a tenant without a home in Shanghai
SCOPE_OF = {"art-business-filing": "art-trading", "medical-device-filing": "medical-device-2"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _norm(text: Any) -> str:
    return datahub.address_key(str(text or ""))


def person_from_id(id_number: str, today: date) -> dict[str, Any]:
    """Age, sex and statutory retirement age from a GB 11643 ID number (nothing is looked up)."""
    if not id_number or not matter_content.id_number_ok(id_number):
        return {"id_valid": False, "age": None, "sex": None, "retirement_age": None, "years_to_retirement": None}
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return {"id_valid": False, "age": None, "sex": None, "retirement_age": None, "years_to_retirement": None}
    age = datahub.age_on(born, today)
    sex = "male" if int(id_number[16]) % 2 else "female"
    retirement = 60 if sex == "male" else 55
    return {"id_valid": True, "age": age, "sex": sex, "birth_date": born.isoformat(), "retirement_age": retirement,
            "years_to_retirement": retirement - age}


@lru_cache(maxsize=8192)
def _applicant(subject_key: str, today: date, _checked_on: date) -> dict[str, Any]:
    """`person_from_id` of an applicant, or {"id_valid": None} for an enterprise (a credit code): a pure
    function of the key and the dates, so one applicant's facts are worked out once a day (the ID
    number's check reads the calendar: `_checked_on` is that day). Callers copy the answer."""
    if matter_content.uscc_ok(subject_key):
        return {"id_valid": None}
    return person_from_id(subject_key, today) if subject_key else {"id_valid": None}


def _days_since(form: dict[str, Any], today: date) -> dict[str, int]:
    out = {}
    for key, value in form.items():
        if isinstance(value, str) and len(value) == 10 and ISO_DATE.match(value):
            try:
                out[key] = (today - date.fromisoformat(value)).days
            except ValueError:
                continue
    return out


def _subjects(source: str, app_subject: str, form: dict[str, Any], records: dict[str, Any]) -> tuple[str, str]:
    """(datahub source, subject key) of a facts source for this application."""
    if source == "legal_entity":
        return "legal-entity", form.get("business_uscc") or form.get("uscc") or app_subject
    if source == "address":
        addr = form.get("premises_address") or form.get("company_address") or form.get("registration_address")
        return "address-cloud", addr or ""
    if source == "deceased":
        return "population", form.get("deceased_id_number") or ""
    if source == "rep_credit":
        rep = form.get("rep_id_number") or (records.get("legal_entity") or {}).get("legal_representative_id_number")
        return "credit", rep or ""
    return source.replace("_", "-"), app_subject


def _lookup_many(session: Session, source: str, reads: list[tuple[str, str | None]], today: date,
                 purpose: str) -> list[tuple[str, Any]]:
    """(status, record) per (subject, application number) read of one datahub source, in order."""
    out: list[tuple[str, Any]] = [("not_found", None)] * len(reads)
    asked = [i for i, (subject, _) in enumerate(reads) if subject]
    if not asked:
        return out
    try:
        results = datahub.read_many(session, source, [reads[i] for i in asked], actor="system",
                                    purpose=purpose, as_of=today)
    except Exception:  # an outage of the data exchange must never decide against the applicant
        log.exception("datahub lookup failed: %s", source)
        results = None
    for j, i in enumerate(asked):
        out[i] = ("unavailable", None) if results is None else (results[j][0], results[j][2])
    return out


def gather(session: Session, *, matter_code: str, subject_key: str, form: dict[str, Any], number: str | None,
           needs: dict[str, bool], materials_complete: bool, today: date,
           purpose: str = "自动审批 / auto-approval") -> dict[str, Any]:
    """Build the model input for one application (every datahub read is logged against it), or for a
    subject without one (`number` None: the proactive scan, which logs its own purpose)."""
    return gather_many(session, [dict(matter_code=matter_code, subject_key=subject_key, form=form, number=number,
                                      needs=needs, materials_complete=materials_complete)],
                       today=today, purpose=purpose)[0]


def gather_many(session: Session, items: list[dict[str, Any]], *, today: date,
                purpose: str = "自动审批 / auto-approval") -> list[dict[str, Any]]:
    """`gather` for several applications at once (each item: matter_code, subject_key, form, number,
    needs, materials_complete): one datahub query per source and one wallet query for all of them;
    every read is still logged on its own access-log row, against its own application."""
    records: list[dict[str, Any]] = [{} for _ in items]
    status: list[dict[str, str]] = [{} for _ in items]
    # the legal entity first: the representative's credit is looked up through it
    steps = sorted({source for item in items for source in item["needs"]}, key=lambda s: (s != "legal_entity", s))
    for step in steps:
        by_source: dict[str, list[tuple[int, str]]] = {}
        for i, item in enumerate(items):
            if step in item["needs"]:
                dh_source, subject = _subjects(step, item["subject_key"], item["form"], records[i])
                by_source.setdefault(dh_source, []).append((i, subject))
        for dh_source, asks in by_source.items():
            answers = _lookup_many(session, dh_source, [(subject, items[i]["number"]) for i, subject in asks],
                                   today, purpose)
            for (i, _), (st, record) in zip(asks, answers):
                status[i][step], records[i][step] = st, record
    held = wallet.active_types(session, [item["subject_key"] for item in items])
    day, checked_on = today.isoformat(), china_today()
    out = []
    for i, item in enumerate(items):
        subject_key, form, matter_code = item["subject_key"], item["form"], item["matter_code"]
        order = sorted(item["needs"], key=lambda s: s != "legal_entity")
        st, rec = status[i], records[i]
        facts: dict[str, Any] = {
            "matter": matter_code, "today": day, "form": dict(form),
            "applicant": dict(_applicant(subject_key, today, checked_on)),
            "days_since": _days_since(form, today), "wallet": {t: True for t in sorted(held[subject_key])},
            "sources": {s: st[s] for s in order},
            "materials": {"complete": item["materials_complete"]}, **{s: rec[s] for s in order},
        }
        facts["derived"] = derive(matter_code, subject_key, facts)
        out.append(facts)
    return out


def derive(matter_code: str, subject_key: str, f: dict[str, Any]) -> dict[str, Any]:
    """Facts combining two inputs (a decision table compares a field with constants only).
    A value is None when an input is missing, so that no row fires on it."""
    form, pop, le = f["form"], f.get("population"), f.get("legal_entity")
    realty, hpf, tax = f.get("realty"), f.get("hpf"), f.get("tax")
    d: dict[str, Any] = {}
    if realty is not None:
        if form.get("query_type") in ("own-properties", "no-property"):
            d["owns_address"] = True
        else:
            target = _norm(form.get("registration_address") or form.get("property_address"))
            d["owns_address"] = any(_norm(p.get("address")) == target for p in realty.get("properties") or [])
    if le is not None:
        d["business_in_district"] = str(le.get("uscc", ""))[2:8] == DISTRICT or "徐汇区" in str(
            le.get("registered_address", ""))
        d["is_legal_representative"] = le.get("legal_representative_id_number") == subject_key
        if matter_code in SCOPE_OF:
            d["scope_has"] = SCOPE_OF[matter_code] in (le.get("business_scope") or [])
    if pop is not None:
        d["hukou_or_permit"] = bool(pop.get("hukou_shanghai")) or bool(f["wallet"].get("residence-permit"))
        d["spouse_matches"] = str(form.get("spouse_id_number", "")).upper() == str(
            pop.get("spouse_id_number") or "").upper()
        d["low_income_family"] = bool(pop.get("minimum_living_allowance") or pop.get("low_income"))
        d["has_disability_certificate"] = bool(f["wallet"].get("disability-certificate")
                                               or pop.get("disability_certificate"))
    if "school_name" in form:
        d["school_in_district"] = "徐汇" in str(form["school_name"])
    if hpf is not None and form.get("withdrawal_amount") is not None:
        limit = min(float(form.get("monthly_rent") or 0), HPF_RENT_MONTHLY_LIMIT)
        d["within_monthly_limit"] = float(form["withdrawal_amount"]) + float(hpf.get("withdrawn_this_month") or 0) \
            <= limit
    if tax is not None and form.get("quantity") is not None and tax.get("invoice_monthly_limit") is not None:
        d["within_invoice_limit"] = int(form["quantity"]) <= int(tax["invoice_monthly_limit"])
    if "proposed_name" in form:
        name = str(form["proposed_name"]).strip()
        d["name_ok"] = name.endswith("公司") and 6 <= len(name) <= 50
    if "quality_manager" in form:
        d["quality_manager_named"] = bool(str(form["quality_manager"] or "").strip())
    return d
