"""Shared helpers for application tests."""
from __future__ import annotations

import io
import uuid

from fpdf import FPDF
from PIL import Image

from app.matters import content
from tests.conftest import PASSWORD


def tiny_pdf(text: str = "material") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def _png_1px() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (1, 1), (255, 0, 0, 255)).save(out, "PNG")
    return out.getvalue()


PNG_1PX = _png_1px()  # a real PNG (the hand-written bytes used before had broken checksums)


def create(client, headers, code, form=None, key=None):
    h = dict(headers)
    h["Idempotency-Key"] = key or str(uuid.uuid4())
    body = {"matter_code": code, "form": content.example_form(code) if form is None else form}
    return client.post("/api/v1/applications", json=body, headers=h)


def upload_all(client, headers, number, app_json):
    for m in app_json["materials"]:
        if m["status"] == "missing" and m["required"]:
            r = client.post(f"/api/v1/applications/{number}/materials/{m['id']}", headers=headers,
                            files={"file": ("m.pdf", io.BytesIO(tiny_pdf(f"material {m['id']}")), "application/pdf")})
            assert r.status_code == 201, r.text


def apply(client, headers, code, form=None, submit=True):
    r = create(client, headers, code, form)
    assert r.status_code == 201, r.text
    app = r.json()
    upload_all(client, headers, app["number"], app)
    r = client.post(f"/api/v1/applications/{app['number']}/sign", headers=headers, json={"password": PASSWORD})
    assert r.status_code == 200, r.text
    if submit:
        r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=headers)
        assert r.status_code == 200, r.text
    return client.get(f"/api/v1/applications/{app['number']}", headers=headers).json()


def decide(client, headers, number, outcome, reasons=()):
    return client.post(f"/api/v1/applications/{number}/decision", headers=headers,
                       json={"outcome": outcome, "reasons": list(reasons)})


def accept(client, headers, number):
    """受理: the intake step that must come before a decision."""
    r = decide(client, headers, number, "accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    return r.json()


def take_in_at_window(db_session, number, officer="window-officer"):
    """Mark an application as taken in at the officer's window (the window desk is built later)."""
    from sqlalchemy import select

    from app.identity.models import User
    from app.services.applications.models import Application

    user = db_session.scalar(select(User).where(User.username == officer))
    db_session.scalar(select(Application).where(Application.number == number)).window_code = user.window_code
    db_session.flush()
