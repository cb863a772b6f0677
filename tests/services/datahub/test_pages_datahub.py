"""Who used my data; switching a data source off."""
import re

from tests.conftest import csrf_from, web_login
from tests.services.applications.helpers import create


def test_applicant_sees_who_read_their_data(client, auth):
    app = create(client, auth("citizen-young"), "flexible-employment").json()
    web_login(client, "citizen-young")
    page = client.get("/me/data-access")
    assert page.status_code == 200 and app["number"] in page.text and "人口库" in page.text
    # who read it, by name (the applicant's own reads here), not by login name
    assert re.search(r"<td><span data-proper-name[^>]*>李明</span></td>", page.text)
    assert "citizen-young" not in page.text.split("<main", 1)[1]


def test_admin_switches_a_source_off_and_prefill_stops(client, auth):
    web_login(client, "admin")
    page = client.get("/admin/datahub")
    r = client.post("/admin/datahub/population", data={"available": "0", "csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303 and "不可用" in client.get("/admin/datahub").text
    form = {**__import__("app.matters.content", fromlist=["x"]).example_form("flexible-employment"),
            "household_address": "上海市徐汇区宜山路700弄5号"}
    app = create(client, auth("citizen-young"), "flexible-employment", form=form).json()
    assert "household_address" not in app["prefilled"]


def test_applicant_cannot_switch_sources(client):
    web_login(client, "citizen-young")
    assert client.get("/admin/datahub").status_code == 403
