"""citizen-elder is told on her first page after login what she may qualify for (issue 9 item 4):
the allowance the eligibility scan found in her data, with one-click take-up; citizen-young is not."""
from __future__ import annotations

import re

from app.services.proactive import scan
from tests.conftest import CSRF_RE, PASSWORD


def _login(client, username):
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": CSRF_RE.search(page.text).group(1)}, follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"]


def test_elder_lands_on_her_home_and_is_told_of_the_allowance(client, db_session):
    assert scan.scan_batch(db_session, batch_size=10_000)["finished"]
    home = _login(client, "citizen-elder")
    assert home == "/me/applications"
    page = client.get(home).text
    assert "您可能符合条件" in page
    assert re.search(r'data-matter="elderly-allowance"', page)
    assert re.search(r'action="/me/offers/\d+/accept"', page)
    client.post("/logout", data={"csrf_token": CSRF_RE.search(page).group(1)})
    _login(client, "citizen-young")
    assert 'data-matter="elderly-allowance"' not in client.get("/me/applications").text
