"""HTML pages of online applications: guide, apply, the application page and its actions,
my applications, the inbox, the reviewer's workbench and decision form (parsed, not grepped)."""
from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

import pytest
from lxml import html as lhtml  # installed with pyHanko

from app.matters import content
from tests.conftest import PASSWORD, api_token, web_login
from tests.services.applications.helpers import PNG_1PX, take_in_at_window, tiny_pdf

CODE = "temporary-assistance"


def create(client, headers, code):
    """A draft through the JSON API (another person's application, for the access tests)."""
    r = client.post("/api/v1/applications", json={"matter_code": code, "form": content.example_form(code)},
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return r


def apply(client, headers, code):
    """A submitted application through the JSON API."""
    made = create(client, headers, code).json()
    number = made["number"]
    for m in made["materials"]:
        if m["status"] == "missing" and m["required"]:
            r = client.post(f"/api/v1/applications/{number}/materials/{m['id']}", headers=headers,
                            files={"file": ("m.pdf", io.BytesIO(tiny_pdf()), "application/pdf")})
            assert r.status_code == 201, r.text
    assert client.post(f"/api/v1/applications/{number}/sign", headers=headers,
                       json={"password": PASSWORD}).status_code == 200
    r = client.post(f"/api/v1/applications/{number}/submit", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


# -- parsing helpers ----------------------------------------------------------------------------------

def parse(r):
    return lhtml.fromstring(r.text)


def text(el) -> str:
    return " ".join(el.text_content().split())


def one(doc, xpath: str):
    found = doc.xpath(xpath)
    assert len(found) == 1, f"{xpath}: {len(found)} matches"
    return found[0]


def form(doc, action: str):
    return one(doc, f"//form[@action='{action}']")


def values(form_el) -> dict[str, str]:
    """What a browser would post from this form as it stands."""
    data = {}
    for el in form_el.xpath(".//input[@name] | .//textarea[@name] | .//select[@name]"):
        kind = el.get("type", "text")
        if kind in ("checkbox", "radio"):
            if el.get("checked") is not None:
                data[el.get("name")] = el.get("value", "on")
        elif el.tag == "select":
            chosen = el.xpath("./option[@selected]")
            data[el.get("name")] = chosen[0].get("value") if chosen else ""
        elif el.tag == "textarea":
            data[el.get("name")] = el.text or ""
        elif kind != "file":
            data[el.get("name")] = el.get("value", "")
    return data


def error_summary(doc) -> list[str]:
    return [text(li) for li in doc.xpath("//div[contains(@class,'error-summary')]//li")]


def number_from(r) -> str:
    assert r.status_code == 303, r.text[:500]
    location = r.headers["location"]
    assert location.startswith("/applications/"), location
    return location.split("/")[2].split("?")[0]


def apply_form(client, code=CODE, **overrides):
    doc = parse(client.get(f"/matters/{code}/apply"))
    data = values(form(doc, f"/matters/{code}/apply"))
    data.update({k: str(v) for k, v in content.example_form(code).items()})
    data.update(overrides)
    return data


def my_numbers(client, headers, code=CODE) -> list[str]:
    r = client.get("/api/v1/applications?limit=100", headers=headers)
    return [a["number"] for a in r.json()["items"] if a["matter_code"] == code]


# -- guide -----------------------------------------------------------------------------------------------

def test_guide_questions_and_personal_checklist(client):
    doc = parse(client.get("/matters/residence-permit/guide"))
    legends = [text(x) for x in doc.xpath("//form[@method='get']//fieldset/legend")]
    assert "您申领居住证的事由是什么？" in legends
    assert doc.xpath("//input[@type='radio'][@name='reason'][@value='study']")
    assert not doc.xpath("//*[@id='checklist']")

    r = client.get("/matters/residence-permit/guide?answered=1&agent=self&reason=study&registered_6m=yes")
    doc = parse(r)
    rows = [text(tr) for tr in doc.xpath("//section[@id='checklist']//tbody/tr")]
    assert any("在读证明" in row for row in rows)
    assert not any("就业或就读证明" in row for row in rows)
    assert doc.xpath("//section[@id='checklist']//ol/li")
    assert "网上办理" in text(one(doc, "//p[@class='channel']"))
    one(doc, "//section[@id='checklist']//a[@href='/matters/residence-permit/apply']")
    assert doc.xpath("//input[@name='reason'][@value='study'][@checked]")

    # an unanswered question is named in the error summary; no checklist yet
    doc = parse(client.get("/matters/residence-permit/guide?answered=1&agent=self"))
    assert any("事由" in e for e in error_summary(doc))
    assert not doc.xpath("//*[@id='checklist']")


def test_default_guide_for_a_matter_without_a_written_one(client):
    doc = parse(client.get(f"/matters/{CODE}/guide?answered=1&agent=self"))
    assert "通用指南" in text(doc)
    rows = {text(tr) for tr in doc.xpath("//section[@id='checklist']//tbody/tr")}
    assert any("身份证" in r and "免于提交" in r for r in rows)
    assert any("困难情况说明" in r and "需上传" in r for r in rows)
    doc = parse(client.get(f"/matters/{CODE}/guide?answered=1&agent=agent"))
    assert any("授权委托书" in text(tr) for tr in doc.xpath("//section[@id='checklist']//tbody/tr"))


# -- apply -----------------------------------------------------------------------------------------------

def test_apply_needs_login_and_an_online_matter(client):
    r = client.get(f"/matters/{CODE}/apply", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    web_login(client, "citizen-young")
    r = client.get("/matters/marriage-registration/apply")
    assert r.status_code == 409
    assert "窗口" in text(one(parse(r), "//div[contains(@class,'notice')]"))


def test_apply_page_shows_prefilled_values_read_only_with_their_source(client):
    web_login(client, "citizen-young")
    doc = parse(client.get(f"/matters/{CODE}/apply"))
    name = one(doc, "//input[@id='f-applicant_name']")
    assert name.get("value") == "李明"
    assert name.get("readonly") is not None and name.get("name") is None  # shown, never posted
    assert "实名认证信息" in text(one(doc, "//*[@id='f-applicant_name-source']"))
    assert "f-applicant_name-source" in name.get("aria-describedby")
    idn = one(doc, "//input[@id='f-applicant_id_number']")
    assert "*" in idn.get("value")  # masked on screen
    # the applicant's own fields, by type, with labels and hints
    one(doc, "//label[@for='f-hardship_type']")
    assert [o.get("value") for o in doc.xpath("//select[@name='hardship_type']/option")][1:] == \
        ["illness", "accident", "disaster", "living", "other"]
    reason = one(doc, "//textarea[@name='hardship_reason']")
    assert "f-hardship_reason-hint" in reason.get("aria-describedby")
    assert "突发困难" in text(one(doc, "//*[@id='f-hardship_reason-hint']"))
    amount = one(doc, "//input[@name='amount_requested']")
    assert amount.get("type") == "number" and amount.get("max") == "50000"
    f = form(doc, f"/matters/{CODE}/apply")
    assert len(one(f, ".//input[@name='form_token']").get("value")) >= 20
    assert one(f, ".//input[@name='csrf_token']").get("value")

    # population data is labelled with its source too
    doc = parse(client.get("/matters/flexible-employment/apply"))
    assert "人口库" in text(one(doc, "//*[@id='f-household_address-source']"))
    assert "徐汇区" in one(doc, "//input[@id='f-household_address']").get("value")


def test_invalid_field_rerenders_with_the_error_and_keeps_the_other_values(client, auth):
    web_login(client, "citizen-young")
    before = my_numbers(client, auth("citizen-young"))
    data = apply_form(client, bank_account="12ab", hardship_type="accident")
    r = client.post(f"/matters/{CODE}/apply", data=data, follow_redirects=False)
    assert r.status_code == 422
    doc = parse(r)
    assert "银行卡号格式不正确" in text(one(doc, "//*[@id='f-bank_account-error']"))
    assert one(doc, "//div[contains(@class,'error-summary')]//a[@href='#f-bank_account']") is not None
    assert one(doc, "//input[@name='bank_account']").get("value") == "12ab"
    assert one(doc, "//input[@name='bank_account']").get("aria-invalid") == "true"
    assert one(doc, "//textarea[@name='hardship_reason']").text == data["hardship_reason"]
    assert one(doc, "//select[@name='hardship_type']/option[@selected]").get("value") == "accident"
    assert one(doc, "//input[@name='amount_requested']").get("value") == data["amount_requested"]
    assert one(doc, "//input[@name='form_token']").get("value") == data["form_token"]  # same one-time token
    assert my_numbers(client, auth("citizen-young")) == before

    # a number that is not a number is named, not silently dropped
    r = client.post(f"/matters/{CODE}/apply", data={**data, "bank_account": "6222021001012345678",
                                                     "amount_requested": "三千"}, follow_redirects=False)
    assert r.status_code == 422 and "整数" in text(one(parse(r), "//*[@id='f-amount_requested-error']"))


def test_double_click_with_the_same_token_creates_one_application(live_server):
    """Two posts of one form at once (a double click), on a live server with real commits."""
    with httpx.Client(base_url=live_server, timeout=60) as c:
        web_login(c, "citizen-young")
        token = {"Authorization": f"Bearer {api_token(c, 'citizen-young')}"}
        before = set(my_numbers(c, token))
        data = apply_form(c)
        with ThreadPoolExecutor(2) as ex:
            results = list(ex.map(lambda _: c.post(f"/matters/{CODE}/apply", data=data, follow_redirects=False),
                                  range(2)))
        first, second = (number_from(r) for r in results)
        assert first == second
        assert number_from(c.post(f"/matters/{CODE}/apply", data=data, follow_redirects=False)) == first
        assert set(my_numbers(c, token)) - before == {first}
        # a fresh form is a fresh token: a new application
        third = number_from(c.post(f"/matters/{CODE}/apply", data=apply_form(c), follow_redirects=False))
        assert third != first and set(my_numbers(c, token)) - before == {first, third}


# -- the application page ------------------------------------------------------------------------------------

def _draft(client) -> str:
    return number_from(client.post(f"/matters/{CODE}/apply", data=apply_form(client), follow_redirects=False))


def _upload_form(doc, number, material_id):
    """The upload form of one material: it posts to the page's own address (a refusal is shown at it)."""
    return one(doc, f"//form[@action='/applications/{number}#material-{material_id}']")


def _upload(client, number, material_id, name, data, media="application/pdf"):
    doc = parse(client.get(f"/applications/{number}"))
    f = _upload_form(doc, number, material_id)
    assert values(f)["material_id"] == str(material_id)
    return client.post(f"/applications/{number}", data=values(f),
                       files={"file": (name, io.BytesIO(data), media)}, follow_redirects=False)


def _upload_ids(doc, number) -> list[int]:
    return [int(i.get("value")) for i in doc.xpath(
        f"//form[starts-with(@action,'/applications/{number}#material-')]//input[@name='material_id']")]


def _post(client, number, action, extra=None):
    doc = parse(client.get(f"/applications/{number}"))
    return client.post(f"/applications/{number}/{action}", data={**values(form(doc, f"/applications/{number}/{action}")),
                                                                **(extra or {})}, follow_redirects=False)


def _sign(client, number, password=PASSWORD):
    """Follow the application page's link to the confirm page, then sign there with the password."""
    doc = parse(client.get(f"/applications/{number}"))
    link = one(doc, f"//section[@id='sign']//a[@href='/applications/{number}/sign']")
    page = parse(client.get(link.get("href")))
    f = one(page, f"//form[@action='/applications/{number}/sign'][.//input[@name='password']]")
    return client.post(f"/applications/{number}/sign", data={**values(f), "password": password},
                       follow_redirects=False)


def test_spoofed_upload_shows_the_message_on_the_page(client):
    web_login(client, "citizen-young")
    number = _draft(client)
    doc = parse(client.get(f"/applications/{number}"))
    mid = _upload_ids(doc, number)[0]
    r = _upload(client, number, mid, "report.pdf", b"MZ\x90\x00 this is an executable, not a PDF")
    assert r.status_code == 415
    doc = parse(r)
    row = one(doc, f"//tr[@id='material-{mid}']")
    assert "只接受PDF、JPEG或PNG文件" in text(one(row, ".//p[@class='error']"))
    assert one(doc, f"//div[contains(@class,'error-summary')]//a[@href='#f-material_{mid}']") is not None
    assert "未上传" in text(row)
    # nothing else lost: the form values and the other materials are as they were
    assert one(doc, "//input[@name='bank_account']").get("value") == "6222021001012345678"
    assert one(doc, "//h1").text_content().strip() == "临时救助申请"

    # an empty selection is explained too, and a real PNG is accepted
    r = client.post(f"/applications/{number}", data=values(_upload_form(doc, number, mid)), follow_redirects=False)
    assert r.status_code == 422 and "请选择要上传的文件" in text(parse(r))
    r = _upload(client, number, mid, "photo.png", PNG_1PX, "image/png")
    assert r.status_code == 303
    row = one(parse(client.get(f"/applications/{number}")), f"//tr[@id='material-{mid}']")
    assert "已上传" in text(row) and "photo.png" in text(row)
    assert "SHA-256" not in text(row)  # hashes are for staff, not for applicants


def test_form_save_shows_errors_per_field(client):
    web_login(client, "citizen-young")
    number = _draft(client)
    r = _post(client, number, "form", {"amount_requested": "90000", "hardship_type": "living"})
    assert r.status_code == 422
    doc = parse(r)
    assert "50000" in text(one(doc, "//*[@id='f-amount_requested-error']"))
    assert one(doc, "//select[@name='hardship_type']/option[@selected]").get("value") == "living"
    r = _post(client, number, "form", {"amount_requested": "2000"})
    assert r.status_code == 303 and "done=saved" in r.headers["location"]
    assert one(parse(client.get(f"/applications/{number}")), "//input[@name='amount_requested']").get("value") == "2000"


def test_full_page_path_draft_upload_sign_submit(client):
    web_login(client, "citizen-young")
    number = _draft(client)
    doc = parse(client.get(f"/applications/{number}"))
    assert "草稿" in text(one(doc, "//span[contains(@class,'badge')]"))
    assert "上传材料" in text(one(doc, "//div[contains(@class,'next-step')]"))
    id_row = [tr for tr in doc.xpath("//table[contains(@class,'materials')]/tbody/tr") if "身份证" in text(tr)][0]
    assert "免于提交" in text(id_row) and not id_row.xpath(".//form")

    # submitting too early is explained on the page, not on a bare error page
    r = _post(client, number, "submit")
    assert r.status_code == 422
    assert any("还缺少材料" in e or "请上传" in e for e in error_summary(parse(r)))

    ids = _upload_ids(doc, number)
    assert len(ids) == 2
    for mid in ids:
        assert _upload(client, number, mid, f"m{mid}.pdf", tiny_pdf(f"material {mid}")).status_code == 303
    doc = parse(client.get(f"/applications/{number}"))
    assert "电子签名" in text(one(doc, "//div[contains(@class,'next-step')]"))

    r = _sign(client, number)
    assert r.status_code == 303
    doc = parse(client.get(r.headers["location"]))
    sign = one(doc, "//section[@id='sign']")
    assert "已签名" in text(sign)
    link = one(sign, f".//a[@href='/api/v1/applications/{number}/summary.pdf']")
    pdf = client.get(link.get("href"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    r = _post(client, number, "submit")
    assert r.status_code == 303
    doc = parse(client.get(r.headers["location"]))
    assert "已提交" in text(one(doc, "//span[contains(@class,'badge')]"))
    timeline = [text(li) for li in doc.xpath("//ol[@class='timeline']/li")]
    assert any("提交申请" in t and "已提交" in t and "李明" in t for t in timeline)  # a person, not a login
    assert any("电子签名" in t for t in timeline) and len(timeline) >= 5
    assert "承诺办结日期" in text(doc) and not doc.xpath("//form[@action='/applications/%s/form']" % number)
    assert one(doc, f"//a[@href='/applications/{number}/withdraw']") is not None

    # my applications and the inbox know about it
    doc = parse(client.get("/me/applications?status=submitted"))
    assert one(doc, f"//a[@href='/applications/{number}']") is not None
    doc = parse(client.get("/me/applications?status=issued"))
    assert not doc.xpath(f"//a[@href='/applications/{number}']")
    doc = parse(client.get("/me/inbox"))
    assert any("申请已提交" in text(li) for li in doc.xpath("//ul[@class='inbox']/li"))
    r = client.post("/me/inbox/read", data=values(form(doc, "/me/inbox/read")), follow_redirects=False)
    assert r.status_code == 303
    assert not parse(client.get("/me/inbox")).xpath("//form[@action='/me/inbox/read']")


def test_withdraw_asks_first_then_withdraws(client):
    web_login(client, "citizen-young")
    number = _draft(client)
    doc = parse(client.get(f"/applications/{number}/withdraw"))
    assert "不能恢复" in text(doc)
    r = client.post(f"/applications/{number}/withdraw", data=values(form(doc, f"/applications/{number}/withdraw")),
                    follow_redirects=False)
    assert r.status_code == 303
    doc = parse(client.get(f"/applications/{number}"))
    assert "已撤回" in text(one(doc, "//span[contains(@class,'badge')]"))
    assert not doc.xpath(f"//a[@href='/applications/{number}/withdraw']")
    assert "不能撤回" in text(parse(client.get(f"/applications/{number}/withdraw")))


def test_my_applications_empty_state_and_paging(client):
    web_login(client, "citizen-elder")
    doc = parse(client.get("/me/applications?status=denied"))
    assert "没有该状态的办件" in text(one(doc, "//div[@class='empty']"))
    assert one(doc, "//select[@name='status']/option[@selected]").get("value") == "denied"
    doc = parse(client.get("/me/applications?page=99"))  # past the end: the empty state, no table
    assert "您还没有办件" in text(one(doc, "//div[@class='empty']")) and not doc.xpath("//table")


# -- access --------------------------------------------------------------------------------------------------

def test_another_applicant_gets_404_on_every_page_route(client, auth):
    made = create(client, auth("citizen-young"), CODE).json()
    number, mid = made["number"], made["materials"][1]["id"]
    web_login(client, "citizen-elder")
    csrf = values(form(parse(client.get("/me/inbox")), "/logout"))["csrf_token"]
    for path in (f"/applications/{number}", f"/applications/{number}/withdraw"):
        assert client.get(path).status_code == 404, path
    for action, extra in (("form", {"bank_account": "6222021001012345670"}), ("sign", {}), ("submit", {}),
                          ("withdraw", {}), ("decision", {"outcome": "approve"})):
        r = client.post(f"/applications/{number}/{action}", data={"csrf_token": csrf, **extra})
        assert r.status_code == 404, action
    r = client.post(f"/applications/{number}/materials/{mid}", data={"csrf_token": csrf},
                    files={"file": ("a.pdf", io.BytesIO(tiny_pdf()), "application/pdf")})
    assert r.status_code == 404
    r = client.post(f"/applications/{number}", data={"csrf_token": csrf, "material_id": str(mid)},
                    files={"file": ("a.pdf", io.BytesIO(tiny_pdf()), "application/pdf")})
    assert r.status_code == 404
    r = client.get(f"/api/v1/applications/{number}", headers=auth("citizen-young"))
    assert r.json()["form"]["bank_account"] != "6222021001012345670" and r.json()["status"] == "draft"


def test_reviewers_see_only_their_department_and_civil_approves_from_the_page(client, auth):
    submitted = apply(client, auth("citizen-young"), CODE)
    number = submitted["number"]
    web_login(client, "reviewer-amr")
    assert client.get(f"/applications/{number}").status_code == 404
    assert not parse(client.get("/review")).xpath(f"//a[@href='/applications/{number}']")

    web_login(client, "reviewer-civil")
    doc = parse(client.get("/review"))
    assert one(doc, f"//a[@href='/applications/{number}']") is not None
    doc = parse(client.get(f"/applications/{number}"))
    decide = form(doc, f"/applications/{number}/decision")
    # submitted: intake (受理) comes first, the decision after it
    assert [r.get("value") for r in decide.xpath(".//input[@name='outcome']")] == ["accept", "refuse", "correction"]
    assert not doc.xpath(f"//form[@action='/applications/{number}/submit']")
    # a refusal without reasons is refused at the reasons field
    r = client.post(f"/applications/{number}/decision", data={**values(decide), "outcome": "refuse", "reasons": ""},
                    follow_redirects=False)
    assert r.status_code == 422
    assert "理由" in text(one(parse(r), "//*[@id='f-reasons-error']"))
    r = client.post(f"/applications/{number}/decision", data={**values(decide), "outcome": "accept", "reasons": ""},
                    follow_redirects=False)
    assert r.status_code == 303
    decide = form(parse(client.get(f"/applications/{number}")), f"/applications/{number}/decision")
    assert [r.get("value") for r in decide.xpath(".//input[@name='outcome']")] == ["approve", "deny", "correction"]

    # a denial without reasons is refused at the reasons field
    r = client.post(f"/applications/{number}/decision", data={**values(decide), "outcome": "deny", "reasons": ""},
                    follow_redirects=False)
    assert r.status_code == 422
    assert "理由" in text(one(parse(r), "//*[@id='f-reasons-error']"))

    r = client.post(f"/applications/{number}/decision",
                    data={**values(decide), "outcome": "approve", "reasons": "材料齐全\n符合救助条件"},
                    follow_redirects=False)
    assert r.status_code == 303
    doc = parse(client.get(r.headers["location"]))
    assert "审批决定已保存" in text(doc)
    assert "已办结出件" in text(one(doc, "//span[contains(@class,'badge')]"))
    assert "已批准" in text(one(doc, "//section[@id='decision']")) and "符合救助条件" in text(doc)
    result = one(doc, "//section[@id='result']")
    assert one(result, f".//a[@href='/api/v1/applications/{number}/result.pdf']") is not None
    verify = [a.get("href") for a in result.xpath(".//a") if a.get("href").startswith("/verify/documents/")]
    assert len(verify) == 1 and client.get(verify[0]).status_code == 200
    assert not doc.xpath(f"//form[@action='/applications/{number}/decision']")
    got = client.get(f"/api/v1/applications/{number}", headers=auth("citizen-young")).json()
    assert got["status"] == "issued" and got["decision"]["by"] == "reviewer-civil"


def test_window_officer_decides_window_direct_matters_only(client, auth, db_session):
    direct = apply(client, auth("citizen-young"), CODE)["number"]  # window_direct
    other = apply(client, auth("citizen-young"), "training-subsidy")["number"]  # not window_direct
    for number in (direct, other):
        take_in_at_window(db_session, number)
    web_login(client, "window-officer")
    assert parse(client.get(f"/applications/{direct}")).xpath(f"//form[@action='/applications/{direct}/decision']")
    assert not parse(client.get(f"/applications/{other}")).xpath(f"//form[@action='/applications/{other}/decision']")


@pytest.mark.parametrize("path", ["/review", "/me/applications"])
def test_role_pages_refuse_the_wrong_role(client, path):
    web_login(client, "citizen-young" if path == "/review" else "reviewer-civil")
    assert client.get(path).status_code == 403


def test_workbench_orders_by_due_date_and_marks_overdue(client, auth, db_session):
    from datetime import timedelta

    from sqlalchemy import select

    from app.services.applications import service as svc
    from app.services.applications.models import Application

    late, soon = (apply(client, auth("citizen-young"), CODE)["number"] for _ in range(2))
    today = svc.today_china()
    for number, due in ((late, today - timedelta(days=3)), (soon, today + timedelta(days=1))):
        db_session.scalar(select(Application).where(Application.number == number)).due_date = due
    db_session.flush()
    web_login(client, "reviewer-civil")
    doc = parse(client.get("/review"))
    rows = doc.xpath("//table[contains(@class,'queue')]/tbody/tr")
    order = [text(one(r, "./td[1]")) for r in rows]
    assert order.index(late) < order.index(soon)
    late_row = rows[order.index(late)]
    assert "overdue" in late_row.get("class") and "已超期" in text(late_row)
    assert "已超期" not in text(rows[order.index(soon)])


def test_correction_then_resubmission_through_the_pages(client, auth):
    number = apply(client, auth("citizen-young"), CODE)["number"]
    web_login(client, "reviewer-civil")
    doc = parse(client.get(f"/applications/{number}"))
    r = client.post(f"/applications/{number}/decision", follow_redirects=False, data={
        **values(form(doc, f"/applications/{number}/decision")), "outcome": "correction",
        "reasons": "请补充医院诊断证明"})
    assert r.status_code == 303

    web_login(client, "citizen-young")
    doc = parse(client.get(f"/applications/{number}"))
    assert "待补正" in text(one(doc, "//span[contains(@class,'badge')]"))
    assert "请补充医院诊断证明" in text(one(doc, "//div[contains(@class,'warning')]"))
    assert doc.xpath("//span[contains(@class,'tag-paused')]")
    mid = _upload_ids(doc, number)[-1]
    assert _upload(client, number, mid, "diagnosis.pdf", tiny_pdf("diagnosis")).status_code == 303
    doc = parse(client.get(f"/applications/{number}"))
    assert "电子签名" in text(one(doc, "//div[contains(@class,'next-step')]"))  # a new file: sign again
    assert _sign(client, number).status_code == 303
    r = _post(client, number, "submit")
    assert r.status_code == 303 and "done=resubmitted" in r.headers["location"]
    doc = parse(client.get(r.headers["location"]))
    assert "已补正" in text(one(doc, "//span[contains(@class,'badge')]"))
    assert not doc.xpath("//span[contains(@class,'tag-paused')]")


def test_header_shows_unread_messages(client, auth):
    from tests.services.applications.helpers import apply as api_apply

    api_apply(client, auth("citizen-young"), "temporary-assistance")
    web_login(client, "citizen-young")
    doc = parse(client.get("/"))
    count = doc.xpath("//header//a[@href='/me/inbox']//span[@class='count']")
    assert count and int(count[0].text) >= 1


def test_the_page_reads_the_application_as_a_view_equal_to_the_entity(client, auth, db_session):
    """The application page reads plain rows (svc.load_view), not entities: every column, material and
    event comes out as the entity has it (enums, JSON, aware datetimes, dates), for a draft and for
    an application further on (uploads, signature, submission, a decision)."""
    from app.services.applications import service as svc
    from app.services.applications.models import Application, ApplicationEvent, ApplicationMaterial
    from tests.services.applications.helpers import apply as submitted, decide

    h = auth("citizen-young")
    draft = create(client, h, CODE).json()["number"]
    done = submitted(client, h, CODE, submit=True)["number"]
    decide(client, auth("reviewer-civil"), done, "approve")
    for number in (draft, done):
        db_session.expire_all()
        view, app = svc.load_view(db_session, number), svc.get_for_user(db_session, number, svc_user(db_session))
        for column in Application.__table__.columns:
            assert getattr(view, column.key) == getattr(app, column.key), column.key
            assert type(getattr(view, column.key)) is type(getattr(app, column.key)), column.key
        for views, entities, model in ((view.materials, app.materials, ApplicationMaterial),
                                       (view.events, app.events, ApplicationEvent)):
            assert len(views) == len(entities) > 0
            for v, e in zip(views, entities):
                assert {c.key: getattr(v, c.key) for c in model.__table__.columns} == \
                    {c.key: getattr(e, c.key) for c in model.__table__.columns}
    assert len(svc.load_view(db_session, done).events) > len(svc.load_view(db_session, draft).events)
    # what the view brings beside the rows (the result's parties, the actors' names) gives the same page context
    from app.matters import service as matter_service
    from app.services.applications.page_context import application_context

    user = svc_user(db_session)
    issued = svc.load_view(db_session, done)
    assert issued.result_document_id and issued.result_parties is not None
    assert "reviewer-civil" in issued.actor_names and "system" not in issued.actor_names
    for number in (draft, done):
        view, app = svc.load_view(db_session, number), svc.get_for_user(db_session, number, user)
        matter = matter_service.cached_matter(app.matter_code)
        ours, theirs = (application_context(db_session, a, matter, user) for a in (view, app))
        for key in ("events", "decided_by_name", "can_download_result", "fields", "materials", "status_label"):
            assert ours[key] == theirs[key], key
    assert application_context(db_session, issued, matter, user)["can_download_result"] is True
    with pytest.raises(svc.ApplicationNotFound):
        svc.load_view(db_session, "XH20990101999999")


def svc_user(db_session):
    from sqlalchemy import select

    from app.identity.models import User
    return db_session.scalar(select(User).where(User.username == "citizen-young"))
