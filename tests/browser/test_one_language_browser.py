"""One language at a time (issue 9 item 6), in Chromium, for every demo account: English pages
show no Chinese outside marked names, addresses and typed text; Chinese pages show no raw English
status words. The pages are each role's main pages, with real applications on them (approved,
denied, in review, a draft reading the government data)."""
from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import login
from tests.browser.language_scan import chinese_leaks, english_leaks, machine_words
from tests.conftest import PASSWORD
from tests.evaluation.helpers import completed
from tests.services.applications.helpers import apply, create


@pytest.fixture(scope="module")
def numbers(live_server):
    """Applications in every state the pages show, made through the API as people would."""
    with httpx.Client(base_url=live_server, timeout=60) as api:
        def auth(user):
            r = api.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        approved = completed(api, auth)
        denied = completed(api, auth, outcome="deny")
        r = create(api, auth("citizen-elder"), "elderly-allowance")
        assert r.status_code == 201, r.text
        in_review = apply(api, auth("citizen-young"), "temporary-assistance")["number"]
        return {"approved": approved, "denied": denied, "elder_draft": r.json()["number"], "in_review": in_review}


def pages_for(username: str, n: dict[str, str]) -> list[str]:
    """The role's main pages: home, matters, a matter and its guide, /me, applications, wallet,
    data-access log, enterprise centre, review workbench, evaluation, admin, help."""
    common = ["/", "/matters", "/matters/temporary-assistance", "/matters/temporary-assistance/guide", "/me",
              "/me/inbox", "/help"]
    return common + {
        "citizen-young": ["/me/applications", f"/applications/{n['approved']}", f"/applications/{n['denied']}",
                          f"/applications/{n['in_review']}", "/me/licences", "/me/data-access"],
        "citizen-elder": ["/me/applications", f"/applications/{n['elder_draft']}", "/me/licences", "/me/data-access",
                          "/matters/elderly-allowance", "/matters/elderly-allowance/guide"],
        "citizen-nodata": ["/me/applications", "/me/licences", "/me/data-access"],
        "enterprise-demo": ["/enterprise", "/me/applications", "/me/licences", "/enterprise/seal"],
        "reviewer-civil": ["/review", f"/applications/{n['in_review']}", f"/applications/{n['approved']}",
                           f"/applications/{n['elder_draft']}", "/rectifications"],
        "window-officer": [],
        "evaluator": ["/evaluation", "/evaluation/reviews", "/evaluation/ranking"],
        "admin": ["/admin", "/evaluation", "/admin/datahub"],
    }[username]


ACCOUNTS = ["citizen-young", "citizen-elder", "citizen-nodata", "enterprise-demo", "reviewer-civil",
            "window-officer", "evaluator", "admin"]


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
