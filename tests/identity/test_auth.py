"""Login, lockout, logout, session renewal, CSRF, roles, masked identities."""
import re
import uuid

from sqlalchemy import select

from app.core.audit_models import AuditRecord
from app.identity import service
from app.identity.models import Role, WebSession
from app.matters import content
from tests.conftest import PASSWORD, api_token, csrf_from, web_login
from tests.services.applications.test_pages import apply_form


def test_token_login_and_me(client):
    token = api_token(client, "citizen-young")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "citizen-young" and me["role"] == "applicant_person"
    assert me["id_number"] == "310104199606121013"  # own number, unmasked


def test_wrong_password_and_unknown_user_answer_alike(client):
    a = client.post("/api/v1/auth/token", data={"username": "citizen-young", "password": "nope-1234"})
    b = client.post("/api/v1/auth/token", data={"username": "no-such-user", "password": "nope-1234"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_bad_token_is_401(client):
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def test_lockout_after_repeated_failures(client, db_session):
    for _ in range(5):
        assert client.post("/api/v1/auth/token", data={"username": "citizen-elder", "password": "x"}).status_code == 401
    r = client.post("/api/v1/auth/token", data={"username": "citizen-elder", "password": PASSWORD})
    assert r.status_code == 429 and "分钟" in r.json()["detail"]
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.actor == "citizen-elder")).all()
    assert actions.count("login.failed") == 5 and "login.locked" in actions


def test_ip_throttling(client, monkeypatch):
    from app.core.config import get_settings

    monkeypatch.setattr(get_settings(), "login_ip_max_failures", 3)
    for i in range(3):
        client.post("/api/v1/auth/token", data={"username": f"ghost{i}", "password": "x"})
    r = client.post("/api/v1/auth/token", data={"username": "citizen-young", "password": PASSWORD})
    assert r.status_code == 429


def test_page_login_renews_session_and_logout_kills_it(client, db_session):
    page = client.get("/login")
    anon_cookie = client.cookies.get("portal_session")
    assert anon_cookie
    r = client.post("/login", data={"username": "citizen-young", "password": PASSWORD, "next": "/me",
                                    "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"
    set_cookie = r.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    new_cookie = client.cookies.get("portal_session")
    assert new_cookie and new_cookie != anon_cookie  # no session fixation
    profile = client.get("/me")
    assert "310104199606121013" in profile.text  # own profile shows the full number
    sessions_before = db_session.scalar(select(WebSession).where(WebSession.user_id.is_not(None)))
    assert sessions_before is not None
    r = client.post("/logout", data={"csrf_token": csrf_from(profile.text)}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.set("portal_session", new_cookie)  # replaying the old cookie does not work
    assert client.get("/me", follow_redirects=False).status_code == 303


def test_idle_session_expires(client, db_session):
    from datetime import timedelta

    web_login(client, "citizen-young")
    for ws in db_session.scalars(select(WebSession).where(WebSession.user_id.is_not(None))):
        ws.last_seen_at = ws.last_seen_at - timedelta(hours=2)
    db_session.flush()
    r = client.get("/me", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_wrong_login_on_page_shows_message(client):
    page = client.get("/login")
    r = client.post("/login", data={"username": "citizen-young", "password": "bad-pass-1",
                                    "csrf_token": csrf_from(page.text)})
    assert r.status_code == 401 and "用户名或密码错误" in r.text


def test_csrf_rejected(client):
    client.get("/login")
    r = client.post("/login", data={"username": "citizen-young", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/login", data={"username": "citizen-young", "password": PASSWORD})
    assert r.status_code == 403


def test_cookie_session_api_post_needs_csrf_header(client):
    web_login(client, "citizen-young")
    token = csrf_from(client.get("/me").text)
    # A cookie-authenticated unsafe API call without the header (or with a wrong one) is refused...
    body = {"matter_code": "temporary-assistance", "form": content.example_form("temporary-assistance")}
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        r = client.post("/api/v1/applications", json=body, headers={"Idempotency-Key": str(uuid.uuid4()), **headers})
        assert (r.status_code, r.json()["error"]) == (403, "csrf_failed")
    # ...and the same call with the session's token goes through.
    r = client.post("/api/v1/applications", json=body,
                    headers={"Idempotency-Key": str(uuid.uuid4()), "X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["status"] == "draft"


def test_page_form_post_needs_the_form_token(client):
    web_login(client, "citizen-young")
    data = apply_form(client)  # the page's own form, filled in, with its token
    token = data.pop("csrf_token")
    r = client.post("/matters/temporary-assistance/apply", data=data, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/matters/temporary-assistance/apply", data={**data, "csrf_token": "forged"},
                    follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/matters/temporary-assistance/apply", data={**data, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/applications/XH")


def test_applicant_gets_403_on_staff_pages(client, auth):
    web_login(client, "citizen-young")
    assert client.get("/admin").status_code == 403
    r = client.get("/api/v1/admin/users", headers=auth("citizen-young"))
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_anonymous_is_sent_to_login(client):
    r = client.get("/admin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_id_numbers_are_masked_in_lists_and_full_in_staff_detail(client, auth):
    h = auth("admin")
    items = client.get("/api/v1/admin/users", headers=h).json()["items"]
    young = next(u for u in items if u["username"] == "citizen-young")
    assert young["id_number"] == "310104********1013"
    assert "310104199606121013" not in str(items)
    assert client.get("/api/v1/admin/users/citizen-young", headers=h).json()["id_number"] == "310104199606121013"
    web_login(client, "admin")
    page = client.get("/admin").text
    assert "310104********1013" in page and "310104199606121013" not in page


def test_role_change_is_audited(client, db_session):
    web_login(client, "admin")
    page = client.get("/admin")
    r = client.post("/admin/users/evaluator/role", data={"role": "reviewer", "csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303
    rec = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "user.role_change")).all()[-1]
    assert rec.actor == "admin" and rec.object_id == "evaluator" and '"to": "reviewer"' in rec.detail


def test_create_user_validates_identity(db_session):
    import pytest

    from app.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="校验位"):
        service.create_user(db_session, username="bad-id", password="Passw0rd!", role=Role.applicant_person,
                            full_name="测试", id_number="310104199606121014")
    with pytest.raises(ValidationFailed, match="信用代码"):
        service.create_user(db_session, username="bad-co", password="Passw0rd!", role=Role.applicant_enterprise,
                            full_name="测试公司", uscc="91310104MA1FL0001R")
    u = service.create_user(db_session, username="new-person", password="Passw0rd!", role=Role.applicant_person,
                            full_name="新用户", id_number="11010519491231002x")
    assert u.id_number == "11010519491231002X"
    assert re.match(r"^\$argon2", u.password_hash)


def test_demo_seed_refused_in_production(db_session, monkeypatch):
    import pytest

    from app.core.config import get_settings
    from app.core.errors import Forbidden
    from app.identity.demo import seed_demo_accounts

    monkeypatch.setattr(get_settings(), "env", "production")
    with pytest.raises(Forbidden):
        seed_demo_accounts(db_session)


def test_legal_representative_acts_for_the_enterprise(client, db_session):
    web_login(client, "citizen-young")
    page = client.get("/me")
    assert "上海徐汇示范科技有限公司" in page.text and "以该企业身份办事" in page.text
    ent = service.get_by_username(db_session, "enterprise-demo")
    r = client.post("/me/act-for", data={"enterprise_id": str(ent.id), "csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/me")
    assert "91310104MA1FL0001Q" in page.text and "正在代表本企业办事" in page.text
    # Enterprise matters are now open to this session; person matters are not.
    assert client.get("/matters/invoice-application/apply").status_code == 200
    assert client.get("/matters/temporary-assistance/apply").status_code == 403
    r = client.post("/me/act-for", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert "310104199606121013" in client.get("/me").text
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.actor == "citizen-young")).all()
    assert "enterprise.act_for" in actions and "enterprise.act_stop" in actions


def test_unrelated_person_cannot_act_for_an_enterprise(client, db_session):
    web_login(client, "citizen-elder")
    page = client.get("/me")
    assert "以该企业身份办事" not in page.text
    ent = service.get_by_username(db_session, "enterprise-demo")
    r = client.post("/me/act-for", data={"enterprise_id": str(ent.id), "csrf_token": csrf_from(page.text)})
    assert r.status_code == 403


def test_authorised_employee_acts_and_loses_it_when_revoked(client, db_session):
    from app.identity.models import EnterpriseAgent

    ent = service.get_by_username(db_session, "enterprise-demo")
    elder = service.get_by_username(db_session, "citizen-elder")
    agent = service.add_agent(db_session, ent, elder, actor="admin")
    web_login(client, "citizen-elder")
    page = client.get("/me")
    client.post("/me/act-for", data={"enterprise_id": str(ent.id), "csrf_token": csrf_from(page.text)})
    assert "正在代表本企业办事" in client.get("/me").text
    db_session.delete(db_session.get(EnterpriseAgent, agent.id))
    db_session.flush()
    assert "正在代表本企业办事" not in client.get("/me").text


def test_api_logout_revokes_the_token(client):
    token = api_token(client, "citizen-young")
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_purge_removes_expired_tokens_and_old_sessions(db_session):
    from datetime import timedelta

    from app.core.db import utcnow
    from app.identity.models import ApiToken

    user = service.get_by_username(db_session, "citizen-young")
    service.issue_token(db_session, user, "127.0.0.1")
    raw, ws = service.new_session(db_session, user_id=user.id, locale="zh", ip="127.0.0.1")
    later = utcnow() + timedelta(days=2)
    service.purge_expired(db_session, later)
    db_session.expire_all()
    assert db_session.scalar(select(ApiToken).where(ApiToken.expires_at < later)) is None
    assert db_session.get(WebSession, ws.id) is None
