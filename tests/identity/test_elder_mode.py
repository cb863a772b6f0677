"""长者版: a switch on every page kept in a cookie, offered to applicants aged 60 and over; the footer's help."""
from __future__ import annotations

from tests.conftest import web_login


def test_switch_is_on_every_page_and_kept_in_a_cookie(client):
    page = client.get("/matters")
    assert 'href="/elder/on?next=/matters"' in page.text and 'class="elder"' not in page.text
    r = client.get("/elder/on", params={"next": "/matters"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/matters" and "elder=1" in r.headers["set-cookie"]
    page = client.get("/matters")
    assert '<html lang="zh-CN" class="elder">' in page.text and 'href="/elder/off?next=/matters"' in page.text
    client.get("/elder/off")
    assert 'class="elder"' not in client.get("/matters").text


def test_offered_to_an_applicant_aged_sixty_or_over_only(client):
    web_login(client, "citizen-elder")
    assert "切换到长者版" in client.get("/me/applications").text
    client.get("/elder/off")  # "不用了": not asked again
    assert "切换到长者版" not in client.get("/me/applications").text


def test_not_offered_to_a_younger_applicant(client):
    web_login(client, "citizen-young")
    assert "切换到长者版" not in client.get("/me/applications").text


def test_footer_offers_the_hotline_and_help(client):
    html = client.get("/").text
    footer = html[html.index('<footer'):]
    for link in ('href="tel:12345"', 'href="/help#centres"', 'href="/help#accessibility"', 'href="/help#privacy"',
                 'href="/help#sitemap"'):
        assert link in footer
    help_page = client.get("/help").text
    assert "个人信息保护法" in help_page and "漕溪北路" in help_page
