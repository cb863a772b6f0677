"""Idempotency and numbering under real concurrency: a live server, parallel HTTP clients."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from app.matters import content

PASSWORD = "Demo@2026"


def _token(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _create(base, token, key, code="temporary-assistance", form=None):
    body = {"matter_code": code, "form": form if form is not None else content.example_form(code)}
    return httpx.post(f"{base}/api/v1/applications", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})


def test_parallel_same_key_creates_exactly_one_application(live_server):
    token = _token(live_server, "citizen-young")
    key = str(uuid.uuid4())
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda _: _create(live_server, token, key), range(8)))
    statuses = [r.status_code for r in results]
    assert set(statuses) <= {201, 409}, statuses
    numbers = {r.json()["number"] for r in results if r.status_code == 201}
    assert len(numbers) == 1, (numbers, statuses)
    mine = httpx.get(f"{live_server}/api/v1/applications?limit=100",
                     headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert sum(1 for a in mine if a["number"] in numbers) == 1
    # Afterwards every retry replays the same response.
    again = _create(live_server, token, key)
    assert again.status_code == 201 and again.json()["number"] in numbers
    other = _create(live_server, token, key, form={**content.example_form("temporary-assistance"),
                                                   "amount_requested": 1234})
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"


def test_fifty_concurrent_creations_get_fifty_distinct_numbers(live_server):
    token = _token(live_server, "citizen-elder")
    with ThreadPoolExecutor(10) as ex:
        results = list(ex.map(lambda _: _create(live_server, token, str(uuid.uuid4())), range(50)))
    assert [r.status_code for r in results].count(201) == 50, {r.status_code for r in results}
    numbers = [r.json()["number"] for r in results]
    assert len(set(numbers)) == 50
    assert all(n.startswith("XH") and len(n) == 16 for n in numbers)


def test_six_simultaneous_approvals_give_one_decision_and_five_409s(live_server):
    """Six reviewer clicks on one accepted application, each on its own connection: exactly one
    decides; the others lose the race with a 409 conflict, never a 500."""
    import threading

    from tests.services.applications.helpers import apply

    with httpx.Client(base_url=live_server, timeout=120) as http:
        applicant = {"Authorization": f"Bearer {_token(live_server, 'citizen-young')}"}
        civil = {"Authorization": f"Bearer {_token(live_server, 'reviewer-civil')}"}
        number = apply(http, applicant, "temporary-assistance")["number"]
        url = f"/api/v1/applications/{number}/decision"
        assert http.post(url, headers=civil, json={"outcome": "accept", "reasons": []}).status_code == 200
    start = threading.Barrier(6)

    def approve(_):
        with httpx.Client(base_url=live_server, timeout=120) as own:
            start.wait()
            return own.post(url, headers=civil, json={"outcome": "approve", "reasons": ["经核实，符合条件"]})

    with ThreadPoolExecutor(6) as ex:
        answers = list(ex.map(approve, range(6)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409, 409, 409, 409, 409], [(r.status_code, r.text[:120]) for r in answers]
    assert all(r.json()["error"] in ("conflict", "illegal_transition") for r in answers if r.status_code == 409)
    final = httpx.get(f"{live_server}/api/v1/applications/{number}", headers=applicant, timeout=60).json()
    assert final["status"] in ("approved", "issued")
    assert sum(1 for e in final["events"] if e.get("to_status") == "approved") == 1
