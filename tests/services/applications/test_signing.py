"""Signing is a deliberate act (the summary is shown, a second factor per signature), and a person
acting for an enterprise signs as themselves, for the enterprise."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pypdf
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select, update

from app.core.audit_models import AuditRecord
from app.core.db import utcnow
from app.identity import service as identity
from app.services.applications.models import SignCode, SignFailure
from tests.conftest import PASSWORD, csrf_from, web_login
from tests.services.applications.helpers import apply, create, tiny_pdf, upload_all

CODE = "temporary-assistance"  # a person's matter that needs an e-signature
ENTERPRISE_MATTER = "company-change"
DECLARATION = "本人承诺所填报内容及提交材料真实、合法、有效，如有虚假愿承担法律责任"
ENTERPRISE = "上海徐汇示范科技有限公司"


def ready(client, h, code=CODE) -> str:
    """A complete, unsigned draft."""
    app = create(client, h, code).json()
    upload_all(client, h, app["number"], app)
    return app["number"]


def sign(client, h, number, **proof):
    return client.post(f"/api/v1/applications/{number}/sign", headers=h, json=proof)


def send_code(client, h, number) -> str:
    """Ask for a code and read it from the inbox, as the applicant would."""
    r = client.post(f"/api/v1/applications/{number}/sign/code", headers=h)
    assert r.status_code == 202 and r.json()["delivered_to"] == "inbox", r.text
    msg = client.get("/api/v1/me/inbox", headers=h).json()["items"][0]
    assert msg["application_number"] == number
    return re.search(r"验证码 (\d{6})", msg["body"]).group(1)


def summary(client, h, number) -> bytes:
    r = client.get(f"/api/v1/applications/{number}/summary.pdf", headers=h)
    assert r.status_code == 200
    return r.content


def pdf_text(data: bytes) -> str:
    """The PDF's text with runs of white space (line wraps, justification) made one space."""
    return " ".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def zh(text: str) -> str:
    """Chinese compared without white space (a line may wrap anywhere in it)."""
    return "".join(text.split())


def signer_cn(data: bytes) -> str:
    sigs = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(sigs) == 1
    return sigs[0].signer_cert.subject.native["common_name"]


def audits(db_session, number, action):
    return db_session.scalars(select(AuditRecord).where(AuditRecord.object_id == number,
                                                        AuditRecord.action == action)).all()


def is_signed(client, h, number) -> bool:
    return client.get(f"/api/v1/applications/{number}", headers=h).json()["signed"]


# -- the second factor over the API ---------------------------------------------------------------------

def test_right_password_signs_and_the_summary_carries_the_declaration(client, auth, db_session):
    h = auth("citizen-young")
    number = ready(client, h)
    r = sign(client, h, number, password=PASSWORD)
    assert r.status_code == 200 and r.json()["signed"] is True
    data = summary(client, h, number)
    text = pdf_text(data)
    assert DECLARATION in zh(text) and "true, lawful and valid" in text
    assert signer_cn(data) == "李明"
    rec = audits(db_session, number, "application.sign")
    assert len(rec) == 1 and json.loads(rec[0].detail)["proof"] == "password"


def test_missing_or_wrong_password_signs_nothing_and_the_refusal_is_kept(client, auth, db_session):
    h = auth("citizen-young")
    number = ready(client, h)
    r = client.post(f"/api/v1/applications/{number}/sign", headers=h)
    assert r.status_code == 422 and r.json()["error"] == "sign_proof_required"
    assert "密码" in r.json()["detail"] and "password" in r.json()["detail"]
    r = sign(client, h, number, password="Wrong@2026")
    assert r.status_code == 403 and r.json()["error"] == "sign_password_invalid"
    assert not is_signed(client, h, number)
    # The refusal was committed with the answer, not rolled back with it.
    assert db_session.scalar(select(SignFailure).where(SignFailure.application_number == number)).kind == "password"
    failed = audits(db_session, number, "application.sign_proof_failed")
    assert len(failed) == 1 and failed[0].outcome == "denied" and failed[0].actor == "citizen-young"


def test_one_time_code_signs_once_and_is_stored_hashed(client, auth, db_session):
    h = auth("citizen-young")
    number = ready(client, h)
    code = send_code(client, h, number)
    row = db_session.scalar(select(SignCode).order_by(SignCode.id.desc()))
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert sign(client, h, number, code=code).status_code == 200
    assert is_signed(client, h, number)
    assert json.loads(audits(db_session, number, "application.sign")[0].detail)["proof"] == "code"
    # A change drops the signature; the same code does not sign again.
    version = client.get(f"/api/v1/applications/{number}", headers=h).json()["version"]
    r = client.patch(f"/api/v1/applications/{number}", headers=h,
                     json={"form": {"hardship_reason": "家中突发重大疾病，医疗费用支出巨大，生活难以为继。"}, "version": version})
    assert r.json()["signed"] is False
    r = sign(client, h, number, code=code)
    assert r.status_code == 403 and r.json()["error"] == "sign_code_used"
    assert not is_signed(client, h, number)


def test_expired_or_superseded_code_is_refused(client, auth, db_session):
    h = auth("citizen-young")
    number = ready(client, h)
    old = send_code(client, h, number)
    db_session.execute(update(SignCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = sign(client, h, number, code=old)
    assert r.status_code == 403 and r.json()["error"] == "sign_code_expired"
    first, second = send_code(client, h, number), send_code(client, h, number)
    if first != second:  # a new code ends the earlier one
        assert sign(client, h, number, code=first).json()["error"] == "sign_code_expired"
    assert sign(client, h, number, code=second).status_code == 200


def test_a_code_is_for_its_own_application(client, auth):
    h = auth("citizen-young")
    one, other = ready(client, h), ready(client, h)
    code = send_code(client, h, one)
    r = sign(client, h, other, code=code)
    assert r.status_code == 403 and r.json()["error"] == "sign_code_invalid"


def test_too_many_refused_attempts_lock_signing(client, auth, db_session):
    h = auth("citizen-young")
    number = ready(client, h)
    for _ in range(5):
        assert sign(client, h, number, password="Wrong@2026").status_code == 403
    r = sign(client, h, number, password=PASSWORD)  # even the right password waits now
    assert r.status_code == 429 and r.json()["error"] == "sign_proof_throttled"
    assert "15" in r.json()["detail"] and not is_signed(client, h, number)
    assert audits(db_session, number, "application.sign_throttled")
    # Other accounts are not affected.
    h2 = auth("citizen-elder")
    assert sign(client, h2, ready(client, h2), password=PASSWORD).status_code == 200
    # The window passes: signing works again.
    db_session.execute(update(SignFailure).values(at=utcnow() - timedelta(minutes=16)))
    assert sign(client, h, number, password=PASSWORD).status_code == 200


def test_codes_sent_are_limited(client, auth):
    h = auth("citizen-young")
    number = ready(client, h)
    for _ in range(5):
        assert client.post(f"/api/v1/applications/{number}/sign/code", headers=h).status_code == 202
    r = client.post(f"/api/v1/applications/{number}/sign/code", headers=h)
    assert r.status_code == 429


def test_codes_sent_before_the_window_no_longer_count(client, auth, db_session):
    h = auth("citizen-young")
    number = ready(client, h)
    for _ in range(5):
        assert client.post(f"/api/v1/applications/{number}/sign/code", headers=h).status_code == 202
    assert client.post(f"/api/v1/applications/{number}/sign/code", headers=h).status_code == 429
    # Four of the five were sent 16 minutes ago: one left in the window, so four more may be sent.
    ids = db_session.scalars(select(SignCode.id).order_by(SignCode.id.desc()).limit(5)).all()
    db_session.execute(update(SignCode).where(SignCode.id.in_(ids[1:]))
                       .values(created_at=utcnow() - timedelta(minutes=16)))
    for _ in range(4):
        assert client.post(f"/api/v1/applications/{number}/sign/code", headers=h).status_code == 202
    assert client.post(f"/api/v1/applications/{number}/sign/code", headers=h).status_code == 429


def test_nobody_else_can_sign_or_ask_for_a_code(client, auth):
    number = ready(client, auth("citizen-young"))
    h = auth("citizen-elder")
    assert sign(client, h, number, password=PASSWORD).status_code == 404
    assert client.post(f"/api/v1/applications/{number}/sign/code", headers=h).status_code == 404


def test_bundle_members_are_each_signed_before_the_one_submission(client, auth):
    h = auth("enterprise-demo")
    detail = client.get("/api/v1/bundles/company-closing-bundle").json()
    form = {k: p["examples"][0] for k, p in detail["form_schema"]["properties"].items() if not p.get("readOnly")}
    ba = client.post("/api/v1/bundles/company-closing-bundle/applications", headers=h, json={"form": form}).json()
    for name in ba["pending_uploads"]:
        client.post(f"/api/v1/bundle-applications/{ba['number']}/materials", headers=h, data={"material_name": name},
                    files={"file": ("m.pdf", io.BytesIO(tiny_pdf()), "application/pdf")})
    r = client.post(f"/api/v1/bundle-applications/{ba['number']}/submit", headers=h)
    assert r.status_code == 422 and r.json()["error"] == "signature_required"
    members = client.get(f"/api/v1/bundle-applications/{ba['number']}", headers=h).json()["applications"]
    assert {a["status"] for a in members} == {"draft"}  # nothing submitted, nothing signed behind the back
    assert not any(a["signed"] for a in members)
    for a in members:
        r = sign(client, h, a["number"], password=PASSWORD)
        assert r.status_code == 200, r.text
    body = client.post(f"/api/v1/bundle-applications/{ba['number']}/submit", headers=h).json()
    assert {a["status"] for a in body["applications"]} == {"issued"}  # auto-approval decides both at once
    signed = [a for a in body["applications"] if a["signed"]]
    assert signed and all(f"李明代{ENTERPRISE}" in zh(pdf_text(summary(client, h, a["number"]))) for a in signed)


# -- who signs --------------------------------------------------------------------------------------------

def test_enterprise_account_signs_as_its_legal_representative_for_the_enterprise(client, auth, db_session):
    h = auth("enterprise-demo")
    number = apply(client, h, ENTERPRISE_MATTER)["number"]
    data = summary(client, h, number)
    assert signer_cn(data) == "李明"
    assert f"李明代{ENTERPRISE}" in zh(pdf_text(data)) and f"李明 for {ENTERPRISE}" in pdf_text(data)
    detail = json.loads(audits(db_session, number, "application.sign")[0].detail)
    assert detail["person_name"] == "李明" and detail["for"] == "enterprise-demo"


def _act_for_enterprise(client, db_session, username="citizen-elder"):
    ent = identity.get_by_username(db_session, "enterprise-demo")
    person = identity.get_by_username(db_session, username)
    identity.add_agent(db_session, ent, person, actor="admin")
    web_login(client, username)
    page = client.get("/me")
    r = client.post("/me/act-for", data={"enterprise_id": str(ent.id), "csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303


def test_agent_signs_with_own_certificate_for_the_enterprise(client, auth, db_session):
    number = ready(client, auth("enterprise-demo"), ENTERPRISE_MATTER)
    _act_for_enterprise(client, db_session)
    page = client.get(f"/applications/{number}/sign")
    assert page.status_code == 200
    assert f"王秀英 代 {ENTERPRISE}" in page.text and DECLARATION in page.text
    assert "citizen-elder" in page.text  # the password asked for is the agent's own
    # The enterprise's password is not the agent's second factor.
    r = client.post(f"/applications/{number}/sign", data={"csrf_token": csrf_from(page.text), "password": "x"})
    assert r.status_code == 403 and "密码错误" in r.text
    r = client.post(f"/applications/{number}/sign", data={"csrf_token": csrf_from(page.text), "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303 and "done=signed" in r.headers["location"]

    h = auth("enterprise-demo")
    data = summary(client, h, number)
    assert signer_cn(data) == "王秀英"
    text = pdf_text(data)
    assert f"王秀英代{ENTERPRISE}" in zh(text) and f"王秀英 for {ENTERPRISE}" in text and DECLARATION in zh(text)
    event = [e for e in client.get(f"/api/v1/applications/{number}", headers=h).json()["events"]
             if e["action"] == "sign"][-1]
    assert event["actor"] == "citizen-elder" and f"王秀英 代 {ENTERPRISE}" in event["note"]
    rec = audits(db_session, number, "application.sign")[-1]
    detail = json.loads(rec.detail)
    assert rec.actor == "citizen-elder"
    assert (detail["person"], detail["for"], detail["for_name"]) == ("citizen-elder", "enterprise-demo", ENTERPRISE)


def test_agent_code_is_bound_to_the_agent(client, auth, db_session):
    number = ready(client, auth("enterprise-demo"), ENTERPRISE_MATTER)
    _act_for_enterprise(client, db_session)
    page = client.get(f"/applications/{number}/sign")
    r = client.post(f"/applications/{number}/sign/code", data={"csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/sign?sent=1")
    inbox = client.get("/me/inbox").text  # the enterprise's inbox, read while acting for it
    code = re.search(r"验证码 (\d{6})", inbox).group(1)
    # The same code sent by the enterprise account itself does not sign: it was issued to the agent.
    assert sign(client, auth("enterprise-demo"), number, code=code).json()["error"] == "sign_code_invalid"
    r = client.post(f"/applications/{number}/sign", data={"csrf_token": csrf_from(page.text), "code": code},
                    follow_redirects=False)
    assert r.status_code == 303
    assert signer_cn(summary(client, auth("enterprise-demo"), number)) == "王秀英"


def test_confirm_page_is_the_owners_only(client, auth):
    number = ready(client, auth("citizen-young"))
    web_login(client, "citizen-elder")
    assert client.get(f"/applications/{number}/sign").status_code == 404
