"""The bad-review loop in headless Chromium: citizen-young gives a completed application 1 ★,
reviewer-civil calls back and answers, the evaluator sees it on the dashboard, and the answer
appears on the matter's public page."""
import re

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.evaluation.helpers import completed


def _context(browser, live_server, width=1024):
    return browser.new_context(base_url=live_server, viewport={"width": width, "height": 900}, locale="zh-CN")


def test_bad_review_answered_and_published(browser, live_server):
    with httpx.Client(base_url=live_server, timeout=60) as api:
        def auth(user):
            r = api.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        number = completed(api, auth)

    citizen = _context(browser, live_server, width=360).new_page()  # on a phone
    login(citizen, "citizen-young")
    citizen.goto(f"/applications/{number}")
    form = citizen.locator("#review")
    form.get_by_label(re.compile("非常不满意")).check()
    form.get_by_label("办事指南精确度").select_option("1")
    form.get_by_label("材料要求说明不清").check()
    form.get_by_label(re.compile("评价内容")).fill("材料要求说明不清楚，来回跑了两次")
    form.get_by_role("button", name="提交评价").click()
    expect(citizen.locator("#review")).to_contain_text("感谢您的评价")
    expect(citizen.locator("#review")).to_contain_text("待联系")

    reviewer = _context(browser, live_server).new_page()
    login(reviewer, "reviewer-civil")
    reviewer.goto("/rectifications")
    reviewer.get_by_role("link", name=re.compile(number)).click()
    reviewer.get_by_label("回访情况").fill("已电话联系申请人，问题属实")
    reviewer.get_by_label("核实结论").select_option("reasonable")
    reviewer.get_by_role("button", name="保存回访结果").click()
    expect(reviewer.locator("dl.facts")).to_contain_text("整改中")
    reviewer.get_by_label(re.compile("答复内容")).fill("已重写材料清单说明并增加示例，感谢您的监督")
    reviewer.get_by_role("button", name="提交答复").click()
    expect(reviewer.locator("dl.facts")).to_contain_text("已答复")

    evaluator = _context(browser, live_server, width=360).new_page()
    login(evaluator, "evaluator")
    evaluator.goto("/evaluation?by=department")
    expect(evaluator.locator("table.stats")).to_contain_text("民政")
    expect(evaluator.locator("svg.bar-chart")).to_be_visible()
    evaluator.goto("/evaluation/reviews?department=civil&bad=1")
    expect(evaluator.locator("main")).to_contain_text("材料要求说明不清楚，来回跑了两次")
    assert evaluator.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0

    public = _context(browser, live_server).new_page()
    public.goto("/matters/temporary-assistance")
    reviews = public.locator("#reviews")
    expect(reviews).to_contain_text("已重写材料清单说明并增加示例，感谢您的监督")
    expect(reviews).to_contain_text("李*")
    expect(reviews).not_to_contain_text("李明")
    for p in (citizen, reviewer, evaluator, public):
        p.context.close()
