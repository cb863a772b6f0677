"""The front-desk pages (TestClient): the desk and queue, walk-in intake, kiosk and display, hand-out,
appointments and the dashboard, with the bad input each must explain."""
import io
import re

from sqlalchemy import select

from app.identity import service as identity
from app.identity.models import Role, User
from app.services.applications.models import Application
from app.services.window import appointments
from app.services.window import service as window_service
from app.services.window.models import Appointment, QueueTicket, WindowIntake
from tests.conftest import PASSWORD, csrf_from, web_login
from tests.services.applications.helpers import decide, tiny_pdf

YOUNG_ID = "310104199606121013"
YOUNG_MASKED = "310104********1013"


def _post(client, page_url, action, data=None, files=None, **kw):
    """Post a form found on page_url with that page's CSRF token."""
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**(data or {}), "csrf_token": token}, files=files, follow_redirects=False, **kw)


def _number(response) -> str:
    m = re.search(r"/window/intake/([A-Z]{2}\d{14})", response.headers["location"])
    assert m, response.headers.get("location")
    return m.group(1)


def _identified(client, id_number=YOUNG_ID):
    return _post(client, "/window/intake", "/window/intake/identify", {"id_number": id_number})


def _start(client, matter="temporary-assistance"):
    page = _identified(client)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="applicant" value="([^"]+)"', page.text).group(1)
    form_token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    data = {"applicant": token, "matter_code": matter, "form_token": form_token, "csrf_token": csrf_from(page.text)}
    return client.post("/window/intake", data=data, follow_redirects=False), data


def test_the_desk_is_the_window_officers_home(client):
    web_login(client, "window-officer")
    assert client.get("/home", follow_redirects=False).headers["location"] == "/window"
    page = client.get("/window")
    assert page.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", page.text) == ["窗口工作台"]
    assert "综合受理窗口1" in page.text and "徐汇区行政服务中心" in page.text
    assert 'href="/window/intake"' in page.text and 'href="/window/handout"' in page.text


def test_citizens_and_reviewers_cannot_open_the_desk(client):
    assert client.get("/window", follow_redirects=False).status_code == 303  # not logged in: to the login
    web_login(client, "citizen-young")
    for path in ("/window", "/window/intake", "/window/handout", "/window/appointments"):
        assert client.get(path).status_code == 403, path
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/me").text)})
    web_login(client, "reviewer-civil")
    assert client.get("/window").status_code == 403
