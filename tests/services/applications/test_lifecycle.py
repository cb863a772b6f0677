"""The state machine, pre-fill, exemptions, deadlines, decisions and access rules."""
from datetime import date

import pytest

from app.services.applications import deadlines, lifecycle
from app.services.applications.exceptions import IllegalTransition
from app.services.applications.models import Application, Status
from tests.conftest import PASSWORD
from tests.services.applications.helpers import accept, apply, create, take_in_at_window, upload_all

ALL_ACTIONS = sorted(lifecycle.TRANSITIONS)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_transition_legal_or_409(db_session, status, action):
    app = Application(id=None, number=f"T{status.value[:6]}{action[:6]}", matter_code="temporary-assistance",
                      department_code="civil", applicant_user_id=1, subject_key="x", applicant_name="x",
                      status=status, form={}, events=[], materials=[])
    allowed = status in lifecycle.TRANSITIONS[action]
    db_session.add(app)
    db_session.flush()
    if allowed:
        ev = lifecycle.transition(db_session, app, action, actor="tester")
        assert app.status == lifecycle.TRANSITIONS[action][status]
        assert (ev.from_status, ev.to_status) == (status.value, app.status.value)
    else:
        with pytest.raises(IllegalTransition) as e:
            lifecycle.transition(db_session, app, action, actor="tester")
        assert e.value.status_code == 409 and app.status == status


def test_terminal_states_allow_nothing():
    for s in lifecycle.TERMINAL:
        assert lifecycle.allowed_actions(s) == []


def test_illegal_transition_over_http_is_409(client, auth):
    h = auth("citizen-young")
    app = apply(client, h, "temporary-assistance")
    assert app["status"] == "submitted"
    r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=h)
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"
    r = client.post(f"/api/v1/applications/{app['number']}/sign", headers=h, json={"password": PASSWORD})
    assert r.status_code == 409


def test_prefill_from_profile_and_population(client, auth):
    r = create(client, auth("citizen-young"), "flexible-employment")
    app = r.json()
    assert app["form"]["applicant_name"] == "李明" and app["prefilled"]["applicant_name"] == "profile"
    assert app["prefilled"]["household_address"] == "population"
    assert "徐汇区" in app["form"]["household_address"]
    assert app["prefill_stats"]["prefilled_fields"] >= 3


@pytest.mark.parametrize("user, code, field, source", [
    ("citizen-young", "residence-points", "employer_name", "social-security"),
    ("citizen-young", "hpf-withdrawal-rent", "hpf_account_number", "hpf"),
    ("enterprise-demo", "invoice-application", "taxpayer_type", "tax"),
    ("enterprise-demo", "commercial-performance-licence", "legal_representative", "legal-entity"),
])
def test_prefill_from_each_data_source(client, auth, user, code, field, source):
    app = create(client, auth(user), code).json()
    assert app["prefilled"].get(field) == source, app["prefilled"]
    assert app["form"][field] not in (None, "")


def test_client_cannot_override_prefilled_values(client, auth):
    form = {"applicant_name": "冒名顶替", "household_address": "伪造地址"}
    app = create(client, auth("citizen-young"), "flexible-employment", form={
        **__import__("app.matters.content", fromlist=["x"]).example_form("flexible-employment"), **form}).json()
    assert app["form"]["applicant_name"] == "李明" and app["form"]["household_address"] != "伪造地址"


def test_nodata_persona_supplies_what_data_lacks_and_is_not_blocked_by_it(client, auth):
    from app.matters import content

    # The data cannot fill the address: the field stays open for the applicant, but an empty one
    # does not block the application (a person checks what the data could not).
    r = create(client, auth("citizen-nodata"), "flexible-employment")
    assert r.status_code == 201 and not r.json()["form"].get("household_address")
    assert "household_address" not in r.json()["prefilled"]
    form = {**content.example_form("flexible-employment"), "household_address": "江苏省南京市玄武区中山路1号"}
    app = create(client, auth("citizen-nodata"), "flexible-employment", form=form).json()
    assert "household_address" not in app["prefilled"] and app["form"]["household_address"].startswith("江苏")
    hukou = next(m for m in app["materials"] if m["source"] == "data:population")
    # not exempt (no population record), but the government's gap does not block the applicant:
    # the 户口簿 may be uploaded and is checked by a person
    assert hukou["status"] == "missing" and hukou["required"] is False
    assert all(m["status"] != "missing" or not m["required"] or m["source"] == "upload" for m in app["materials"])


@pytest.mark.parametrize("user, code, source, status", [
    ("citizen-young", "temporary-assistance", "licence:id-card", "exempt_licence"),
    ("citizen-young", "flexible-employment", "data:population", "exempt_data"),
    ("citizen-young", "flexible-employment", "data:social-security", "exempt_data"),
    ("enterprise-demo", "invoice-application", "licence:business-licence", "exempt_licence"),
    ("enterprise-demo", "invoice-application", "data:tax", "exempt_data"),
    ("enterprise-demo", "company-establishment", "data:address-cloud", "exempt_data"),
    ("enterprise-demo", "art-business-filing", "data:credit", "exempt_data"),
    ("enterprise-demo", "employer-social-insurance", "data:legal-entity", "exempt_data"),
])
def test_materials_exempt_from_wallet_and_data(client, auth, user, code, source, status):
    app = create(client, auth(user), code).json()
    mat = next(m for m in app["materials"] if m["source"] == source)
    assert mat["status"] == status and mat["exempt"] and mat["exempt_note"]
    assert app["prefill_stats"]["exempt_materials"] >= 1


def test_unavailable_source_means_upload(client, auth, db_session):
    from app.services.datahub import service as datahub

    from app.matters import content

    datahub.set_available(db_session, "population", False)
    form = {**content.example_form("flexible-employment"), "household_address": "上海市徐汇区宜山路700弄5号"}
    app = create(client, auth("citizen-young"), "flexible-employment", form=form).json()
    assert next(m for m in app["materials"] if m["source"] == "data:population")["status"] == "missing"


def test_due_date_across_national_day():
    # 2026-09-30 (Wed) + 3 working days: 1–7 October are holidays, Saturday 10 October is a make-up
    # working day, so the third working day is that Saturday; plain weekdays would give 5 October.
    assert deadlines.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert deadlines.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert deadlines.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)
    assert deadlines.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert not deadlines.is_workday(date(2026, 10, 5)) and deadlines.is_workday(date(2026, 10, 10))


def test_clock_pauses_during_correction(client, auth, db_session, monkeypatch):
    from app.services.applications import service as svc

    h = auth("citizen-young")
    app = apply(client, h, "temporary-assistance")
    due = date.fromisoformat(app["due_date"])
    monkeypatch.setattr(svc, "today_china", lambda: date(2026, 9, 30))
    r = client.post(f"/api/v1/applications/{app['number']}/decision", headers=auth("reviewer-civil"),
                    json={"outcome": "correction", "reasons": ["请补充困难情况证明"]})
    assert r.status_code == 200 and r.json()["status"] == "correction_requested" and r.json()["clock_paused"]
    monkeypatch.setattr(svc, "today_china", lambda: date(2026, 10, 9))
    client.post(f"/api/v1/applications/{app['number']}/sign", headers=h, json={"password": PASSWORD})
    r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "resubmitted"
    # 2 working days (8 and 9 October) passed while the correction was awaited.
    assert date.fromisoformat(r.json()["due_date"]) == deadlines.add_working_days(due, 2)


def test_overdue_is_flagged(client, auth, db_session):
    from sqlalchemy import select

    app = apply(client, auth("citizen-young"), "temporary-assistance")
    row = db_session.scalar(select(Application).where(Application.number == app["number"]))
    row.due_date = date(2020, 1, 2)
    db_session.flush()
    assert client.get(f"/api/v1/applications/{app['number']}", headers=auth("citizen-young")).json()["overdue"]


def test_approval_seals_issues_and_fills_the_wallet(client, auth):
    h = auth("citizen-young")
    app = apply(client, h, "teacher-qualification")
    r = client.post(f"/api/v1/applications/{app['number']}/decision", headers=auth("reviewer-civil"),
                    json={"outcome": "approve", "reasons": []})
    assert r.status_code == 404  # teacher qualification belongs to edu, not civil
    # reviewer-civil decides civil matters only; use a civil matter that issues no licence:
    app = apply(client, h, "temporary-assistance")
    accept(client, auth("reviewer-civil"), app["number"])
    r = client.post(f"/api/v1/applications/{app['number']}/decision", headers=auth("reviewer-civil"),
                    json={"outcome": "approve", "reasons": ["符合条件"]})
    body = r.json()
    assert body["status"] == "issued" and body["decision"]["outcome"] == "approved"
    assert body["decision"]["by"] == "reviewer-civil"
    actions = [e["action"] for e in body["events"]]
    assert actions[-4:] == ["accept", "start_review", "approve", "issue"]
    pdf = client.get(body["result_pdf"], headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    v = client.post("/api/v1/verify", files={"file": ("r.pdf", pdf.content, "application/pdf")}).json()
    assert v["status"] == "valid"


def test_licence_issued_by_one_matter_is_reused_by_another(client, auth, db_session):
    from app.identity.models import Role, User
    from app.services import flows
    from app.services.applications import service as svc

    from app.services.approval import oversight

    h = auth("citizen-young")
    # a person decides here (the model would deny: citizen-young already holds an active card)
    oversight.update_setting(db_session, "social-security-card", actor="test", enabled=False)
    app = apply(client, h, "social-security-card")
    # hrss has no demo reviewer: an hrss reviewer decides it here.
    reviewer = User(username="reviewer-hrss-t", password_hash="x", role=Role.reviewer, full_name="测试",
                    department_code="hrss")
    db_session.add(reviewer)
    db_session.flush()
    row = svc.get_for_user(db_session, app["number"], reviewer)
    flows.decide(db_session, row, reviewer, "accept", [])
    flows.decide(db_session, row, reviewer, "approve", ["符合条件"])
    assert row.licence_id is not None
    later = create(client, h, "out-of-town-medical-filing").json()
    card = next(m for m in later["materials"] if m["source"] == "licence:social-security-card")
    assert card["status"] == "exempt_licence"
    wallet = client.get("/api/v1/me/licences", headers=h).json()
    assert any(x["licence_type"] == "social-security-card" for x in (wallet.get("items", wallet)))


def test_deny_needs_reasons_and_reviewer_of_other_department_cannot_decide(client, auth):
    app = apply(client, auth("citizen-young"), "temporary-assistance")
    url = f"/api/v1/applications/{app['number']}/decision"
    r = client.post(url, headers=auth("reviewer-amr"), json={"outcome": "approve", "reasons": []})
    assert r.status_code in (403, 404)
    r = client.post(url, headers=auth("reviewer-civil"), json={"outcome": "deny", "reasons": []})
    assert r.status_code == 422
    r = client.post(url, headers=auth("citizen-young"), json={"outcome": "approve", "reasons": []})
    assert r.status_code == 403
    accept(client, auth("reviewer-civil"), app["number"])
    r = client.post(url, headers=auth("reviewer-civil"), json={"outcome": "deny", "reasons": ["收入超过标准"]})
    assert r.json()["status"] == "denied" and r.json()["decision"]["reasons"] == ["收入超过标准"]
    # a denial is a decision too: a sealed 不予…决定书 (its wording: tests/services/seals/test_granted_terms.py)
    r = client.get(f"/api/v1/applications/{app['number']}/result.pdf", headers=auth("citizen-young"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_window_officer_decides_only_window_direct_matters(client, auth, db_session):
    app = apply(client, auth("citizen-young"), "temporary-assistance")  # window_direct: true
    take_in_at_window(db_session, app["number"])
    accept(client, auth("window-officer"), app["number"])
    r = client.post(f"/api/v1/applications/{app['number']}/decision", headers=auth("window-officer"),
                    json={"outcome": "approve", "reasons": ["窗口事务官审批"]})
    assert r.status_code == 200 and r.json()["decision"]["by"] == "window-officer"
    app = apply(client, auth("citizen-young"), "minimum-living-allowance")  # window_direct: false
    take_in_at_window(db_session, app["number"])
    r = client.post(f"/api/v1/applications/{app['number']}/decision", headers=auth("window-officer"),
                    json={"outcome": "approve", "reasons": []})
    assert r.status_code == 403


def test_submit_requires_signature_and_materials(client, auth):
    h = auth("citizen-young")
    app = create(client, h, "temporary-assistance").json()
    r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=h)
    assert r.status_code == 422 and r.json()["error"] == "materials_incomplete"
    upload_all(client, h, app["number"], app)
    r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=h)
    assert r.status_code == 422 and r.json()["error"] == "signature_required"
    r = client.post(f"/api/v1/applications/{app['number']}/sign", headers=h, json={"password": PASSWORD})
    assert r.json()["signed"] is True
    summary = client.get(f"/api/v1/applications/{app['number']}/summary.pdf", headers=h)
    v = client.post("/api/v1/verify", files={"file": ("s.pdf", summary.content, "application/pdf")}).json()
    assert v["status"] == "valid" and "李明" in (v.get("signer") or "")
    # Changing the form after signing drops the signature.
    version = client.get(f"/api/v1/applications/{app['number']}", headers=h).json()["version"]
    r = client.patch(f"/api/v1/applications/{app['number']}", headers=h,
                     json={"form": {"hardship_reason": "家中突发重大疾病，医疗费用支出巨大，生活难以为继。"},
                           "version": version})
    assert r.json()["signed"] is False


def test_matter_without_esign_skips_signing(client, auth):
    h = auth("enterprise-demo")
    app = create(client, h, "invoice-application").json()
    r = client.post(f"/api/v1/applications/{app['number']}/sign", headers=h)  # nothing to sign: no proof asked
    assert r.json() == {"number": app["number"], "signed": False, "skipped": True, "summary_pdf": None}
    done = client.post(f"/api/v1/applications/{app['number']}/submit", headers=h).json()
    assert ("submit", "enterprise-demo") in [(e["action"], e["actor"]) for e in done["events"]]
    assert done["status"] == "issued"  # an auto-approval matter the demo enterprise qualifies for


def test_enterprise_signs_with_legal_representative(client, auth):
    h = auth("enterprise-demo")
    app = apply(client, h, "company-change")
    summary = client.get(f"/api/v1/applications/{app['number']}/summary.pdf", headers=h)
    v = client.post("/api/v1/verify", files={"file": ("s.pdf", summary.content, "application/pdf")}).json()
    assert v["status"] == "valid" and "李明" in (v.get("signer") or "")


def test_subject_mismatch_and_offline_matter(client, auth):
    assert create(client, auth("enterprise-demo"), "temporary-assistance").status_code == 403
    assert create(client, auth("citizen-young"), "invoice-application").status_code == 403
    r = create(client, auth("citizen-young"), "id-card-renewal")  # online: false
    assert r.status_code == 409 and r.json()["error"] == "not_online"
    assert create(client, auth("reviewer-civil"), "temporary-assistance").status_code == 403


def test_cross_region_matter_accepts_applicant_from_outside_shanghai(client, auth):
    r = create(client, auth("citizen-nodata"), "out-of-town-medical-filing")
    assert r.status_code == 201 and r.json()["applicant_id_number"].startswith("320102")


def test_invalid_form_gives_a_message_per_field(client, auth):
    r = create(client, auth("citizen-young"), "temporary-assistance", form={"hardship_reason": "短"})
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert "hardship_reason" in fields and len(fields) >= 2


def test_withdraw_and_inbox(client, auth):
    h = auth("citizen-young")
    app = apply(client, h, "temporary-assistance")
    r = client.post(f"/api/v1/applications/{app['number']}/withdraw", headers=h)
    assert r.json()["status"] == "withdrawn"
    titles = [m["title"] for m in client.get("/api/v1/me/inbox", headers=h).json()["items"]]
    assert any("撤回" in t for t in titles) and any("提交" in t for t in titles)


def test_optimistic_lock_conflict_is_409(client, auth):
    h = auth("citizen-young")
    app = create(client, h, "temporary-assistance").json()
    ok = client.patch(f"/api/v1/applications/{app['number']}", headers=h,
                      json={"form": {"amount_requested": 2000}, "version": app["version"]})
    assert ok.status_code == 200
    stale = client.patch(f"/api/v1/applications/{app['number']}", headers=h,
                         json={"form": {"amount_requested": 2500}, "version": app["version"]})
    assert stale.status_code == 409 and stale.json()["error"] == "concurrent_edit"
    unversioned = client.patch(f"/api/v1/applications/{app['number']}", headers=h,
                               json={"form": {"amount_requested": 2500}})
    assert unversioned.status_code == 422 and "version" in unversioned.json()["fields"]
    assert client.get(f"/api/v1/applications/{app['number']}", headers=h).json()["form"]["amount_requested"] == 2000


def test_review_queue_lists_department_only(client, auth):
    app = apply(client, auth("citizen-young"), "temporary-assistance")
    civil = client.get("/api/v1/review/applications", headers=auth("reviewer-civil")).json()
    amr = client.get("/api/v1/review/applications", headers=auth("reviewer-amr")).json()
    assert app["number"] in [a["number"] for a in civil["items"]]
    assert app["number"] not in [a["number"] for a in amr["items"]]


def test_intake_accept_and_refuse(client, auth):
    h, civil = auth("citizen-young"), auth("reviewer-civil")
    app = apply(client, h, "temporary-assistance")
    url = f"/api/v1/applications/{app['number']}/decision"
    r = client.post(url, headers=civil, json={"outcome": "accept", "reasons": []})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert client.post(url, headers=civil, json={"outcome": "refuse", "reasons": ["x"]}).status_code == 409
    app = apply(client, h, "temporary-assistance")
    url = f"/api/v1/applications/{app['number']}/decision"
    assert client.post(url, headers=civil, json={"outcome": "refuse", "reasons": []}).status_code == 422
    r = client.post(url, headers=civil, json={"outcome": "refuse", "reasons": ["不属于本部门受理范围"]})
    assert r.json()["status"] == "refused" and r.json()["decision"]["outcome"] == "refused"
    assert r.json()["next_actions"] == []


def test_saving_a_draft_reads_government_data_again_only_when_the_premises_change(client, auth, db_session):
    from sqlalchemy import func, select

    from app.services.datahub.models import DataAccessLog

    h = auth("enterprise-demo")
    app = create(client, h, "company-establishment").json()
    reads = lambda: db_session.scalar(select(func.count()).select_from(DataAccessLog).where(  # noqa: E731
        DataAccessLog.application_number == app["number"]))
    before = reads()
    saved = client.patch(f"/api/v1/applications/{app['number']}", headers=h,
                         json={"form": {"registered_capital": 200}, "version": app["version"]})
    assert reads() == before
    r = client.patch(f"/api/v1/applications/{app['number']}", headers=h,
                     json={"form": {"company_address": "上海市徐汇区不存在路1号"}, "version": saved.json()["version"]})
    assert reads() > before
    cloud = next(m for m in r.json()["materials"] if m["source"] == "data:address-cloud")
    assert cloud["status"] == "missing"  # an unverified address must be proved by upload
