"""citizen-young applies online for temporary assistance in headless Chromium: guide → apply
(pre-filled name read-only) → upload each material → confirm page (summary, declaration, password)
→ sign → submit → the timeline says 已提交."""
import re

from fpdf import FPDF
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD

SHOTS = "/tmp/apply-journey-{state}-{width}.png"


def tiny_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Statement of hardship")
    return bytes(pdf.output())


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def shoot(page, state: str) -> None:
    """Screenshots at 1024 and 320 px; at 320 nothing may stick out sideways."""
    for width in (1024, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS.format(state=state, width=width), full_page=True)
        assert overflow(page) <= 0, f"{state}: page is {overflow(page)}px wider than {width}px"
    page.set_viewport_size({"width": 1024, "height": 800})


def test_citizen_applies_online_for_temporary_assistance(page, tmp_path):
    login(page, "citizen-young")

    page.goto("/matters/temporary-assistance/guide")
    page.get_by_label("本人办理").check()
    page.get_by_role("button", name="生成我的办事清单").click()
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("困难情况说明")
    expect(checklist).to_contain_text("免于提交")
    checklist.get_by_role("link", name="在线申请").click()

    expect(page).to_have_url(re.compile(r"/matters/temporary-assistance/apply$"))
    name = page.get_by_label("申请人姓名")
    expect(name).to_have_value("李明")
    expect(name).not_to_be_editable()
    expect(page.locator("#f-applicant_name-source")).to_contain_text("实名认证信息")
    page.get_by_label("困难类型").select_option(label="重病")
    page.get_by_label("困难情况", exact=True).fill("家中主要劳动力突发重病住院，自付医疗费用较高，家庭生活暂时困难。")
    page.get_by_label("申请救助金额（元）").fill("3000")
    page.get_by_label("银行卡号").fill("6222021001012345678")
    page.get_by_role("button", name="保存并继续").click()

    expect(page).to_have_url(re.compile(r"/applications/XH\d+"))
    expect(page.locator(".badge")).to_have_text("草稿")
    shoot(page, "draft")

    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(tiny_pdf())
    missing = page.locator("table.materials tbody tr.material-missing")
    uploads = missing.count()
    assert uploads == 2
    for _ in range(uploads):
        row = missing.first
        row.locator("input[type=file]").set_input_files(pdf)
        row.get_by_role("button", name=re.compile("上传")).click()
        expect(page.locator(".notice.success")).to_contain_text("材料已上传")
    expect(missing).to_have_count(0)
    expect(page.locator("table.materials tbody tr.material-uploaded")).to_have_count(2)

    page.locator("#sign").get_by_role("link", name="核对并签名").click()
    expect(page).to_have_url(re.compile(r"/applications/XH\d+/sign$"))
    expect(page.locator("table.summary")).to_contain_text("6222021001012345678")  # what is signed, shown
    expect(page.locator("#declaration")).to_contain_text("如有虚假愿承担法律责任")
    page.get_by_role("button", name="确认并签名").click()  # no password: nothing is signed
    expect(page.locator(".error-summary")).to_contain_text("登录密码")
    page.get_by_label(re.compile("登录密码")).fill(PASSWORD)
    shoot(page, "confirm-sign")
    page.get_by_role("button", name="确认并签名").click()
    expect(page.locator("#sign")).to_contain_text("已签名")
    expect(page.locator("#sign a[href$='summary.pdf']")).to_be_visible()

    page.locator("#submit").get_by_role("button", name="提交申请").click()
    expect(page.locator(".badge")).to_have_text("已提交")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("已提交")
    expect(timeline.locator("li")).to_have_count(5)  # created, two uploads, signed, submitted
    shoot(page, "submitted")
