"""Every GET route without parameters × every demo account (and nobody) → the designed status,
and no page or JSON shows a full ID number (found by its GB 11643 check digit) outside the
owner's own profile.

The table below is the design: a new route fails this test until it is placed in it. Routes
with an object in the path (an application, a document...) are in test_access_matrix.py.
"""
from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.identity.validation import id_check_digit
from tests.conftest import bearer, web_login

PERSONS = {"citizen-elder", "citizen-young", "citizen-nodata"}
APPLICANTS = PERSONS | {"enterprise-demo"}
REVIEWERS = {"reviewer-civil", "reviewer-amr"}
WINDOW = {"window-officer"}
EVALUATOR = {"evaluator"}
ADMIN = {"admin"}
STAFF = REVIEWERS | WINDOW | EVALUATOR | ADMIN
USERS = sorted(APPLICANTS | STAFF)
EVERYONE = object()  # anonymous too
SIGNED_IN = set(USERS)

# route -> who gets 200 (the others get 403; nobody gets 401 on the API and the login page on pages)
DESIGN: dict[str, object] = {
    "/": EVERYONE, "/bundles": EVERYONE, "/consultation": EVERYONE, "/docs": EVERYONE,
    "/evaluation/ranking": EVERYONE, "/healthz": EVERYONE, "/help": EVERYONE, "/login": EVERYONE,
    "/matters": EVERYONE, "/readyz": EVERYONE, "/service-map": EVERYONE, "/verify": EVERYONE,
    "/api/v1/bundles": EVERYONE, "/api/v1/matters": EVERYONE, "/api/v1/service-points": EVERYONE,
    "/api/v1/window/centres": EVERYONE, "/api/v1/service-map/outline": EVERYONE,
    "/api/v1/service-points.geojson": EVERYONE, "/kiosk": EVERYONE, "/ticket": EVERYONE,
    "/api/v1/me": SIGNED_IN, "/me": SIGNED_IN, "/api/v1/me/inbox": SIGNED_IN, "/me/inbox": SIGNED_IN,
    "/api/v1/me/licences": SIGNED_IN, "/me/licences": SIGNED_IN,
    "/api/v1/applications": APPLICANTS, "/api/v1/me/appointments": APPLICANTS, "/api/v1/me/offers": APPLICANTS,
    "/me/applications": APPLICANTS, "/me/appointments": APPLICANTS, "/me/data-access": APPLICANTS,
    "/api/v1/enterprise/policies": {"enterprise-demo"}, "/enterprise": {"enterprise-demo"},
    "/enterprise/policies": {"enterprise-demo"}, "/enterprise/seal": {"enterprise-demo"},
    "/api/v1/review/applications": REVIEWERS, "/api/v1/review/inbox": REVIEWERS, "/review": REVIEWERS, "/rectifications": REVIEWERS,
    "/api/v1/rectifications": REVIEWERS | EVALUATOR | ADMIN,
    "/api/v1/approval/post-checks": REVIEWERS | ADMIN, "/approval/post-checks": REVIEWERS | ADMIN,
    "/api/v1/window/applications": WINDOW, "/api/v1/window/appointments": WINDOW,
    "/api/v1/window/handout": WINDOW, "/staff/window-officer": WINDOW, "/window/lookup": WINDOW,
    "/window": WINDOW, "/window/appointments": WINDOW, "/window/handout": WINDOW, "/window/intake": WINDOW,
    "/window/dashboard": WINDOW | EVALUATOR | ADMIN,
    "/api/v1/window/figures": WINDOW | EVALUATOR | ADMIN,
    "/api/v1/evaluation/reviews": EVALUATOR | ADMIN, "/api/v1/evaluation/stats": EVALUATOR | ADMIN,
    "/api/v1/evaluation/stats.csv": EVALUATOR | ADMIN, "/evaluation": EVALUATOR | ADMIN,
    "/evaluation/reviews": EVALUATOR | ADMIN, "/kpis": EVALUATOR | ADMIN,
    "/api/v1/approval/stats": EVALUATOR | ADMIN, "/admin/approval-stats": EVALUATOR | ADMIN,
    "/admin": ADMIN, "/admin/approval": ADMIN, "/admin/consultation": ADMIN, "/admin/datahub": ADMIN,
    "/admin/jobs": ADMIN, "/admin/seals": ADMIN, "/api/v1/admin/users": ADMIN,
    "/api/v1/approval/models": ADMIN, "/api/v1/seals": ADMIN,
    "/admin/proactive": ADMIN, "/api/v1/admin/proactive/reach": ADMIN,
}
# Not crawled: they end the session, redirect by design, or need a query to mean anything.
ASIDE = {"/logout": "ends the session", "/api/v1/auth/logout": "revokes the token",
         "/home": "redirects everyone to their role's home (tests/identity/test_homes.py)",
         "/api/v1/consultation": "needs q= (tests/matters/consultation)",
         **dict.fromkeys(["/kiosk/apply", "/kiosk/print", "/kiosk/progress", "/kiosk/rate", "/kiosk/timeout"],
                         "a terminal's own session, not the site's (tests/kiosk)")}
# Where a person's own full ID number may be shown: their own profile, and their own applications'
# form data through the API. Anyone else's full number is a leak everywhere.
OWN_ID_VIEWS = {"/me", "/api/v1/me", "/api/v1/applications"}
ID_RE = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx])(?![0-9])")


def _routes(app) -> set[str]:
    def walk(routes):
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            else:
                yield r
    return {r.path for r in walk(app.routes)  # (routes under /__ are added by tests, e.g. a crash route)
            if isinstance(r, APIRoute) and "GET" in r.methods and "{" not in r.path and not r.path.startswith("/__")}


def full_id_numbers(text: str) -> set[str]:
    return {m for m in ID_RE.findall(text) if id_check_digit(m[:17]) == m[17].upper()}


def _expected(path: str, user: str | None) -> int:
    allowed = DESIGN[path]
    if allowed is EVERYONE or (user and user in allowed):
        return 200
    if user is None:
        return 401 if path.startswith("/api/") else 303
    return 403


def test_every_parameterless_get_route_is_in_the_design(app):
    routes = _routes(app)
    assert routes - DESIGN.keys() - ASIDE.keys() == set(), "new routes: add them to DESIGN"
    assert DESIGN.keys() - routes == set(), "routes in DESIGN that no longer exist"


@pytest.mark.parametrize("user", [None, *USERS], ids=lambda u: u or "anonymous")
def test_each_account_gets_the_designed_status_and_no_full_id_number(app, client, user):
    browser = TestClient(app, base_url="http://testserver")
    if user:
        web_login(browser, user)
    headers = bearer(client, user) if user else {}
    own = {browser.get("/api/v1/me", headers=headers).json().get("id_number")} if user else set()
    wrong, leaks = [], []
    for path in sorted(DESIGN):
        r = browser.get(path, headers=headers if path.startswith("/api/") else {}, follow_redirects=False)
        if r.status_code != _expected(path, user):
            wrong.append(f"{path}: {r.status_code}, designed {_expected(path, user)}")
        shown = full_id_numbers(r.text)
        if shown - own or (shown and path not in OWN_ID_VIEWS):
            leaks.append(path)
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login"), (path, r.headers["location"])
    assert wrong == []
    assert leaks == [], f"full ID numbers shown on {leaks}"


def test_own_profile_shows_only_the_owners_own_number(client):
    web_login(client, "citizen-young")
    me = client.get("/api/v1/me", headers=bearer(client, "citizen-young")).json()
    page = client.get("/me").text
    shown = full_id_numbers(page)
    assert shown and shown <= {me["id_number"]}


def test_the_scanner_finds_a_valid_number_and_ignores_a_wrong_check_digit():
    first17 = "31010419550101002"
    good = first17 + id_check_digit(first17)
    bad = first17 + ("0" if good[-1] != "0" else "1")
    assert full_id_numbers(f"号码 {good} 结束") == {good}
    assert full_id_numbers(f"号码 {bad} 结束") == set()
    assert full_id_numbers(f"{good}9") == set()  # part of a longer number


def test_staff_lists_mask_the_numbers_their_detail_views_show(client, auth, db_session):
    """A list is not a detail view: the department's queue and inbox and the window's list show the
    applicant's number masked; the application itself shows it to the staff who may open it."""
    from tests.services.applications.helpers import apply, take_in_at_window

    owner = auth("citizen-young")
    number = apply(client, owner, "temporary-assistance")["number"]
    take_in_at_window(db_session, number)
    own = client.get("/api/v1/me", headers=owner).json()["id_number"]
    civil, officer = auth("reviewer-civil"), auth("window-officer")
    detail = client.get(f"/api/v1/applications/{number}", headers=civil)
    assert own in full_id_numbers(detail.text)
    for path, headers in (("/api/v1/review/applications", civil), ("/api/v1/review/inbox", civil),
                          ("/api/v1/window/applications", officer)):
        r = client.get(path, headers=headers)
        assert r.status_code == 200 and number in r.text, path
        assert full_id_numbers(r.text) == set(), path
