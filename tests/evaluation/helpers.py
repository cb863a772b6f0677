"""Completing an application the way the contract check does, and reviewing it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.services.applications.models import Application
from tests.conftest import PASSWORD
from tests.services.applications.helpers import create, upload_all


def completed(client, auth, user="citizen-young", code="temporary-assistance", reviewer="reviewer-civil",
              outcome="approve") -> str:
    """create, sign with the password, submit, the reviewer accepts then decides → the number."""
    h = auth(user)
    r = create(client, h, code)
    assert r.status_code == 201, r.text
    app = r.json()
    upload_all(client, h, app["number"], app)
    number = app["number"]
    assert client.post(f"/api/v1/applications/{number}/sign", json={"password": PASSWORD}, headers=h).status_code == 200
    assert client.post(f"/api/v1/applications/{number}/submit", headers=h).status_code == 200
    rh = auth(reviewer)
    r = client.post(f"/api/v1/applications/{number}/decision", json={"outcome": "accept", "reasons": []}, headers=rh)
    assert r.status_code in (200, 409), r.text
    reasons = ["ok"] if outcome == "approve" else ["材料不符合条件"]
    r = client.post(f"/api/v1/applications/{number}/decision", json={"outcome": outcome, "reasons": reasons},
                    headers=rh)
    assert r.status_code == 200, r.text
    return number


def review(client, headers, number, score=5, **extra):
    return client.post(f"/api/v1/applications/{number}/review", json={"score": score, **extra}, headers=headers)


def age_completion(db_session, number: str, days: int) -> None:
    """Pretend the application was completed `days` days ago."""
    app = db_session.scalar(select(Application).where(Application.number == number))
    for attr in ("issued_at", "decided_at"):
        if getattr(app, attr):
            setattr(app, attr, getattr(app, attr) - timedelta(days=days))
    db_session.flush()
