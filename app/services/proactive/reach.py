"""Reach (触达) for administrators: per enterprise policy and per proactive matter, how many were
pushed, read, applied and granted — the plan asks whether services that come to people arrive.

Policies: pushed = sent to the enterprise's inbox; read = the enterprise opened its policy page
after the push; applied = (apply-mode policies with a matter) enterprises pushed that then submitted
an application for it; granted = grant-mode policies (不来即享) are granted with the push, apply-mode
ones when that application was approved. Proactive matters: pushed = offers and grants made; read =
seen by the person on their page or the API; applied = offers taken up; granted = grants issued plus
offers whose application was approved (a licence offer: downloaded); declined and objected too."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.i18n import pick
from app.services.applications.models import Application
from app.services.proactive import policies, scan
from app.services.proactive.models import OfferKind, OfferStatus, PolicyPush, ProactiveOffer

APPROVED = "approved"


def _rate(part: int | None, whole: int) -> float | None:
    return None if part is None or not whole else round(part / whole, 3)


def policy_reach(session: Session) -> list[dict[str, Any]]:
    pushes: dict[str, list[PolicyPush]] = defaultdict(list)
    for push in session.scalars(select(PolicyPush)):
        pushes[push.policy_code].append(push)
    wanted = {p["matter"] for p in policies.register() if p.get("matter")}
    apps: dict[tuple[str, str], list[Application]] = defaultdict(list)
    if wanted:
        for app in session.scalars(select(Application).where(Application.matter_code.in_(wanted),
                                                             Application.submitted_at.is_not(None))):
            apps[(app.subject_key, app.matter_code)].append(app)
    out = []
    for p in policies.register():
        rows = pushes.get(p["code"], [])
        pushed, read = len(rows), sum(1 for r in rows if r.read_at is not None)
        applied = granted = None
        if p.get("mode") == "grant":
            granted = pushed
        elif p.get("matter"):
            taken = [[a for a in apps.get((r.uscc, p["matter"]), []) if a.submitted_at >= r.pushed_at] for r in rows]
            applied = sum(1 for t in taken if t)
            granted = sum(1 for t in taken if any(a.decision_outcome == APPROVED for a in t))
        out.append({"code": p["code"], "name": pick(p["name"], p.get("name_en")), "mode": p.get("mode", "apply"),
                    "matter": p.get("matter"), "pushed": pushed, "read": read, "applied": applied,
                    "granted": granted, "read_rate": _rate(read, pushed), "granted_rate": _rate(granted, pushed)})
    return out


def matter_reach(session: Session) -> list[dict[str, Any]]:
    offers: dict[str, list[ProactiveOffer]] = defaultdict(list)
    for o in session.scalars(select(ProactiveOffer)):
        offers[o.matter_code].append(o)
    numbers = [o.application_number for rows in offers.values() for o in rows
               if o.kind == OfferKind.offer and o.application_number]
    approved = set()
    if numbers:
        approved = set(session.scalars(select(Application.number).where(Application.number.in_(numbers),
                                                                         Application.decision_outcome == APPROVED)))
    out = []
    for code, spec in scan.proactive_matters().items():
        rows = offers.get(code, [])
        status = Counter(o.status for o in rows)
        download = bool(spec.get("licence"))
        taken = [o for o in rows if o.kind == OfferKind.offer and (o.application_number or
                                                                 (download and o.status == OfferStatus.applied))]
        granted = sum(1 for o in rows if o.kind == OfferKind.grant and o.status in (OfferStatus.granted,
                                                                                    OfferStatus.objected))
        granted += sum(1 for o in taken if (download or o.application_number in approved))
        pushed = len(rows)
        out.append({"code": code, "name": pick(*scan.matter_names(session, code)), "kind": spec["kind"],
                    "pushed": pushed, "read": sum(1 for o in rows if o.seen_at is not None), "applied": len(taken),
                    "granted": granted, "declined": status[OfferStatus.declined],
                    "objected": status[OfferStatus.objected], "granted_rate": _rate(granted, pushed)})
    return out


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(r[k] or 0 for r in rows) for k in ("pushed", "read", "applied", "granted")}
