"""Structural accessibility of the main pages: one h1, headings in order, every control labelled,
a language on <html>, a skip link, no inline script or style (the CSP forbids them anyway)."""
import re

import pytest
from lxml import html as lhtml

from tests.conftest import web_login
from tests.services.applications.helpers import apply

PUBLIC = ["/", "/?tab=enterprise", "/matters", "/matters?theme=business&online=1", "/matters/newborn-hukou",
          "/matters/company-establishment", "/bundles", "/bundles/newborn-bundle", "/login",
          "/consultation?q=宝宝刚出生怎么上户口", "/verify", "/matters/residence-permit/guide",
          "/bundles/newborn-bundle/guide", "/service-map", "/service-map?near=31.1946,121.4365&circle=1&open=1",
          "/kiosk"]
APPLICANT = ["/me", "/me/applications", "/me/inbox", "/me/licences", "/me/data-access",
             "/matters/temporary-assistance/apply", "/bundles/newborn-bundle/apply"]


def check_page(text: str, url: str) -> list[str]:
    doc = lhtml.fromstring(text)
    problems = []
    if not doc.get("lang"):
        problems.append("<html> has no lang")
    if len(doc.xpath("//h1")) != 1:
        problems.append(f"{len(doc.xpath('//h1'))} h1 elements")
    levels = [int(h.tag[1]) for h in doc.xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4]")]
    for a, b in zip(levels, levels[1:]):
        if b > a + 1:
            problems.append(f"heading jumps from h{a} to h{b}")
    labels = {lab.get("for") for lab in doc.xpath("//label[@for]")}
    for el in doc.xpath("//input[not(@type='hidden') and not(@type='submit')] | //select | //textarea"):
        ok = (el.get("id") in labels or el.get("aria-label") or el.get("aria-labelledby")
              or el.xpath("ancestor::label"))
        if not ok:
            problems.append(f"unlabelled <{el.tag} name={el.get('name')!r}>")
    if not doc.xpath("//a[@class='skip-link']"):
        problems.append("no skip link")
    if doc.xpath("//script[not(@src)]") or doc.xpath("//*[@style]") or doc.xpath("//style"):
        problems.append("inline script or style")
    for img in doc.xpath("//img[not(@alt)]"):
        problems.append(f"image without alt: {img.get('src')}")
    return [f"{url}: {p}" for p in problems]


@pytest.mark.parametrize("url, status", [(url, 200) for url in PUBLIC] + [("/no-such-page", 404)])
def test_public_pages(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert check_page(r.text, url) == []


@pytest.mark.parametrize("url", APPLICANT)
def test_applicant_pages(client, url):
    web_login(client, "citizen-young")
    r = client.get(url)
    assert r.status_code == 200, url
    assert check_page(r.text, url) == []


def test_application_and_review_pages(client, auth):
    app = apply(client, auth("citizen-young"), "temporary-assistance")
    web_login(client, "citizen-young")
    url = f"/applications/{app['number']}"
    r = client.get(url)
    assert r.status_code == 200 and check_page(r.text, url) == []
    client.cookies.clear()
    web_login(client, "reviewer-civil")
    for u in ("/review", url):
        r = client.get(u)
        assert r.status_code == 200 and check_page(r.text, u) == [], u


@pytest.mark.parametrize("url", ["/admin", "/admin/seals", "/admin/datahub", "/admin/consultation",
                                 "/admin/proactive"])
def test_admin_pages(client, url):
    web_login(client, "admin")
    r = client.get(url)
    assert r.status_code == 200
    assert check_page(r.text, url) == []


def test_checker_finds_problems():
    bad = '<html><body><main><h1>a</h1><h3>b</h3><input name="x"><img src="y"></main></body></html>'
    found = " ".join(check_page(bad, "/x"))
    assert re.search("no lang", found) and "jumps" in found and "unlabelled" in found and "alt" in found
