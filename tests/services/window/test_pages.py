"""The front-desk pages (TestClient): the desk and queue, walk-in intake, kiosk and display, hand-out,
appointments and the dashboard, with the bad input each must explain."""
import io
import re

from sqlalchemy import select

from app.identity import service as identity
from app.identity.models import Role, User
from app.services.applications.models import Application
from app.services.window.models import WindowIntake
from tests.conftest import PASSWORD, csrf_from, web_login
from tests.services.applications.helpers import decide, tiny_pdf

YOUNG_ID = "310104199606121013"
YOUNG_MASKED = "310104********1013"


def _post(client, page_url, action, data=None, files=None, **kw):
    """Post a form found on page_url with that page's CSRF token."""
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**(data or {}), "csrf_token": token}, files=files, follow_redirects=False, **kw)


def _number(response) -> str:
    m = re.search(r"/window/intake/([A-Z]{2}\d{14})", response.headers["location"])
    assert m, response.headers.get("location")
    return m.group(1)


def _identified(client, id_number=YOUNG_ID):
    return _post(client, "/window/intake", "/window/intake/identify", {"id_number": id_number})


def _start_form(client, matter="temporary-assistance") -> dict:
    """The start form as served after identifying citizen-young."""
    page = _identified(client)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="applicant" value="([^"]+)"', page.text).group(1)
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    return {"applicant": token, "matter_code": matter, "form_token": form_token, "csrf_token": csrf_from(page.text)}


def _start(client, matter="temporary-assistance"):
    data = _start_form(client, matter)
    return client.post("/window/intake", data=data, follow_redirects=False), data


def test_the_desk_is_the_window_officers_home(client):
    web_login(client, "window-officer")
    assert client.get("/home", follow_redirects=False).headers["location"] == "/window"
    page = client.get("/window")
    assert page.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", page.text) == ["窗口工作台"]
    assert "综合受理窗口1" in page.text and "徐汇区行政服务中心" in page.text
    assert 'href="/window/intake"' in page.text and 'href="/window/handout"' in page.text


def test_citizens_and_reviewers_cannot_open_the_desk(client):
    assert client.get("/window", follow_redirects=False).status_code == 303  # not logged in: to the login
    web_login(client, "citizen-young")
    for path in ("/window", "/window/intake", "/window/handout", "/window/appointments"):
        assert client.get(path).status_code == 403, path
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/me").text)})
    web_login(client, "reviewer-civil")
    assert client.get("/window").status_code == 403


def _fill_and_scan(client, number):
    """The officer fills in the form with the applicant and scans the paper materials."""
    from app.matters import content

    url = f"/window/intake/{number}"
    page = client.get(url).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    form = {k: str(v) for k, v in content.example_form("temporary-assistance").items()
            if f'name="{k}"' in page}
    r = _post(client, url, f"{url}/form", {**form, "version": version})
    assert r.status_code == 303, r.text[:2000]
    ids = re.findall(rf'action="{url}/materials/(\d+)" enctype', client.get(url).text)
    assert ids, "nothing to scan"
    for mid in ids:
        r = _post(client, url, f"{url}/materials/{mid}",
                  files={"file": ("scan.pdf", io.BytesIO(tiny_pdf("scan")), "application/pdf")})
        assert r.status_code == 303, r.text[:1000]
    return ids


def test_malformed_id_number_is_explained_and_a_found_applicant_is_masked(client):
    web_login(client, "window-officer")
    r = _identified(client, "310104199606121014")  # wrong check digit
    assert r.status_code == 422 and "证件号码格式不正确" in r.text and 'aria-invalid="true"' in r.text
    r = _identified(client, "")
    assert r.status_code == 422 and "请填写申请人的证件号码" in r.text
    r = _identified(client, "110101199003074514")  # valid, no account
    assert r.status_code == 404 and "请申请人先注册" in r.text
    r = _identified(client)
    assert r.status_code == 200 and "李明" in r.text and YOUNG_MASKED in r.text
    assert YOUNG_ID not in r.text  # neither shown nor hidden in the page
    assert "临时救助申请" in r.text


def test_walk_in_intake_signed_by_the_applicant_accepted_and_handed_out(client, db_session):
    web_login(client, "window-officer")
    r, _data = _start(client)
    assert r.status_code == 303, r.text[:1000]
    number = _number(r)
    assert db_session.scalar(select(Application).where(Application.number == number)).channel.value == "window"
    assert len(db_session.scalars(select(WindowIntake).where(WindowIntake.application_number == number)).all()) == 1

    page = client.get(f"/window/intake/{number}")
    assert page.status_code == 200 and YOUNG_MASKED in page.text and YOUNG_ID not in page.text
    assert "免于提交" in page.text  # the ID card comes from the wallet, as online
    ids = _fill_and_scan(client, number)
    url = f"/window/intake/{number}"
    r = _post(client, url, f"{url}/materials/{ids[0]}/original")
    assert r.status_code == 303
    assert "已核验原件" in client.get(url).text
    # the applicant signs with their own password; a wrong one is refused and explained
    r = _post(client, url, f"{url}/sign", {"password": "wrong-password"})
    assert r.status_code == 403 and 'id="f-password-error"' in r.text
    r = _post(client, url, f"{url}/sign", {"password": PASSWORD})
    assert r.status_code == 303, r.text[:1000]
    app = db_session.scalar(select(Application).where(Application.number == number))
    assert app.signed_at is not None and any(e.action == "sign" and e.actor == "citizen-young" for e in app.events)
    r = _post(client, url, f"{url}/submit")
    assert r.status_code == 303
    r = _post(client, url, f"{url}/decision", {"outcome": "accept"})
    assert r.status_code == 303
    again = _post(client, url, f"{url}/decision", {"outcome": "accept"})  # double click: explained, not a 500
    assert again.status_code == 409
    page = client.get(url).text
    intake = db_session.scalar(select(WindowIntake).where(WindowIntake.application_number == number))
    assert intake.accepted_at is not None and f'href="/window/rate/{intake.id}"' in page

    # the department approves (the back office is another page), the result waits at this centre
    civil = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", data={
        "username": "reviewer-civil", "password": PASSWORD}).json()["access_token"]}
    assert decide(client, civil, number, "approve", ["符合条件"]).status_code == 200
    listed = client.get("/window/handout")
    assert number in listed.text
    r = _post(client, "/window/handout", f"/window/handout/{number}", {"collector_id_number": "123", "id_checked": "yes"})
    assert r.status_code == 422 and "领取人证件号码格式不正确" in r.text
    r = _post(client, "/window/handout", f"/window/handout/{number}", {"collector_id_number": YOUNG_ID})
    assert r.status_code == 422 and "已核验证件" in r.text  # the ID check must be ticked
    r = _post(client, "/window/handout", f"/window/handout/{number}",
              {"collector_id_number": YOUNG_ID, "id_checked": "yes"})
    assert r.status_code == 303 and f"rate={intake.id}" in r.headers["location"]
    db_session.expire_all()
    intake = db_session.scalar(select(WindowIntake).where(WindowIntake.application_number == number))
    assert intake.collected_by == f"李明（{YOUNG_MASKED}）" and intake.handed_out_by == "window-officer"
    assert db_session.scalar(select(Application).where(Application.number == number)).status.value == "issued"
    assert number not in client.get("/window/handout").text
    again = _post(client, "/window/handout", f"/window/handout/{number}",
                  {"collector_id_number": YOUNG_ID, "id_checked": "yes"})
    assert again.status_code == 409


def test_sign_with_the_one_time_code_sent_to_the_applicant(client, db_session):
    web_login(client, "window-officer")
    number = _number(_start(client)[0])
    _fill_and_scan(client, number)
    url = f"/window/intake/{number}"
    assert _post(client, url, f"{url}/sign/code").status_code == 303
    from app.services.applications.models import InboxMessage

    young = db_session.scalar(select(User).where(User.username == "citizen-young"))
    text = db_session.scalars(select(InboxMessage).where(InboxMessage.user_id == young.id)
                              .order_by(InboxMessage.id.desc())).first().body
    code = re.search(r"\b(\d{6})\b", text).group(1)
    r = _post(client, url, f"{url}/sign", {"code": code})
    assert r.status_code == 303, r.text[:1000]
    assert db_session.scalar(select(Application).where(Application.number == number)).signed_at is not None


def test_one_time_notice_for_an_incomplete_draft(client):
    web_login(client, "window-officer")
    number = _number(_start(client)[0])
    url = f"/window/intake/{number}"
    r = _post(client, url, f"{url}/notice", {"reasons": "请补充近三个月的医疗费用票据"})
    assert r.status_code == 303
    page = client.get(url).text
    assert f"/api/v1/window/applications/{number}/notice.pdf" in page
    pdf = client.get(f"/api/v1/window/applications/{number}/notice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_refusal_needs_reasons_and_correction_gives_the_notice(client):
    web_login(client, "window-officer")
    number = _number(_start(client)[0])
    _fill_and_scan(client, number)
    url = f"/window/intake/{number}"
    assert _post(client, url, f"{url}/sign", {"password": PASSWORD}).status_code == 303
    assert _post(client, url, f"{url}/submit").status_code == 303
    r = _post(client, url, f"{url}/decision", {"outcome": "refuse"})
    assert r.status_code == 422 and "须说明理由" in r.text
    r = _post(client, url, f"{url}/decision", {"outcome": "nonsense"})
    assert r.status_code == 422
    r = _post(client, url, f"{url}/decision", {"outcome": "correction", "reasons": "困难情况说明缺少村居委盖章"})
    assert r.status_code == 303
    assert client.get(f"/api/v1/window/applications/{number}/notice.pdf").status_code == 200


def test_on_the_spot_decision_for_a_matter_the_window_may_decide(client, db_session):
    web_login(client, "window-officer")
    number = _number(_start(client)[0])  # temporary-assistance: window_direct
    _fill_and_scan(client, number)
    url = f"/window/intake/{number}"
    _post(client, url, f"{url}/sign", {"password": PASSWORD})
    _post(client, url, f"{url}/submit")
    _post(client, url, f"{url}/decision", {"outcome": "accept"})
    assert "当场作出决定" in client.get(url).text
    r = _post(client, url, f"{url}/decision", {"outcome": "approve", "reasons": "当场核实"})
    assert r.status_code == 303
    app = db_session.scalar(select(Application).where(Application.number == number))
    assert app.status.value == "approved" and app.decision_by == "window-officer"


def test_a_matter_the_window_may_not_take_in_is_refused_clearly(client, db_session):
    identity.create_user(db_session, username="officer-psb", password=PASSWORD, role=Role.window_officer,
                         full_name="王警官", window_code="XH-D01")
    db_session.flush()
    web_login(client, "officer-psb")
    page = _identified(client)
    assert "临时救助申请" not in page.text  # only the window's own matters are offered
    r, _data = _start(client, "temporary-assistance")
    assert r.status_code == 403 and "本窗口未获授权受理该事项" in r.text
    assert db_session.scalar(select(WindowIntake).where(WindowIntake.officer == "officer-psb")) is None


def test_another_windows_application_is_not_opened_here(client, db_session):
    web_login(client, "window-officer")
    number = _number(_start(client)[0])
    identity.create_user(db_session, username="officer-c02", password=PASSWORD, role=Role.window_officer,
                         full_name="孙敏", window_code="XH-C02")
    db_session.flush()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/window").text)})
    web_login(client, "officer-c02")
    assert client.get(f"/window/intake/{number}").status_code == 404


def test_double_click_on_start_creates_one_application(live_server):
    """Two posts of the start form at once, on a live server with real commits: one application."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    with httpx.Client(base_url=live_server, timeout=60) as c:
        web_login(c, "window-officer")
        data = _start_form(c)
        with ThreadPoolExecutor(2) as ex:
            answers = list(ex.map(lambda _: c.post("/window/intake", data=data, follow_redirects=False), range(2)))
        assert [a.status_code for a in answers] == [303, 303], [a.text[:200] for a in answers]
        first = _number(answers[0])
        assert _number(answers[1]) == first
        assert _number(c.post("/window/intake", data=data, follow_redirects=False)) == first  # and once more later
        # a fresh start form is a fresh token: a new application
        second, _data = _start(c)
        assert _number(second) != first
