"""In Chromium: every role lands on its own first page; 403/404 keep the site's layout and the login."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

HOMES = [("citizen-young", "/me/applications", "我的办件"), ("enterprise-demo", "/enterprise", "上海徐汇示范科技有限公司"),
         ("window-officer", "/window", "窗口工作台"), ("reviewer-civil", "/review", "审批工作台"),
         ("evaluator", "/evaluation", "评价监督"), ("admin", "/admin", "系统管理")]


@pytest.mark.browser
@pytest.mark.parametrize("username, path, heading", HOMES)
def test_login_lands_on_the_roles_home(page, live_server, username, path, heading):
    login(page, username)
    assert page.url == live_server + path
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("form[action='/logout']")).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize("path, title", [("/review", "无权访问"), ("/no-such-page-at-all", "页面不存在")])
def test_error_pages_in_the_layout_still_logged_in(page, path, title):
    login(page, "citizen-young")
    response = page.goto(path)
    assert response.status in (403, 404)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("header.site-header")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.get_by_role("link", name="回到我的首页").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
