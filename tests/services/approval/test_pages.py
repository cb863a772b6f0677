"""Administration pages: list, decision table, edit to a draft, upload, test, what-if, post-checks, trace."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.core.audit_models import AuditRecord
from app.services.approval import service
from tests.conftest import csrf_from, web_login
from tests.services.approval.test_personas import _apply

CODE = "elderly-allowance"


def test_admin_edits_a_cell_tests_and_activates(client, db_session):
    web_login(client, "admin")
    page = client.get("/admin/approval")
    assert page.status_code == 200 and f"/admin/approval/{CODE}" in page.text
    page = client.get(f"/admin/approval/{CODE}")
    assert "applicant.age" in page.text and "&lt; 65" in page.text
    cell = re.search(r'name="(cell:[^"]+)" value="&lt; 65"', page.text).group(1)
    token = csrf_from(page.text)
    r = client.post(f"/admin/approval/{CODE}/drafts", data={"csrf_token": token, "base_version": "1", cell: "< 60",
                                                            "note": "lower the age"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?v=2")
    page = client.get(f"/admin/approval/{CODE}?v=2&what_if=50")
    assert "&lt; 60" in page.text and "假设分析" in page.text
    sample = json.dumps({"sources": {"population": "found"}, "applicant": {"age": 62},
                         "population": {"hukou_shanghai": True, "hukou_years": 5, "alive": True}})
    r = client.post(f"/admin/approval/{CODE}/versions/2/test", data={"csrf_token": token, "sample": sample})
    assert "<strong>approve</strong>" in r.text
    r = client.post(f"/admin/approval/{CODE}/versions/2/activate", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and service.active_model(db_session, CODE).version == 2
    assert db_session.scalar(select(AuditRecord).where(AuditRecord.action == "approval.model.draft",
                                                       AuditRecord.actor == "admin")) is not None


def test_upload_of_a_broken_model_is_refused(client, db_session):
    web_login(client, "admin")
    token = csrf_from(client.get(f"/admin/approval/{CODE}").text)
    r = client.post(f"/admin/approval/{CODE}/drafts", data={"csrf_token": token, "base_version": "1"},
                    files={"file": ("m.json", b'{"nodes": [], "edges": []}', "application/json")})
    assert r.status_code == 422 and "JDM" in r.text
    assert service.active_model(db_session, CODE).version == 1


def test_reviewer_sees_the_trace_and_post_checks(client, auth, db_session):
    from app.services.approval import oversight
    oversight.update_setting(db_session, CODE, actor="admin", sample_rate=1.0)
    app = _apply(client, auth("citizen-elder"))
    web_login(client, "reviewer-civil")
    page = client.get(f"/approval/decisions/{app['number']}")
    assert page.status_code == 200 and "zen-engine" in page.text and "v1" in page.text
    page = client.get("/approval/post-checks")
    assert app["number"] in page.text
    r = client.post(f"/approval/post-checks/{app['number']}",
                    data={"csrf_token": csrf_from(page.text), "status": "confirmed"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/admin/approval").status_code == 403
