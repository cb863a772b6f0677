"""The front-desk pages pass the structural accessibility checks, in Chinese and in English (no
Chinese left on English pages but people's names)."""
import re

from lxml import html as lhtml

from app.services.window import appointments
from tests.conftest import csrf_from, web_login
from tests.test_accessibility import check_page

HAN = re.compile(r"[\u4e00-\u9fff]+")
NAMES = {"李明", "陈静"}  # people's names stay as they are


def _main_text(text: str) -> str:
    return " ".join(lhtml.fromstring(text).xpath("//main")[0].itertext())


def _pages(client) -> list[str]:
    day = appointments.bookable_days()[0].isoformat()
    urls = ["/ticket", "/ticket/XH", "/display/XH"]
    r = client.post("/ticket/XH/ticket", data={"group": "handout", "csrf_token": csrf_from(client.get("/ticket/XH").text)},
                    follow_redirects=False)
    urls.append(r.headers["location"])
    return urls + [f"/matters/e-bike-registration/appointment?centre=XH&day={day}"]


def _officer_pages(client) -> list[str]:
    page = client.get("/window/intake")
    r = client.post("/window/intake/identify", data={"id_number": "310104199606121013",
                                                      "csrf_token": csrf_from(page.text)})
    token = re.search(r'name="applicant" value="([^"]+)"', r.text).group(1)
    form_token = re.search(r'name="form_token" value="([^"]+)"', r.text).group(1)
    made = client.post("/window/intake", data={"applicant": token, "matter_code": "temporary-assistance",
                                               "form_token": form_token, "csrf_token": csrf_from(r.text)},
                       follow_redirects=False)
    return ["/window", "/window/intake", made.headers["location"].split("?")[0], "/window/handout",
            "/window/appointments", "/window/dashboard"]


def _check(client, urls, english: bool):
    problems = []
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        problems += check_page(r.text, url)
        if english:
            left = set(HAN.findall(_main_text(r.text))) - NAMES
            if left:
                problems.append(f"{url}: Chinese on the English page: {sorted(left)[:5]}")
    return problems


def test_public_and_applicant_window_pages(client):
    urls = _pages(client)
    assert _check(client, urls, english=False) == []
    client.cookies.set("lang", "en")
    assert _check(client, urls, english=True) == []
    web_login(client, "citizen-young")
    assert _check(client, ["/me/appointments"], english=True) == []


def test_officer_pages(client):
    web_login(client, "window-officer")
    urls = _officer_pages(client)
    assert _check(client, urls, english=False) == []
    client.cookies.set("lang", "en")
    assert _check(client, urls, english=True) == []
    r = client.post("/window/intake/identify", data={"id_number": "310104199606121013",
                                                      "csrf_token": csrf_from(client.get("/window/intake").text)})
    assert check_page(r.text, "identified") == []
    assert set(HAN.findall(_main_text(r.text))) - NAMES == set()
