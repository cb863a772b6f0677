"""HTTP: the public verify API and page, document downloads, admin seals, wallet."""
from __future__ import annotations

import re

from app.services.seals import documents, licences

from .helpers import flip_byte, result_input

from tests.conftest import csrf_from, web_login


def _doc(db_session, holder="310104199606121013"):
    doc = documents.issue_result(db_session, result_input(applicant_id_number=holder))
    return doc, documents.document_pdf(db_session, doc.id)


def test_verify_api_answers(client, db_session):
    _, data = _doc(db_session)
    r = client.post("/api/v1/verify", files={"file": ("r.pdf", data, "application/pdf")})
    assert r.status_code == 200
    body = r.json()
    assert body["valid"] is True and body["status"] == "valid" and body["seal"] == "徐汇区民政局"
    assert body["signed_at"] and body["signer"] == "徐汇区民政局"
    r = client.post("/api/v1/verify", files={"file": ("r.pdf", flip_byte(data, len(data) // 3), "application/pdf")})
    assert r.json()["status"] == "tampered" and r.json()["valid"] is False
    r = client.post("/api/v1/verify", files={"file": ("x.txt", b"hello", "text/plain")})
    assert r.status_code == 200 and r.json()["status"] == "unsigned"


def test_verify_api_needs_a_file(client):
    r = client.post("/api/v1/verify")
    assert r.status_code == 422 and r.json()["error"] == "validation_failed"


def test_document_download_only_for_holder_and_staff(client, db_session, auth):
    doc, data = _doc(db_session)
    assert client.get(f"/api/v1/documents/{doc.id}.pdf", headers=auth("citizen-young")).content == data
    r = client.get(f"/api/v1/documents/{doc.id}.pdf", headers=auth("citizen-elder"))
    assert r.status_code == 404 and r.json()["error"] == "document_not_found"
    assert client.get(f"/api/v1/documents/{doc.id}.pdf").status_code == 401
    assert client.get(f"/api/v1/documents/{doc.id}.pdf", headers=auth("reviewer-civil")).status_code == 200
    record = client.get(f"/api/v1/documents/{doc.id}").json()
    assert record["seal"]["owner_name"] == "徐汇区民政局" and "holder_key" not in record


def test_qr_page_shows_registry_record(client, db_session):
    doc, _ = _doc(db_session)
    page = client.get(f"/verify/documents/{doc.id}")
    assert page.status_code == 200 and doc.sha256 in page.text and "区民政局" in page.text
    assert client.get("/verify/documents/nope").status_code == 404


def test_verify_page_upload(client, db_session):
    _, data = _doc(db_session)
    form = client.get("/verify")
    assert form.status_code == 200 and 'type="file"' in form.text
    r = client.post("/verify", data={"csrf_token": csrf_from(form.text)},
                    files={"file": ("r.pdf", data, "application/pdf")})
    assert r.status_code == 200 and "验证通过" in r.text and "区民政局" in r.text
    r = client.post("/verify", data={"csrf_token": "wrong"}, files={"file": ("r.pdf", data, "application/pdf")})
    assert r.status_code == 403


def test_admin_seals_api_and_page(client, db_session, auth):
    admin = auth("admin")
    r = client.post("/api/v1/seals", json={"owner_type": "enterprise", "owner_code": "91310104MA1TEST01X",
                                           "owner_name": "测试科技有限公司"}, headers=admin)
    assert r.status_code == 201 and r.json()["status"] == "active"
    seal_id = r.json()["id"]
    assert client.get("/api/v1/seals", headers=auth("citizen-young")).status_code == 403
    r = client.post(f"/api/v1/seals/{seal_id}/revoke", json={"reason": "测试"}, headers=admin)
    assert r.json()["status"] == "revoked"
    web_login(client, "admin")
    page = client.get("/admin/seals")
    assert page.status_code == 200 and "测试科技有限公司" in page.text and "区民政局" in page.text
    img = re.search(r'src="(/admin/seals/\d+/image.png)"', page.text).group(1)
    assert client.get(img).content.startswith(b"\x89PNG")


def test_enterprise_applies_for_its_seal(client, db_session, auth):
    r = client.post("/api/v1/enterprise/seal", headers=auth("enterprise-demo"))
    assert r.status_code == 201 and r.json()["status"] == "applied"
    r = client.post("/api/v1/enterprise/seal", headers=auth("enterprise-demo"))
    assert r.status_code == 409
    assert client.post("/api/v1/enterprise/seal", headers=auth("citizen-young")).status_code == 403


def test_wallet_lists_and_counts_downloads(client, db_session, auth):
    doc, data = _doc(db_session)
    lic = licences.issue_licence(db_session, holder_key="310104199606121013", holder_name="李明",
                                 licence_type="residence-permit", licence_name="居住证", issuer_code="psb",
                                 issuer_name="区公安分局", sealed_document_id=doc.id)
    young = auth("citizen-young")
    items = client.get("/api/v1/me/licences", headers=young).json()["items"]
    numbers = [i["number"] for i in items]
    assert lic.number in numbers and numbers[0] == lic.number  # newest active first
    assert all(i["holder_name"] == "李明" for i in items if "holder_name" in i)
    assert client.get(f"/api/v1/me/licences/{lic.id}.pdf", headers=young).content == data
    assert client.get(f"/api/v1/me/licences/{lic.id}.pdf", headers=auth("citizen-elder")).status_code == 404
    db_session.refresh(lic)
    assert lic.download_count == 1
    web_login(client, "citizen-young")
    page = client.get("/me/licences")
    assert page.status_code == 200 and "居住证" in page.text
