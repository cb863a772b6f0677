"""The comprehensive window in headless Chromium: window-officer takes in a walk-in temporary-assistance
application for citizen-young (found by ID number, masked on screen), scans the materials, the citizen
signs with their own password on the signing pad, the officer accepts; reviewer-civil approves (through
the API: the back-office pages are another part); the result is handed out with the ID checked. Then
the front-desk pages on a 375 px phone: no horizontal scrolling."""
import re

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.services.applications.helpers import tiny_pdf

YOUNG_ID = "310104199606121013"
FORM = {"hardship_type": "illness", "hardship_reason": "家中主要劳动力突发重病住院，自付医疗费用较高，家庭生活暂时困难。",
        "amount_requested": "3000", "bank_account": "6222021001012345678"}


def _context(browser, live_server, width=1024):
    return browser.new_context(base_url=live_server, viewport={"width": width, "height": 900}, locale="zh-CN")


def _no_horizontal_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_walk_in_intake_then_hand_out(browser, live_server):
    officer = _context(browser, live_server).new_page()
    login(officer, "window-officer")
    assert officer.url == f"{live_server}/window"
    expect(officer.get_by_role("heading", level=1)).to_have_text("窗口工作台")
    officer.get_by_role("link", name="综合受理：凭证件号码为申请人受理事项").click()
    officer.get_by_label("证件号码").fill(YOUNG_ID)
    officer.get_by_role("button", name="查找申请人").click()
    expect(officer.locator("#applicant")).to_contain_text("310104********1013")
    expect(officer.locator("main")).not_to_contain_text(YOUNG_ID)
    officer.get_by_label("本窗口可受理的事项").select_option("temporary-assistance")
    officer.get_by_role("button", name="开始受理").click()
    expect(officer.locator("h1")).to_contain_text("临时救助申请")
    number = re.search(r"/window/intake/([A-Z0-9]+)", officer.url).group(1)

    # the form, with the applicant
    for name, value in FORM.items():
        control = officer.locator(f"#form [name={name}]")
        if control.count():
            if control.evaluate("el => el.tagName") == "SELECT":
                control.select_option(value)
            else:
                control.fill(value)
    officer.get_by_role("button", name="保存申请表").click()
    expect(officer.get_by_role("status")).to_contain_text("申请表已保存")
    # the paper materials scanned; the ID card comes from the wallet
    expect(officer.locator("#materials")).to_contain_text("免于提交")
    ids = [re.search(r"material-(\d+)", row.get_attribute("id")).group(1)
           for row in officer.locator("#materials tr[id^=material-]").all()
           if row.locator("input[type=file]").count()]
    assert ids
    for mid in ids:
        row = officer.locator(f"#material-{mid}")
        row.locator("input[type=file]").set_input_files(
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf("scan")})
        row.locator("form.upload-form button").click()
        expect(officer.get_by_role("status")).to_contain_text("材料已上传")
    officer.locator(f"#material-{ids[0]}").get_by_role("button", name=re.compile("已核验原件")).click()
    expect(officer.locator(f"#material-{ids[0]}")).to_contain_text("已核验原件")
    # the citizen, present, signs with their own password on the signing pad
    officer.get_by_label(re.compile("申请人的登录密码")).fill(PASSWORD)
    officer.get_by_role("button", name="申请人确认并签名").click()
    expect(officer.locator("#sign")).to_contain_text("已签名")
    officer.get_by_role("button", name="提交，进入受理").click()
    officer.get_by_label("受理", exact=True).check()
    officer.get_by_role("button", name="确定").click()
    expect(officer.get_by_role("status")).to_contain_text("已受理")
    expect(officer.locator("#rate a")).to_have_attribute("href", re.compile(r"^/window/rate/\d+$"))

    with httpx.Client(base_url=live_server, timeout=60) as api:
        token = api.post("/api/v1/auth/token", data={"username": "reviewer-civil", "password": PASSWORD}).json()
        r = api.post(f"/api/v1/applications/{number}/decision", json={"outcome": "approve", "reasons": ["符合条件"]},
                     headers={"Authorization": f"Bearer {token['access_token']}"})
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text

    officer.goto("/window/handout")
    card = officer.locator(f"#handout-{number}")
    card.get_by_label("领取人证件号码").fill(YOUNG_ID)
    card.get_by_label("已核验证件").check()
    card.get_by_role("button", name=re.compile("确认出件")).click()
    expect(officer.get_by_role("status")).to_contain_text("已出件")
    expect(officer.locator(f"#handout-{number}")).to_have_count(0)

    citizen = _context(browser, live_server).new_page()
    login(citizen, "citizen-young")
    citizen.goto(f"/applications/{number}")
    expect(citizen.locator("main")).to_contain_text("已办结出件")

    phone = _context(browser, live_server, width=375).new_page()
    for path in ("/ticket/XH", "/display/XH", "/ticket"):
        phone.goto(path)
        assert _no_horizontal_scroll(phone) <= 0, path
    login(phone, "window-officer")
    for path in ("/window", "/window/intake", f"/window/intake/{number}", "/window/handout",
                 "/window/appointments", "/window/dashboard"):
        phone.goto(path)
        assert _no_horizontal_scroll(phone) <= 0, path
    for p in (officer, citizen, phone):
        p.context.close()


def test_kiosk_ticket_called_at_the_desk_on_a_phone(browser, live_server):
    kiosk = _context(browser, live_server, width=375).new_page()
    kiosk.goto("/ticket/XJH")
    kiosk.get_by_role("button", name="领取办理结果").click()
    number = kiosk.locator(".ticket-number").inner_text()
    assert number.startswith("C")
    assert _no_horizontal_scroll(kiosk) <= 0
    kiosk.goto("/me/appointments")  # not logged in: the login page
    expect(kiosk).to_have_url(re.compile("/login"))
    login(kiosk, "citizen-young")
    kiosk.goto("/me/appointments")
    assert _no_horizontal_scroll(kiosk) <= 0
    kiosk.context.close()
