"""The synthetic district: residents and enterprises (Faker zh_CN, valid ID numbers and credit codes)
with their government records in the datahub, and the staff who serve them.

A resident or an enterprise is a pure function of (seed, index): the district is never held in
memory; it is loaded in chunks and re-derived when one of its members comes to apply. Applicants
already hold a portal account when the simulated period begins (created here, through the identity
service, with one password hashed once: hashing is a registration cost, not a service-delivery cost)."""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Iterator

from faker import Faker
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.identity import service as identity
from app.identity.models import Role, User
from app.identity.validation import validate_id_number, validate_uscc
from app.matters import service as matter_service
from app.services.datahub import service as datahub
from app.services.datahub import synthetic

PASSWORD = "Sim@district2026"
CHUNK = 200


@dataclass(frozen=True)
class District:
    """Sizes and staffing of one simulated district (everything else derives from the seed)."""

    seed: int
    start: date
    persons: int
    enterprises: int
    comprehensive_windows: int = 9
    dedicated_windows: int = 2


@lru_cache(maxsize=1)
def _faker() -> Faker:
    return Faker("zh_CN")


@lru_cache(maxsize=1)
def password_hash() -> str:
    return identity.hash_password(PASSWORD)


RECENT = 2048  # residents and enterprises re-derived lately (an arrival is planned, then applies): kept


@lru_cache(maxsize=RECENT)
def person_records(district: District, index: int) -> dict[str, dict[str, Any]]:
    """The government records of resident `index` (the same every time; callers do not change them)."""
    rng = random.Random(f"{district.seed}:person:{index}")
    return synthetic.synthesize_person(rng, _faker(), today=district.start)


@lru_cache(maxsize=RECENT)
def enterprise_records(district: District, index: int) -> dict[str, Any]:
    """The records of enterprise `index`, its legal representative under "legal_representative"
    (the same every time; callers do not change them)."""
    rng = random.Random(f"{district.seed}:enterprise:{index}")
    return synthetic.synthesize_enterprise(rng, _faker(), today=district.start)


def _records(district: District, part: int = 0, parts: int = 1) -> Iterator[dict[str, Any]]:
    """The district's records, or one of `parts` interleaved shares of them (derived afresh: the
    build does not fill the cache of recent ones)."""
    for i in range(part, district.persons, parts):
        yield synthetic.synthesize_person(random.Random(f"{district.seed}:person:{i}"), _faker(), today=district.start)
    for i in range(part, district.enterprises, parts):
        records = dict(synthetic.synthesize_enterprise(random.Random(f"{district.seed}:enterprise:{i}"), _faker(),
                                                       today=district.start))
        yield records.pop("legal_representative")
        yield records


def load_government_data(units, district: District, part: int = 0, parts: int = 1) -> int:
    """Write the district's records (or share `part` of `parts`) to the datahub, a unit of work per
    chunk (`units()` opens one): nothing of the district stays in memory or in a session."""
    written, chunk = 0, []
    for records in _records(district, part, parts):
        chunk.append(records)
        if len(chunk) >= CHUNK:
            written += _load_chunk(units, chunk)
            chunk = []
    if chunk:
        written += _load_chunk(units, chunk)
    return written


def _load_chunk(units, chunk: list[dict[str, Any]], attempts: int = 5) -> int:
    """One chunk, one unit. Two workers loading their shares can both insert the same record (an
    enterprise's legal representative who is also a resident of the other share): the loser's unit
    is rolled back whole and run again, when the select sees the winner's row and updates it."""
    for attempt in range(attempts):
        try:
            with units() as session:
                return datahub.load_records(session, chunk)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


# -- staff -------------------------------------------------------------------------------------------

def window_codes(district: District) -> list[str]:
    """The district centre's windows: XH-Cnn comprehensive (综合窗口), XH-Dnn dedicated (专窗)."""
    return ([f"XH-C{i + 1:02d}" for i in range(district.comprehensive_windows)]
            + [f"XH-D{i + 1:02d}" for i in range(district.dedicated_windows)])


def _staff(session: Session, username: str, role: Role, name: str, **kw) -> User:
    user = identity.get_by_username(session, username)
    if user is None:
        user = identity.create_user(session, username=username, password=PASSWORD, password_hash=password_hash(),
                                    role=role, full_name=name, actor="simulator", **kw)
    return user


def ensure_windows(session: Session, district: District) -> None:
    """The what-if staffing: the district centre has exactly the simulated windows (window service rows);
    new dedicated windows serve one department each, in turn."""
    from app.services.window import service as window_service
    from app.services.window.models import ServiceCentre, ServiceWindow, WindowIntake, WindowKind

    if session.get(ServiceCentre, "XH") is None:
        window_service.seed_centres(session)
    wanted = window_codes(district)
    existing = {w.code: w for w in session.scalars(select(ServiceWindow).where(ServiceWindow.centre_code == "XH"))}
    departments = [d.code for d in matter_service.list_departments(session)]
    for pos, code in enumerate(wanted):
        if code in existing:
            continue
        comprehensive = "-C" in code
        session.add(ServiceWindow(
            code=code, centre_code="XH", position=100 + pos, handout=False,
            kind=WindowKind.comprehensive if comprehensive else WindowKind.dedicated,
            name=f"综合受理窗口{code[-2:]}" if comprehensive else f"专窗{code[-2:]}",
            name_en=f"Comprehensive window {int(code[-2:])}" if comprehensive else f"Dedicated window {int(code[-2:])}",
            departments=[] if comprehensive else [departments[pos % len(departments)]], matters=[]))
    used = set(session.scalars(select(WindowIntake.window_code).distinct()))
    for code, row in existing.items():
        if code not in wanted and code not in used:
            session.delete(row)
    session.flush()


def staff_of(session: Session, district: District) -> dict[str, Any]:
    """The staff `create_staff` made, by department and by window."""
    reviewers = {d.code: identity.get_by_username(session, f"sim-reviewer-{d.code}")
                 for d in matter_service.list_departments(session)}
    approvers = {d.code: identity.get_by_username(session, f"sim-approver-{d.code}")
                 for d in matter_service.list_departments(session)}
    officers = {code: identity.get_by_username(session, f"sim-window-{code.lower()}") for code in window_codes(district)}
    return {"reviewers": {k: v for k, v in reviewers.items() if v is not None},
            "approvers": {k: v for k, v in approvers.items() if v is not None},
            "officers": {k: v for k, v in officers.items() if v is not None}}


def create_staff(session: Session, district: District) -> dict[str, Any]:
    """One reviewer per department and a second one for the 审批 of two-level matters, an officer per
    window, an evaluator (idempotent)."""
    departments = matter_service.list_departments(session)
    reviewers = {d.code: _staff(session, f"sim-reviewer-{d.code}", Role.reviewer, f"{d.name}审批员",
                                department_code=d.code) for d in departments}
    approvers = {d.code: _staff(session, f"sim-approver-{d.code}", Role.reviewer, f"{d.name}审批负责人",
                                department_code=d.code) for d in departments}
    officers = {code: _staff(session, f"sim-window-{code.lower()}", Role.window_officer, f"{code}窗口",
                             window_code=code) for code in window_codes(district)}
    _staff(session, "sim-evaluator", Role.evaluator, "评价员")
    return {"reviewers": reviewers, "approvers": approvers, "officers": officers}


# -- applicants ----------------------------------------------------------------------------------------

def person_account(session: Session, district: District, index: int) -> User:
    """Resident `index`'s portal account (made on first use; real-name checked)."""
    population = person_records(district, index)["population"]
    return _applicant(session, population)


def _applicant(session: Session, population: dict[str, Any]) -> User:
    id_number = validate_id_number(population["id_number"])
    user = session.scalar(select(User).where(User.id_number == id_number, User.role == Role.applicant_person))
    if user is None:
        user = identity.create_user(session, username=f"sim-p{id_number}", password=PASSWORD,
                                    password_hash=password_hash(), role=Role.applicant_person,
                                    full_name=population["full_name"], id_number=id_number,
                                    phone=_phone(id_number), actor="simulator")
    return user


def _phone(key: str) -> str:
    """A mobile number of the account holder (fixed by the identifier)."""
    return f"139{int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10 ** 8:08d}"


def enterprise_account(session: Session, district: District, index: int) -> User:
    """Enterprise `index`'s account, its legal representative's person account linked."""
    records = enterprise_records(district, index)
    entity = records["legal-entity"]
    uscc = validate_uscc(entity["uscc"])
    user = session.scalar(select(User).where(User.uscc == uscc))
    if user is None:
        rep = _applicant(session, records["legal_representative"]["population"])
        user = identity.create_user(session, username=f"sim-e{uscc}", password=PASSWORD,
                                    password_hash=password_hash(), role=Role.applicant_enterprise,
                                    full_name=entity["enterprise_name"], uscc=uscc, legal_rep_user_id=rep.id,
                                    phone=_phone(uscc), actor="simulator")
    return user


def age_of(district: District, index: int) -> int:
    born = date.fromisoformat(person_records(district, index)["population"]["birth_date"])
    return synthetic.age_on(born, district.start)
