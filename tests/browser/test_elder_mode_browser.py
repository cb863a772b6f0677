"""长者版 in Chromium at 375 px: base type at least 18 px and no horizontal scroll."""
import pytest

from tests.browser.conftest import login


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/matters/temporary-assistance", "/me/applications", "/enterprise"])
def test_elder_mode_at_375_px(browser, live_server, path):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, "enterprise-demo" if path == "/enterprise" else "citizen-elder")
        page.goto(f"/elder/on?next={path}")
        assert page.evaluate("document.documentElement.classList.contains('elder')")
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 18
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
