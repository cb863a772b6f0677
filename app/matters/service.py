"""Catalogue: load the YAML into the database (idempotent) and query it."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import String, cast, event, func, inspect, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from app.core.errors import NotFound
from app.matters.models import Bundle, BundleMatter, Department, LicenceType, Material, Matter, Theme

CATALOGUE_FILE = Path(__file__).parent / "data" / "catalogue.yaml"


class MatterNotFound(NotFound):
    code = "matter_not_found"


class BundleNotFound(NotFound):
    code = "bundle_not_found"


@lru_cache
def load_catalogue(path: str = str(CATALOGUE_FILE)) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _upsert(session: Session, model, key, values: dict, report: SeedReport):
    row = session.get(model, key)
    if row is None:
        row = model(**values)
        session.add(row)
        report.created += 1
        return row
    changed = False
    for k, v in values.items():
        if getattr(row, k) != v:
            setattr(row, k, v)
            changed = True
    report.updated += changed
    return row


def two_level_rule(m: dict) -> bool:
    """审核/审批 (two people sign the decision): an explicit `two_level` in the catalogue wins; otherwise
    every matter whose result is a licence or certificate written to the holder's wallet, unless a
    comprehensive-window officer may decide it alone (`window_direct`: the catalogue already judged one
    person enough). Matters paying out public money are marked `two_level: true` in the catalogue."""
    if "two_level" in m:
        return bool(m["two_level"])
    return bool(m.get("issues_licence") or m.get("result") == "licence") and not m.get("window_direct")


def seed_catalogue(session: Session, data: dict | None = None) -> SeedReport:
    """Make the catalogue tables equal the catalogue file; running twice changes nothing."""
    data = data or load_catalogue()
    report = SeedReport()
    session.info.pop("matters", None)  # what get_matter kept may be about to change
    session.info["catalogue_changed"] = True  # until this transaction ends: no snapshot (see get_matter)
    for code, d in data["departments"].items():
        _upsert(session, Department, code, {"code": code, "name": d["name"], "name_en": d.get("name_en", "")}, report)
    for pos, (code, t) in enumerate(data["themes"].items()):
        _upsert(session, Theme, code, {"code": code, "name": t["name"], "name_en": t.get("name_en", ""),
                                       "position": pos}, report)
    licence_en = data.get("licence_types_en") or {}
    for code, name in data["licence_types"].items():
        _upsert(session, LicenceType, code, {"code": code, "name": name, "name_en": licence_en.get(code, "")}, report)
    session.flush()
    for pos, m in enumerate(data["matters"]):
        values = {
            "code": m["code"], "name": m["name"], "name_en": m.get("name_en", ""),
            "description": m.get("description", ""), "description_en": m.get("description_en", ""),
            "department_code": m["dept"], "theme_code": m["theme"], "subject": m["subject"],
            "online": bool(m.get("online")), "high_freq": bool(m.get("high_freq")),
            "annual": int(m.get("annual", 0)), "promised_days": int(m.get("promised_days", 0)),
            "legal_days": int(m.get("legal_days", 0)), "auto_approval": bool(m.get("auto")),
            "rule": m.get("rule", ""), "esign": bool(m.get("esign", True)), "result": m.get("result", "notice"),
            "issues_licence": m.get("issues_licence"), "onsite": bool(m.get("onsite")),
            "window_direct": bool(m.get("window_direct")), "cross_region": bool(m.get("cross_region")),
            "two_level": two_level_rule(m),
            "keywords": list(m.get("keywords", [])), "faq": list(m.get("faq", [])), "position": pos,
        }
        _upsert(session, Matter, m["code"], values, report)
        session.flush()
        existing = {mat.position: mat for mat in session.scalars(
            select(Material).where(Material.matter_code == m["code"]))}
        for i, item in enumerate(m.get("materials", [])):
            name, source = item[0], item[1]
            name_en = item[2] if len(item) > 2 else ""
            mat = existing.pop(i, None)
            if mat is None:
                session.add(Material(matter_code=m["code"], position=i, name=name, name_en=name_en, source=source,
                                     required=True))
                report.created += 1
            elif (mat.name, mat.name_en, mat.source) != (name, name_en, source):
                mat.name, mat.name_en, mat.source = name, name_en, source
                report.updated += 1
        for mat in existing.values():
            session.delete(mat)
            report.deleted += 1
    for pos, b in enumerate(data.get("bundles", [])):
        _upsert(session, Bundle, b["code"], {
            "code": b["code"], "name": b["name"], "name_en": b.get("name_en", ""),
            "description": b.get("description", ""), "description_en": b.get("description_en", ""),
            "subject": b["subject"], "position": pos}, report)
        session.flush()
        existing = {bm.position: bm for bm in session.scalars(
            select(BundleMatter).where(BundleMatter.bundle_code == b["code"]))}
        wanted = list(b["matters"])
        for i, code in enumerate(wanted):
            bm = existing.pop(i, None)
            if bm is None:
                session.add(BundleMatter(bundle_code=b["code"], matter_code=code, position=i))
                report.created += 1
            elif bm.matter_code != code:
                bm.matter_code = code
                report.updated += 1
        for bm in existing.values():
            session.delete(bm)
            report.deleted += 1
    session.flush()
    if report.changed:
        from app.matters import cache

        cache.invalidate()
    return report


@dataclass
class MatterFilter:
    theme: str | None = None
    department: str | None = None
    subject: str | None = None
    q: str | None = None
    online: bool | None = None
    on_the_spot: bool | None = None
    auto_approval: bool | None = None
    cross_region: bool | None = None
    high_freq: bool | None = None


def list_matters(session: Session, flt: MatterFilter, limit: int = 20, offset: int = 0) -> tuple[list[Matter], int]:
    """Filtered, paged matters in catalogue order, with department and theme loaded."""
    stmt = select(Matter)
    if flt.theme:
        stmt = stmt.where(Matter.theme_code == flt.theme)
    if flt.department:
        stmt = stmt.where(Matter.department_code == flt.department)
    if flt.subject:
        stmt = stmt.where(Matter.subject == flt.subject)
    for attr in ("online", "auto_approval", "cross_region", "high_freq"):
        val = getattr(flt, attr)
        if val is not None:
            stmt = stmt.where(getattr(Matter, attr) == val)
    if flt.on_the_spot is not None:
        stmt = stmt.where((Matter.promised_days == 0) == flt.on_the_spot)
    if flt.q:
        like = f"%{flt.q.strip()}%"
        stmt = stmt.where(or_(Matter.name.ilike(like), Matter.name_en.ilike(like), Matter.code.ilike(like),
                              Matter.description.ilike(like), cast(Matter.keywords, String).ilike(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Matter.department), selectinload(Matter.theme))
                           .order_by(Matter.position).limit(limit).offset(offset)).all()
    return list(rows), total


_MATTER_LOADED = frozenset({"department", "theme", "materials"})

# The catalogue as this process last read it: detached, fully loaded matters (with department, theme and
# materials), copied into a session without SQL. Like the catalogue API's cache (app.matters.cache) it is
# dropped when this process seeds and when it is older than TTL_SECONDS (other instances follow).
_snapshot: dict[str, Matter] = {}
_snapshot_key: tuple[int, float] = (-1, 0.0)
_snapshot_lock = threading.Lock()


def _snapshot_of(code: str) -> Matter | None:
    global _snapshot_key
    from app.matters import cache

    with _snapshot_lock:
        generation, built = _snapshot_key
        if generation != cache.generation() or time.monotonic() - built > cache.TTL_SECONDS:
            _snapshot.clear()
            _snapshot_key = (cache.generation(), time.monotonic())
            return None
        return _snapshot.get(code)


def _keep(m: Matter, generation: int) -> None:
    """A detached copy of a clean, fully loaded matter for the snapshot (no SQL)."""
    with Session() as holder:  # unbound: merge(load=False) emits no SQL; closing detaches the copies
        copy = holder.merge(m, load=False)
    with _snapshot_lock:
        if _snapshot_key[0] == generation:
            _snapshot[m.code] = copy


def get_matter(session: Session, code: str) -> Matter:
    """The matter with its department, theme and materials, or MatterNotFound. Read once per unit of
    work (the session keeps it in `session.info`) and once per process while the catalogue stays as it
    is (a snapshot copied into the session without SQL; see `_snapshot`)."""
    from app.matters import cache

    held = session.info.setdefault("matters", {})
    m = held.get(code)
    if m is not None:
        state = inspect(m)
        if state.persistent and state.session_id == session.hash_key and not (state.unloaded & _MATTER_LOADED):
            return m
    snapshot = _snapshot_of(code) if isinstance(code, str) else None
    if snapshot is not None and session.identity_map.get(identity_key(Matter, code)) is None \
            and not session.info.get("catalogue_changed"):
        held[code] = m = session.merge(snapshot, load=False)
        return m
    generation = cache.generation()
    m = session.scalar(select(Matter).where(Matter.code == code).options(
        selectinload(Matter.department), selectinload(Matter.theme), selectinload(Matter.materials)))
    if m is None:
        raise MatterNotFound(f"事项不存在：{code} / No such service matter: {code}")
    held[code] = m
    if not session.info.get("catalogue_changed"):
        _keep(m, generation)
    return m


@event.listens_for(Session, "after_transaction_end")
def _catalogue_settled(session: Session, transaction) -> None:
    """A session that seeded changes to the catalogue: when its transaction ends (committed or rolled
    back), what any session read meanwhile is dropped."""
    if transaction.parent is None and session.info.pop("catalogue_changed", False):
        from app.matters import cache

        cache.invalidate()
@dataclass(frozen=True)
class CatalogueSnapshot:
    """The catalogue as pages read it, loaded once per process (see app.matters.cache)."""
    matters: dict[str, Matter]
    departments: dict[str, Department]
    licence_names: dict[str, str]
    licence_names_en: dict[str, str]


def _build_snapshot() -> CatalogueSnapshot:
    from app.core.db import read_session

    with read_session() as session:
        matters = {m.code: m for m in session.scalars(select(Matter).options(
            selectinload(Matter.department), selectinload(Matter.theme), selectinload(Matter.materials)))}
        departments = {d.code: d for d in session.scalars(select(Department))}
        types = list(session.scalars(select(LicenceType)))
        session.expunge_all()  # detached, fully loaded: read by every request thread, never changed
    return CatalogueSnapshot(matters=matters, departments=departments,
                             licence_names={lt.code: lt.name for lt in types},
                             licence_names_en={lt.code: lt.name_en or lt.name for lt in types})


def catalogue_snapshot() -> CatalogueSnapshot:
    from app.matters import cache

    return cache.snapshot(_build_snapshot)


def cached_matter(code: str) -> Matter:
    """get_matter from the process's catalogue snapshot, for pages that only show the matter: the
    object is shared (never change it, nor add it to a session)."""
    m = catalogue_snapshot().matters.get(code)
    if m is None:
        raise MatterNotFound(f"事项不存在：{code} / No such service matter: {code}")
    return m


def cached_department(code: str) -> Department:
    d = catalogue_snapshot().departments.get(code)
    if d is None:
        raise NotFound(f"部门不存在：{code} / No such department: {code}")
    return d


def cached_licence_type_names(en: bool = False) -> dict[str, str]:
    """licence_type_names from the snapshot (a shared dict: read it only)."""
    snap = catalogue_snapshot()
    return snap.licence_names_en if en else snap.licence_names


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def list_themes(session: Session) -> list[Theme]:
    return list(session.scalars(select(Theme).order_by(Theme.position)))


def list_bundles(session: Session) -> list[Bundle]:
    return list(session.scalars(select(Bundle).options(selectinload(Bundle.items)).order_by(Bundle.position)))


def get_bundle(session: Session, code: str) -> tuple[Bundle, list[Matter]]:
    b = session.scalar(select(Bundle).where(Bundle.code == code).options(selectinload(Bundle.items)))
    if b is None:
        raise BundleNotFound(f"一件事不存在：{code} / No such bundle: {code}")
    codes = [i.matter_code for i in b.items]
    matters = {m.code: m for m in session.scalars(select(Matter).where(Matter.code.in_(codes)).options(
        selectinload(Matter.department), selectinload(Matter.theme), selectinload(Matter.materials)))}
    return b, [matters[c] for c in codes]


def licence_type_names(session: Session, en: bool = False) -> dict[str, str]:
    """Licence type code → name; English names (falling back to Chinese) when `en`."""
    return {lt.code: (lt.name_en or lt.name) if en else lt.name for lt in session.scalars(select(LicenceType))}


def get_department(session: Session, code: str) -> Department:
    d = session.get(Department, code)
    if d is None:
        raise NotFound(f"部门不存在：{code} / No such department: {code}")
    return d
