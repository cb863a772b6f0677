"""Safety switches, post-checks (事后抽查), statistics through the API."""
from __future__ import annotations

from sqlalchemy import select

from app.core.audit_models import AuditRecord
from app.services.approval import oversight
from tests.services.approval.test_personas import _apply

CODE = "elderly-allowance"


def test_switched_off_matter_refers_and_the_switch_is_audited(client, auth, db_session):
    r = client.patch(f"/api/v1/approval/settings/{CODE}", json={"enabled": False}, headers=auth("admin"))
    assert r.status_code == 200 and r.json()["enabled"] is False
    app = _apply(client, auth("citizen-elder"))
    assert app["status"] == "submitted" and app["auto_approval"]["outcome"] == "refer"
    assert db_session.scalar(select(AuditRecord).where(AuditRecord.action == "approval.setting",
                                                       AuditRecord.object_id == CODE)) is not None


def test_daily_cap_refers_once_reached(client, auth, db_session):
    oversight.update_setting(db_session, CODE, actor="admin", daily_cap=0)
    app = _apply(client, auth("citizen-elder"))
    assert app["status"] == "submitted"
    assert app["auto_approval"]["reasons_en"][0].startswith("Today's cap")


def test_sampled_approval_is_post_checked_and_counted(client, auth, db_session):
    oversight.update_setting(db_session, CODE, actor="admin", sample_rate=1.0)
    app = _apply(client, auth("citizen-elder"))
    assert app["status"] == "issued"
    civil = auth("reviewer-civil")
    pending = client.get("/api/v1/approval/post-checks", headers=civil).json()["items"]
    assert [p["application_number"] for p in pending] == [app["number"]]
    assert client.post(f"/api/v1/approval/post-checks/{app['number']}", json={"status": "flagged"},
                       headers=civil).status_code == 422  # a flag needs its reason
    r = client.post(f"/api/v1/approval/post-checks/{app['number']}", json={"status": "confirmed"}, headers=civil)
    assert r.status_code == 200 and r.json()["check_status"] == "confirmed"
    assert client.post(f"/api/v1/approval/post-checks/{app['number']}", json={"status": "confirmed"},
                       headers=auth("reviewer-amr")).status_code == 404  # another department's
    stats = client.get("/api/v1/approval/stats", headers=auth("evaluator")).json()
    group = next(g for g in stats["groups"] if g["matter_code"] == CODE)
    assert group["approve"] == 1 and group["auto_approval_rate"] == 1.0
    assert group["median_ms_to_decision"] is not None
    assert client.get("/api/v1/approval/stats", headers=auth("citizen-elder")).status_code == 403
