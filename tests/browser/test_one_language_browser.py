"""One language at a time (issue 9 item 6), in Chromium, for every demo account: English pages
show no Chinese outside marked names, addresses and typed text; Chinese pages show no raw English
status words. The pages are each role's main pages, with real applications on them (approved,
denied, in review, a draft reading the government data)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.browser.journeys import ACCOUNTS, numbers, pages_for  # noqa: F401 (numbers: a fixture)
from tests.browser.language_scan import chinese_leaks, english_leaks, machine_words


@pytest.mark.browser
@pytest.mark.parametrize("username", ACCOUNTS)
def test_english_pages_show_no_chinese_outside_names(page, numbers, username):
    login(page, username)
    leaks = {}
    home = page.url
    page.goto("/lang/en?next=/")
    for path in [home] + pages_for(username, numbers):
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        assert page.locator("html").get_attribute("lang") == "en"
        found = english_leaks(page)
        if found:
            leaks[path] = found
    assert not leaks, f"Chinese on English pages for {username}: {leaks}"


@pytest.mark.browser
@pytest.mark.parametrize("username", ["citizen-young", "citizen-elder", "reviewer-civil", "enterprise-demo",
                                      "evaluator", "admin"])
def test_chinese_pages_show_no_raw_english_status_words(page, numbers, username):
    words = machine_words()
    login(page, username)
    leaks = {}
    for path in pages_for(username, numbers) + ["/verify"]:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        found = chinese_leaks(page, words)
        if found:
            leaks[path] = found
    assert not leaks, f"raw English status words on Chinese pages for {username}: {leaks}"


@pytest.mark.browser
def test_the_scanner_finds_what_it_should(page, numbers):
    """The check can fail: an unmarked Chinese word and a bad plural on an English page are found,
    a marked name is not; a raw status word on a Chinese page is found."""
    login(page, "citizen-young")
    page.goto("/lang/en?next=/help")
    assert english_leaks(page) == []
    page.evaluate("""() => { const m = document.querySelector('main');
        m.insertAdjacentHTML('beforeend', '<p>Status: 居民身份证</p><p>1 working days</p>'
                                         + '<p><span data-proper-name>王秀英</span> signed for 王秀英</p>'); }""")
    found = english_leaks(page)
    assert "Status: 居民身份证" in found
    assert "[plural] 1 working days" in found
    assert not any("王秀英" in f for f in found)
    page.goto("/lang/zh?next=/help")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<p>状态：tampered</p>')")
    assert any("'tampered'" in f for f in chinese_leaks(page, machine_words()))
