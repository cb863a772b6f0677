"""A rush of applicants against the live server (the short version of `bench/applicants.py`):
forty people at once log in, create with an Idempotency-Key (some creates sent twice, as when an
answer is lost), upload, sign and submit. Exactly one submitted application per key, no request
answered 5xx — not even a 503 on the way — and the audit chain still verifies."""
from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit_verify import verify
from app.identity import service
from app.identity.models import Role, User
from app.matters.content import example_form
from app.services.applications.models import Application
from app.services.datahub.synthetic import DISTRICT_CODE, make_id_number
from bench.applicants import MATTER, Rush
from tests.conftest import PASSWORD

APPLICANTS = 40


def _new_people(engine, count: int) -> list[str]:
    tag = f"{random.randrange(16 ** 6):06x}"
    born = date(1950, 1, 1) + timedelta(days=random.randrange(15000))
    hashed = service.hash_password(PASSWORD)
    names = [f"rush-{tag}-{i:02d}" for i in range(count)]
    with Session(engine) as s, s.begin():
        for i, name in enumerate(names):
            service.create_user(s, username=name, password=PASSWORD, password_hash=hashed, role=Role.applicant_person,
                                full_name=f"冲刺{i:02d}", phone=f"137{i:08d}", actor="test",
                                id_number=make_id_number(DISTRICT_CODE, born + timedelta(days=i), i))
    return names


def test_forty_applicants_at_once_each_end_with_exactly_one_submitted_application(live_server, engine):
    names = _new_people(engine, APPLICANTS)
    rush = Rush(live_server, timeout=120)
    gate = threading.Barrier(APPLICANTS)
    form = example_form(MATTER)
    threads = [threading.Thread(target=rush.applicant, args=(name, 1, form, gate)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)

    assert rush.failures == [] and rush.final_5xx == []
    assert not [why for why in rush.retried if "503" in why], rush.retried  # never "busy", not even once
    assert len(rush.numbers) == APPLICANTS
    assert all(len(numbers) == 1 for numbers in rush.numbers.values())  # a re-sent create: the same number
    with Session(engine) as s:
        held = s.execute(select(Application.number, Application.status, Application.form)
                         .join(User, User.id == Application.applicant_user_id)
                         .where(User.username.in_(names), Application.matter_code == MATTER)).all()
        assert len(held) == APPLICANTS  # one per key: nothing lost, nothing twice
        assert {row.form["hardship_reason"].split()[-1] for row in held} == set(rush.numbers)
        assert {row.number for row in held} == {n for numbers in rush.numbers.values() for n in numbers}
        assert all(row.status != "draft" for row in held)
        assert verify(s).problems == []

    # Out of the way of the tests that read the civil department's inbox from the same database
    # (the live server committed these): each applicant withdraws their application.
    with Session(engine) as s:
        mine = s.execute(select(User.username, Application.number).join(User, User.id == Application.applicant_user_id)
                         .where(User.username.in_(names), Application.matter_code == MATTER)).all()
    with httpx.Client(base_url=live_server, timeout=30) as http:
        for name, number in mine:
            token = http.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD}).json()["access_token"]
            r = http.post(f"/api/v1/applications/{number}/withdraw", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
