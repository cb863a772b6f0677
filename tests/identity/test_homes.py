"""Each role lands on its own first page; error pages keep the layout and the person logged in."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_from

LOGGED_IN = 'action="/logout"'


def login_without_next(client, username: str):
    """As the login form is posted when no `next` was given (no next field at all)."""
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False)


@pytest.mark.parametrize("username, home", [
    ("reviewer-civil", "/review"), ("reviewer-amr", "/review"), ("evaluator", "/evaluation"), ("admin", "/admin"),
    ("enterprise-demo", "/enterprise"), ("window-officer", "/window"),
    ("citizen-young", "/me/applications")])
def test_login_lands_on_the_roles_home(client, username, home):
    r = login_without_next(client, username)
    assert r.status_code == 303 and r.headers["location"] == home
    page = client.get(home)
    assert page.status_code == 200 and LOGGED_IN in page.text


def test_login_form_without_next_sends_none(client):
    assert 'name="next"' not in client.get("/login").text
    assert 'name="next" value="/applications/X"' in client.get("/login?next=/applications/X").text


def test_the_headers_login_link_comes_back_to_the_page(client):
    assert 'href="/login?next=/matters%3Fq%3D%25E5%2585%25BB%25E8%2580%2581"' in client.get("/matters?q=%E5%85%BB%E8%80%81").text
    assert 'href="/login?next=/matters/elderly-allowance"' in client.get("/matters/elderly-allowance").text
    assert 'href="/login"' in client.get("/").text and "/login?next=/\"" not in client.get("/").text


def test_a_given_next_still_wins(client):
    page = client.get("/login?next=/matters")
    r = client.post("/login", data={"username": "reviewer-civil", "password": PASSWORD, "next": "/matters",
                                    "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/matters"


def test_window_officer_page_says_what_the_role_can_do(client):
    login_without_next(client, "window-officer")
    html = client.get("/staff/window-officer").text
    assert "/window/lookup" in html and "/verify" in html


def test_enterprise_centre_is_titled_as_the_enterprise(client):
    login_without_next(client, "enterprise-demo")
    r = client.get("/enterprise")
    assert r.status_code == 200
    h1 = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", r.text, re.S)]
    assert h1 == ["上海徐汇示范科技有限公司"]
    for anchor in ('id="applications"', 'id="licences"', 'id="seal"', 'id="staff"', 'id="messages"'):
        assert anchor in r.text
    assert 'href="/enterprise/seal"' in r.text and 'href="/docs"' in r.text


def test_enterprise_centre_lists_the_business_licence_first(client):
    login_without_next(client, "enterprise-demo")
    html = client.get("/enterprise").text
    licences = html[html.index('id="licences"'):html.index('id="seal"')]
    names = re.findall(r"<h3>(.*?)</h3>", licences)
    assert names and "营业执照" in names[0]


def test_enterprise_authorises_and_removes_an_agent(client):
    login_without_next(client, "enterprise-demo")
    html = client.get("/enterprise").text
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + _token(client, "citizen-elder")}).json()
    r = client.post("/enterprise/agents", data={"id_number": me["id_number"], "csrf_token": csrf_from(html)},
                    follow_redirects=False)
    assert r.status_code == 303
    staff = _staff(client.get("/enterprise").text)
    assert me["full_name"] in staff
    person_id = re.search(r'action="/enterprise/agents/(\d+)/remove"', staff).group(1)
    r = client.post(f"/enterprise/agents/{person_id}/remove", data={"csrf_token": csrf_from(html)},
                    follow_redirects=False)
    assert r.status_code == 303
    staff = _staff(client.get("/enterprise").text)
    assert "/remove" not in staff and me["full_name"] not in staff.split("<h3>")[0]


def test_enterprise_agent_with_an_unknown_id_number_is_told_why(client):
    login_without_next(client, "enterprise-demo")
    html = client.get("/enterprise").text
    r = client.post("/enterprise/agents", data={"id_number": "110101199003077777", "csrf_token": csrf_from(html)})
    assert r.status_code == 422 and "找不到使用该身份证号注册的个人账户" in r.text


def _staff(html: str) -> str:
    return html[html.index('id="staff"'):html.index('id="messages"')]


def _token(client, username):
    return client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()["access_token"]


@pytest.mark.parametrize("path, status, words", [
    ("/review", 403, "没有办理此事项的权限"), ("/no-such-page-at-all", 404, "页面不存在")])
def test_error_pages_keep_the_layout_and_the_login(client, path, status, words):
    login_without_next(client, "citizen-young")
    r = client.get(path)
    assert r.status_code == status
    assert LOGGED_IN in r.text and "<header" in r.text and words in r.text
    assert 'href="/me/applications"' in r.text  # a way back to the person's own work


def test_error_page_speaks_one_language(client):
    login_without_next(client, "citizen-young")
    client.get("/lang/en")
    r = client.get("/review")
    assert r.status_code == 403 and "You are not allowed" in r.text and "您无权访问" not in r.text
