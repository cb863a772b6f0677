"""Applications in every state the pages show, and each role's main pages (shared by the
language and the axe-core checks)."""
from __future__ import annotations

import httpx
import pytest

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
        "reviewer-amr": ["/review", "/rectifications"],
        "window-officer": ["/window", "/window/intake", "/window/handout", "/window/appointments",
                           "/window/dashboard", "/ticket/XH", "/display/XH"],
        "evaluator": ["/evaluation", "/evaluation/reviews", "/evaluation/ranking", "/kpis", "/window/dashboard"],
        "admin": ["/admin", "/evaluation", "/admin/datahub", "/admin/approval", "/admin/proactive", "/admin/jobs",
                  "/admin/seals", "/admin/consultation", "/kpis"],
    }[username]


ACCOUNTS = ["citizen-young", "citizen-elder", "citizen-nodata", "enterprise-demo", "reviewer-civil",
            "reviewer-amr", "window-officer", "evaluator", "admin"]
