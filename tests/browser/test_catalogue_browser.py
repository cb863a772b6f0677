"""Open home, search 公积金, open a matter, switch to English — in headless Chromium."""
import re

from playwright.sync_api import expect


def test_home_search_matter_english(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("一网通办")
    page.get_by_role("searchbox", name="搜索事项").fill("公积金")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page).to_have_url(re.compile(r"/matters\?q="))
    link = page.get_by_role("link", name=re.compile("住房公积金")).first
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    title_zh = page.get_by_role("heading", level=1).inner_text()
    assert "公积金" in title_zh
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Materials")).to_be_visible()
    assert page.get_by_role("heading", level=1).inner_text() != title_zh
    # The choice is kept across pages.
    page.goto("/")
    expect(page.get_by_role("link", name="中文")).to_be_visible()


def test_home_fits_a_320px_phone(browser, live_server):
    ctx = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    pg = ctx.new_page()
    pg.goto("/matters/residence-permit")
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    ctx.close()
    assert overflow <= 0, f"page is {overflow}px wider than a 320px screen"
