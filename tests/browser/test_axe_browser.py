"""axe-core (vendored from the npm registry into static/vendor/axe-core/, injected here only) on the
main pages of every role, in Chinese and in English, and in 长者版 at 375 px: no serious or
critical violations (issue 15 item 6, issue 9 item 3)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import login
from tests.browser.journeys import ACCOUNTS, numbers, pages_for  # noqa: F401 (numbers: a fixture)

AXE = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is (evaluated through the driver: the site's CSP allows no
    inline script, and no page of the site includes axe)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;undefined")
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")


def blocking(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["impact"] in BLOCKING]


def _check(page, paths) -> dict[str, list[dict]]:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        bad = blocking(page)
        if bad:
            found[path] = bad
    return found


@pytest.mark.browser
@pytest.mark.parametrize("username", ACCOUNTS)
def test_main_pages_have_no_serious_axe_violations(page, numbers, username):
    login(page, username)
    paths = [page.url] + pages_for(username, numbers)
    found = _check(page, paths)
    page.goto("/lang/en?next=/")
    found.update({f"en {p}": v for p, v in _check(page, paths[:6]).items()})
    assert not found, f"axe-core, {username}: {found}"


@pytest.mark.browser
@pytest.mark.parametrize("username", ["citizen-elder", "enterprise-demo"])
def test_elder_mode_at_375_px_has_no_serious_axe_violations(browser, live_server, numbers, username):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, username)
        page.goto("/elder/on?next=/")
        assert page.evaluate("document.documentElement.classList.contains('elder')")
        found = _check(page, pages_for(username, numbers))
        assert not found, f"axe-core in 长者版 at 375 px, {username}: {found}"
    finally:
        context.close()


@pytest.mark.browser
def test_axe_finds_what_it_should(page):
    """The check can fail: an unlabelled field and an image without a text alternative are found."""
    page.goto("/help")
    assert blocking(page) == []
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<form><input type="text" name="x"></form><img src="/static/favicon.svg" width="20" height="20">')""")
    ids = {v["id"] for v in blocking(page)}
    assert {"label", "image-alt"} <= ids, ids
