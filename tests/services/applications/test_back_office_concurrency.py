"""Two reviewers deciding the same application at once, each on its own connection (a live server,
committed sessions): one decision stands, the other answers 409, never 500. SQLite by default,
PostgreSQL when PORTAL_TEST_DATABASE_URL is set."""
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.services.applications.helpers import apply
from tests.services.applications.test_concurrency import _token


def _race(base, url, bodies_by_token):
    start = threading.Barrier(len(bodies_by_token))

    def post(item):
        token, body = item
        with httpx.Client(base_url=base, timeout=120) as own:
            start.wait()
            return own.post(url, headers={"Authorization": f"Bearer {token}"}, json=body)

    with ThreadPoolExecutor(len(bodies_by_token)) as ex:
        return list(ex.map(post, bodies_by_token))


def test_two_reviewers_deciding_at_once_one_wins_one_409(live_server):
    with httpx.Client(base_url=live_server, timeout=120) as http:
        applicant = {"Authorization": f"Bearer {_token(live_server, 'citizen-young')}"}
        civil, civil2 = _token(live_server, "reviewer-civil"), _token(live_server, "reviewer-civil-2")
        number = apply(http, applicant, "temporary-assistance")["number"]
        url = f"/api/v1/applications/{number}/decision"
        r = http.post(url, headers={"Authorization": f"Bearer {civil}"}, json={"outcome": "accept", "reasons": []})
        assert r.status_code == 200, r.text
        answers = _race(live_server, url, [(civil, {"outcome": "approve", "reasons": ["符合条件"]}),
                                           (civil2, {"outcome": "deny", "reasons": ["不符合条件"]})])
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [(a.status_code, a.text[:200]) for a in answers]
        winner = next(a for a in answers if a.status_code == 200).json()
        final = http.get(f"/api/v1/applications/{number}", headers=applicant).json()
        assert final["decision"]["by"] == winner["decision"]["by"]
        assert final["decision"]["outcome"] == winner["decision"]["outcome"]


def test_two_level_concurrent_opinion_and_approval(live_server):
    """审核 and an impatient 审批 at the same moment: either the opinion lands and the approval was too
    early (409 review_opinion_required), or both are serialised — never two decisions, never a 500."""
    with httpx.Client(base_url=live_server, timeout=120) as http:
        applicant = {"Authorization": f"Bearer {_token(live_server, 'citizen-young')}"}
        civil, civil2 = _token(live_server, "reviewer-civil"), _token(live_server, "reviewer-civil-2")
        number = apply(http, applicant, "minimum-living-allowance")["number"]
        url = f"/api/v1/applications/{number}/decision"
        assert http.post(url, headers={"Authorization": f"Bearer {civil}"},
                         json={"outcome": "accept", "reasons": []}).status_code == 200
        answers = _race(live_server, url, [
            (civil, {"outcome": "review", "opinion": "approve", "reasons": ["符合条件"]}),
            (civil2, {"outcome": "review", "opinion": "deny", "reasons": ["收入超标"]})])
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [(a.status_code, a.text[:200]) for a in answers]
        final = http.get(f"/api/v1/applications/{number}", headers=applicant).json()
        assert final["status"] == "in_review" and final["decision"] is None
        assert sum(e["action"] == "review_opinion" for e in final["events"]) == 1
