"""Self-service terminal mode: card number plus a second factor, the four services, and the idle
timeout that ends and wipes the session (time moved on through app.core.clock)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.kiosk import service as kiosk
from app.kiosk.models import KioskSession
from app.services.applications.models import Application
from app.services.proactive import scan
from app.services.seals import licences
from tests.conftest import PASSWORD
from tests.test_accessibility import check_page

ELDER, YOUNG = "310104195603152027", "310104199606121013"


@pytest.fixture
def now():
    """A clock the test moves: now[0] is the time everything in the app reads."""
    t = [datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)]
    with clock.use(lambda: t[0]):
        yield t


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(client, id_number=ELDER, password=PASSWORD):
    page = client.get("/kiosk?terminal=T-XH-HALL")
    assert page.status_code == 200 and 'name="id_number"' in page.text
    return client.post("/kiosk/sign-in", data={"csrf_token": _token(page.text), "id_number": id_number,
                                               "password": password}, follow_redirects=False)


def test_an_id_number_alone_opens_nothing(client, now):
    r = _sign_in(client, password="")
    assert r.status_code == 401 and "张" not in r.text and "/kiosk/progress" not in r.text
    r = client.post("/kiosk/sign-in", data={"csrf_token": _token(r.text), "id_number": ELDER, "password": "wrong"},
                    follow_redirects=False)
    assert r.status_code == 401 and "/kiosk/progress" not in r.text
    assert client.get("/kiosk/progress", follow_redirects=False).headers["location"] == "/kiosk"
    assert _sign_in(client, id_number="310104199001010000").status_code == 401  # no such card


def test_card_and_password_open_the_menu_without_site_chrome(client, now):
    r = _sign_in(client)
    assert r.status_code == 303 and r.headers["location"] == "/kiosk"
    page = client.get("/kiosk")
    assert page.status_code == 200 and "/kiosk/print" in page.text and "/kiosk/rate" in page.text
    assert 'class="site-header"' not in page.text and 'class="site-footer"' not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert f'http-equiv="refresh" content="{kiosk.IDLE_SECONDS};url=/kiosk/timeout"' in page.text
    assert page.text.count("<h1") == 1


def test_idle_timeout_ends_and_wipes_the_session(client, db_session, now):
    _sign_in(client)
    assert "/kiosk/progress" in client.get("/kiosk").text
    now[0] += timedelta(seconds=kiosk.IDLE_SECONDS - 20)  # still there: activity keeps it alive
    assert client.get("/kiosk/progress").status_code == 200
    now[0] += timedelta(seconds=kiosk.IDLE_SECONDS - 20)
    assert client.get("/kiosk/progress").status_code == 200
    now[0] += timedelta(seconds=kiosk.IDLE_SECONDS + 1)  # walked away
    r = client.get("/kiosk/progress", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/kiosk?ended=timeout"
    assert db_session.scalar(select(func.count()).select_from(KioskSession)
                             .where(KioskSession.user_id.is_not(None))) == 0
    # the next person at the terminal, with the same browser, sees the card reader only
    page = client.get("/kiosk?ended=timeout")
    assert 'name="id_number"' in page.text and "kiosk-ended" in page.text
    for path in ("/kiosk/progress", "/kiosk/print", "/kiosk/apply", "/kiosk/rate"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/kiosk"


def test_a_session_left_behind_is_gone_when_the_next_person_starts(client, db_session, now):
    _sign_in(client)
    client.cookies.clear()  # the browser closed, nobody asked again
    now[0] += timedelta(seconds=kiosk.IDLE_SECONDS + 1)
    client.get("/kiosk")
    assert db_session.scalar(select(func.count()).select_from(KioskSession)
                             .where(KioskSession.user_id.is_not(None))) == 0


def test_the_pages_own_redirect_wipes_too_and_sign_out_wipes(client, db_session, now):
    _sign_in(client)
    r = client.get("/kiosk/timeout", follow_redirects=False)
    assert r.status_code == 303 and client.get("/kiosk/progress", follow_redirects=False).status_code == 303
    _sign_in(client)
    page = client.get("/kiosk").text
    r = client.post("/kiosk/end", data={"csrf_token": _token(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert db_session.scalar(select(func.count()).select_from(KioskSession)
                             .where(KioskSession.user_id.is_not(None))) == 0


def test_print_progress_apply_and_rate(client, db_session, now):
    scan.scan_batch(db_session, batch_size=10_000)  # the elder's single-child reward is granted and issued
    _sign_in(client)
    printable = client.get("/kiosk/print").text
    number = re.search(r'/kiosk/print/result/([A-Z0-9]+)\.pdf', printable).group(1)
    pdf = client.get(f"/kiosk/print/result/{number}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["cache-control"] == "no-store"
    young_lic = licences.find_active_licence(db_session, YOUNG, "id-card")
    assert client.get(f"/kiosk/print/licence/{young_lic.id}.pdf").status_code == 404  # someone else's
    progress = client.get("/kiosk/progress").text
    assert number in progress
    apply_page = client.get("/kiosk/apply").text
    codes = re.findall(r'action="/kiosk/apply/([a-z0-9-]+)"', apply_page)
    assert codes
    r = client.post(f"/kiosk/apply/{codes[0]}", data={"csrf_token": _token(apply_page)}, follow_redirects=False)
    assert r.status_code == 303, (codes, re.findall(r"<main.*?</main>", r.text, re.S))
    made = r.headers["location"].split("done=")[1]
    app = db_session.scalar(select(Application).where(Application.number == made))
    assert app.matter_code == codes[0] and app.subject_key == ELDER
    assert client.post("/kiosk/apply/company-establishment", data={"csrf_token": _token(apply_page)}).status_code == 404
    rate_page = client.get("/kiosk/rate").text
    assert f'data-number="{number}"' in rate_page
    r = client.post(f"/kiosk/rate/{number}", data={"csrf_token": _token(rate_page), "score": "5"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert f'data-number="{number}"' not in client.get("/kiosk/rate").text
    assert client.post(f"/kiosk/rate/{number}", data={"csrf_token": "forged", "score": "1"}).status_code == 403


def test_kiosk_pages_are_accessible_in_both_languages(client, db_session, now):
    scan.scan_batch(db_session, batch_size=10_000)
    _sign_in(client)
    for lang in ("zh", "en"):
        client.cookies.set("lang", lang)
        for url in ("/kiosk", "/kiosk/print", "/kiosk/progress", "/kiosk/apply", "/kiosk/rate"):
            r = client.get(url)
            assert r.status_code == 200 and check_page(r.text, url) == [], url
            if lang == "en":
                body = re.sub(r"<[^>]+>", " ", re.search(r"<main.*</main>", r.text, re.S).group(0))
                body = re.sub(r"\d+", " ", body)
                assert "请" not in body and "打印" not in body and "评价" not in body, url
