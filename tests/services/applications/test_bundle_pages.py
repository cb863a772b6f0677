"""The bundle guide, the combined form, the one status page."""
import io

from tests.conftest import PASSWORD, PG_URL, csrf_from, web_login

PG = bool(PG_URL)
from tests.services.applications.helpers import tiny_pdf


def test_bundle_guide_shows_what_will_be_applied_for(client):
    page = client.get("/bundles/newborn-bundle/guide", params={
        "answered": "1", "parents_hukou": "both", "maternity_insured": "no", "birth_registered": "no",
        "married": "yes"})
    assert page.status_code == 200 and "我的办事清单" in page.text
    assert "生育保险待遇申领" in page.text.split("无需办理")[1]  # skipped
    page = client.get("/bundles/newborn-bundle/guide", params={"answered": "1"})
    assert "请回答" in page.text


def test_bundle_apply_upload_submit_in_pages(client):
    web_login(client, "enterprise-demo")
    page = client.get("/bundles/company-closing-bundle/apply")
    assert page.status_code == 200 and "已预填" in page.text
    # the first submission misses required fields: errors, and nothing is created
    r = client.post("/bundles/company-closing-bundle/apply",
                    data={"csrf_token": csrf_from(page.text), "form_token": "tok-1"})
    assert r.status_code == 422 and "请修改以下问题" in r.text
    from app.matters.bundle_forms import bundle_json_schema

    schema = bundle_json_schema(["tax-clearance", "company-simple-deregistration"])
    data = {k: str(p["examples"][0]).lower() if isinstance(p["examples"][0], bool) else str(p["examples"][0])
            for k, p in schema["properties"].items() if not p.get("readOnly")}
    data.update(csrf_token=csrf_from(r.text), form_token="tok-2")
    r = client.post("/bundles/company-closing-bundle/apply", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    if not PG:  # on PostgreSQL the first request's claim stays "in flight" inside this test's transaction
        again = client.post("/bundles/company-closing-bundle/apply", data=data, follow_redirects=False)
        assert again.headers["location"].split("?")[0] == r.headers["location"].split("?")[0]  # double click
    status = client.get(r.headers["location"])
    assert "企业简易注销登记" in status.text and "清税证明开具" in status.text
    import re

    for name in re.findall(r'name="material_name" value="([^"]+)"', status.text):
        up = client.post(r.headers["location"].split("?")[0] + "/materials",
                         data={"csrf_token": csrf_from(status.text), "material_name": name},
                         files={"file": ("a.pdf", io.BytesIO(tiny_pdf()), "application/pdf")}, follow_redirects=False)
        assert up.status_code == 303
    status = client.get(r.headers["location"].split("?")[0])
    early = client.post(r.headers["location"].split("?")[0] + "/submit", data={"csrf_token": csrf_from(status.text)})
    assert early.status_code == 422 and "签名" in early.text  # nothing is signed behind the applicant's back
    # each member's summary is shown before it is signed, then back to the bundle
    links = re.findall(r'href="(/applications/XH\d+/sign)"', status.text)
    assert links
    for link in links:
        confirm = client.get(link)
        assert "本人承诺所填报内容及提交材料真实、合法、有效" in confirm.text and "申请信息确认单" in confirm.text
        signed = client.post(link, data={"csrf_token": csrf_from(confirm.text), "password": PASSWORD},
                             follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"].startswith("/bundle-applications/")
    status = client.get(r.headers["location"].split("?")[0])
    assert not re.findall(r'href="(/applications/XH\d+/sign)"', status.text) and "已签名" in status.text
    sub = client.post(r.headers["location"].split("?")[0] + "/submit", data={"csrf_token": csrf_from(status.text)},
                      follow_redirects=False)
    assert sub.status_code == 303
    final = client.get(sub.headers["location"])
    assert final.text.count("已办结出件") >= 2  # auto-approval matters: decided and issued on submit


def test_bundle_status_of_someone_else_is_404(client, auth):
    r = client.post("/api/v1/bundles/company-closing-bundle/applications", headers=auth("enterprise-demo"),
                    json={"form": {}})
    assert r.status_code == 422
    web_login(client, "citizen-young")
    assert client.get("/bundle-applications/YJ20260101000001").status_code == 404


def test_combined_form_reads_each_data_source_once(client, db_session):
    from sqlalchemy import func, select

    from app.services.datahub.models import DataAccessLog

    web_login(client, "citizen-young")
    count = lambda: db_session.scalar(select(func.count()).select_from(DataAccessLog).where(  # noqa: E731
        DataAccessLog.subject_key == "310104199606121013", DataAccessLog.application_number.is_(None)))
    before = count()
    assert client.get("/bundles/newborn-bundle/apply").status_code == 200
    read = db_session.scalars(select(DataAccessLog.source).where(
        DataAccessLog.subject_key == "310104199606121013", DataAccessLog.application_number.is_(None))
        .order_by(DataAccessLog.id.desc()).limit(count() - before)).all()
    assert read and len(read) == len(set(read))  # five matters' forms, one read per source
