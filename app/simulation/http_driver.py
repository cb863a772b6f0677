"""The same traffic through a running portal's JSON API (`portal simulate --http URL`): the simulator
becomes a load generator and an end-to-end check of the API.

What goes over HTTP: consultation and its feedback, the personal guide page, "one thing" bundle
applications (one combined form, uploads, each summary signed, one submit), online applications (create with an
Idempotency-Key, materials, the applicant's e-signature with their password, submit), walk-ins (a
kiosk ticket, the officer's "call next", 前台受理 `POST /window/applications`, materials, the
applicant's signature, submission and acceptance at the desk, on-the-spot decisions), back-office
decisions, hand-out at the window, reviews and the rectification of bad reviews.

What does not: the district itself. The API has no way to register an account or load government
data, so the district's datahub records, staff and applicants' accounts are written to the database
directly (`--http` needs the server's database as `PORTAL_DATABASE_URL`, or `--database-url`), as
they exist before the simulated period begins; everyone then logs in through `POST /api/v1/auth/token`
with their password. The simulator also reads that database to find the day's work (which
applications wait for a decision, which are done), as a department's worklist would.

The server keeps its own clock (the wall clock): the simulated days run back to back on the server's
today, so decisions are taken on the next back-office pass rather than on a planned day, no deadline
passes, and appointments (booked for a later day) are not made. The run is not reproducible (the
server's time and numbers are its own); the in-process run is the reproducible one."""
from __future__ import annotations

import json
import logging
import re
import time
from collections import OrderedDict
from datetime import date

import httpx
from contextlib import nullcontext
from sqlalchemy import select

from app.core.db import read_session
from app.identity import service as identity
from app.matters import content
from app.evaluation.models import Rectification, TicketStatus
from app.identity.models import User
from app.services.applications.models import Application, Channel, Status
from app.simulation import population, window_adapter
from app.simulation.traffic import CENTRE, Simulation, chance

TOKENS_KEPT = 500
CODE_RE = re.compile(r"code for signing \S+ is (\d{6})")
log = logging.getLogger("portal.simulate.http")


class ApiError(Exception):
    pass


class HttpSimulation(Simulation):
    def __init__(self, sessions, params, *, base_url: str, **kw):
        super().__init__(sessions, params, **kw)
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=120)
        self.tokens: OrderedDict[str, str] = OrderedDict()
        self.requests = 0

    # -- HTTP ---------------------------------------------------------------------------------------
    def token(self, username: str) -> str:
        """Staff log in with their password (`POST /api/v1/auth/token`); the district's applicants get a
        token minted in the shared database (what the token endpoint stores), which spares the server a
        password hash per resident (they would each log in once: it is a registration-day cost)."""
        if username in self.tokens:
            self.tokens.move_to_end(username)
            return self.tokens[username]
        if username.startswith(("sim-p", "sim-e")):
            self.tokens[username] = self._setup(lambda session: identity.issue_token(
                session, identity.get_by_username(session, username), "simulator"))
        else:
            r = self.http.post("/api/v1/auth/token", data={"username": username, "password": population.PASSWORD})
            self._check(r, "login")
            self.tokens[username] = r.json()["access_token"]
        if len(self.tokens) > TOKENS_KEPT:
            self.tokens.popitem(last=False)
        return self.tokens[username]

    def call(self, method: str, url: str, who: str | None = None, **kw) -> dict | list | None:
        headers = kw.pop("headers", {})
        if who:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        for attempt in range(5):
            r = self.http.request(method, url, headers=headers, **kw)
            self.requests += 1
            if r.status_code not in (409, 429, 503) or attempt == 4:
                break
            time.sleep(0.05 * (attempt + 1))  # a lost race or a busy server: retry as a client would
        self._check(r, f"{method} {url}")
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else None

    @staticmethod
    def _check(r: httpx.Response, what: str) -> None:
        if r.status_code >= 400:
            raise ApiError(f"{what}: {r.status_code} {r.text[:300]}")

    def _setup(self, fn):
        """District set-up in the database (accounts before the period begins): one short unit."""
        with self._unit() as session:
            return fn(session)

    def _user(self, user_id: int) -> User:
        with read_session() as session:
            return session.get(User, user_id)

    # -- the steps, over HTTP -----------------------------------------------------------------------
    def clock_context(self):
        return nullcontext()  # the server keeps the wall clock; so does this side of the run

    def _sign(self, number: str, who: str) -> None:
        """The applicant's e-signature with a one-time code sent to their inbox (the simulated SMS)."""
        self.call("POST", f"/api/v1/applications/{number}/sign/code", who)
        inbox = self.call("GET", "/api/v1/me/inbox", who, params={"limit": 20})
        code = next(m for m in (CODE_RE.search(i["body_en"]) for i in inbox["items"]
                                if i["application_number"] == number) if m).group(1)
        self.call("POST", f"/api/v1/applications/{number}/sign", who, json={"code": code})

    def book_ahead(self, day: date) -> None:
        return None  # the server books for its own later days only (see the module docstring)

    def consult(self, code: str, name: str, keywords: list[str], tag: str) -> None:
        words = keywords or [name]
        question = words[int(chance(self.p.seed, tag, "question") * len(words))]
        answer = self.call("GET", "/api/v1/consultation", params={"q": question, "limit": 5})
        top = answer["results"][0]["matter_code"] if answer["results"] else None
        if answer.get("query_id"):
            self.call("POST", "/api/v1/consultation/feedback", json={"query_id": answer["query_id"],
                                                                      "helpful": top == code})
        self.counters.consultations += 1

    def read_guide(self, code: str, tag: str) -> None:
        answers = self.answers(code, tag)
        r = self.http.get(f"/matters/{code}/guide", params={**answers, "answered": "1"})
        self.requests += 1
        self._check(r, f"GET /matters/{code}/guide")
        self.counters.guides += 1

    def apply_bundle(self, bundle: tuple, tag: str) -> None:
        """The bundle's API: one combined form, uploads once per material, each summary signed, one submit."""
        code, enterprise = bundle[0], bundle[1] == "enterprise"
        index = self.who(tag, enterprise)
        answers = self.answers(code, tag)
        self.counters.arrivals += 1
        self.counters.guides += 1
        try:
            user = self._setup(lambda session: self._account(session, enterprise, index))
            detail = self.call("GET", f"/api/v1/bundles/{code}")
            form = {k: p["examples"][0] for k, p in detail["form_schema"]["properties"].items()
                    if not p.get("readOnly") and p.get("examples")}
            with self.timer.step("create"):
                ba = self.call("POST", f"/api/v1/bundles/{code}/applications", user.username,
                               json=json.loads(json.dumps({"form": form, "answers": answers}, default=str)))
                for name in ba["pending_uploads"]:
                    self.call("POST", f"/api/v1/bundle-applications/{ba['number']}/materials", user.username,
                              data={"material_name": name},
                              files={"file": ("scan.png", self.proof_pdf.content, "image/png")})
            with self.timer.step("submit"):
                for a in ba["applications"]:
                    if self._esign_needed(a["matter_code"]):
                        self._sign(a["number"], user.username)
                submitted = self.call("POST", f"/api/v1/bundle-applications/{ba['number']}/submit", user.username)
            self.counters.submitted += len(submitted["applications"])
            self.counters.bundles += 1
        except ApiError as e:
            self.counters.abandoned += 1
            log.warning("abandoned bundle %s: %s", tag, e)

    def _esign_needed(self, matter_code: str) -> bool:
        return next(m[7] for m in self.matters if m[0] == matter_code)

    def apply(self, day: date, matter: tuple, k: int) -> None:
        code, name, keywords = matter[0], matter[9], matter[6]
        tag, enterprise, index, channel = self.plan(day, matter, k)
        self.counters.arrivals += 1
        if channel == Channel.online and chance(self.p.seed, tag, "consult") < self.p.consult_rate:
            self.consult(code, name, keywords, tag)
        if channel == Channel.online and chance(self.p.seed, tag, "guide") < self.p.guide_rate:
            self.read_guide(code, tag)
        try:
            user = self._setup(lambda session: self._account(session, enterprise, index))
            if channel == Channel.window:
                self.counters.decisions += self._walk_in_http(user, matter, tag)
            else:
                self._online_http(user, matter, tag)
            self.counters.submitted += 1
        except ApiError as e:
            self.counters.abandoned += 1
            if self.counters.abandoned <= 3:  # say why (the first few): a refused request is news over HTTP
                log.warning("abandoned %s: %s", tag, e)

    def _materials(self, app: dict, number: str, who: str) -> None:
        for m in app["materials"]:
            if m["required"] and m["status"] == "missing":
                self.call("POST", f"/api/v1/applications/{number}/materials/{m['id']}", who,
                          files={"file": ("scan.png", self.proof_pdf.content, "image/png")})

    def _online_http(self, user: User, matter: tuple, tag: str) -> None:
        code, esign_needed = matter[0], matter[7]
        with self.timer.step("create"):
            app = self.call("POST", "/api/v1/applications", user.username, json={"matter_code": code, "form": _form(code)},
                            headers={"Idempotency-Key": f"sim-{self.p.seed}-{tag}"})
            self._materials(app, app["number"], user.username)
        with self.timer.step("submit"):
            if esign_needed:
                self._sign(app["number"], user.username)
            self.call("POST", f"/api/v1/applications/{app['number']}/submit", user.username)

    def _walk_in_http(self, user: User, matter: tuple, tag: str) -> int:
        code, window_direct, esign_needed, department, theme = matter[0], matter[4], matter[7], matter[8], matter[10]
        dedicated = [c for c, depts in self.dedicated.items() if not depts or department in depts]
        pool = dedicated if dedicated and chance(self.p.seed, tag, "desk") >= 0.85 else self.comprehensive
        window = pool[int(chance(self.p.seed, tag, "officer") * len(pool))]
        officer = self._user(self.officers[window]).username
        with self.timer.step("create"):
            self.call("POST", "/api/v1/window/tickets", json={"centre_code": CENTRE, "group": theme})
            called = self.call("POST", "/api/v1/window/queue/next", officer)
            app = self.call("POST", "/api/v1/window/applications", officer,
                            json={"matter_code": code, "applicant_id_number": user.uscc or user.id_number,
                                  "form": _form(code)})
            number = app["number"]
            self._materials(app, number, officer)
        with self.timer.step("submit"):
            if esign_needed:
                self._sign(number, user.username)
            app = self.call("POST", f"/api/v1/applications/{number}/submit", officer)
        decisions = 0
        if app["status"] in ("submitted", "resubmitted"):
            with self.timer.step("decide"):
                app = self._decide(number, officer, "accept")
                decisions += 1
                if window_direct and window_adapter.is_comprehensive(window):
                    app = self._decide(number, officer, "approve")
                    decisions += 1
        if app["status"] == "approved" and window_direct:
            self._collect(number, app["applicant_name"])
        if called:
            self.call("POST", f"/api/v1/window/tickets/{called['id']}/finish", officer, json={"served": True})
        return decisions

    def _decide(self, number: str, who: str, outcome: str, reasons: list[str] | None = None) -> dict:
        return self.call("POST", f"/api/v1/applications/{number}/decision", who,
                         json={"outcome": outcome, "reasons": reasons or []})

    def _sign_http(self, number: str, reviewer: str, department: str, matter: str, outcome: str,
                   reasons: list[str]) -> None:
        """A two-level matter (审核/审批): the reviewer's opinion, then the approver's decision."""
        if self.two_level.get(matter):
            self.call("POST", f"/api/v1/applications/{number}/decision", reviewer,
                      json={"outcome": "review", "opinion": outcome, "reasons": reasons})
            reviewer = self._user(self.approvers[department]).username
        self._decide(number, reviewer, outcome, reasons)

    def _collect(self, number: str, name: str) -> None:
        officer = self._user(self.officers[self.handout[int(chance(self.p.seed, number, "handout")
                                                                * len(self.handout))]]).username
        with self.timer.step("collect"):
            self.call("POST", "/api/v1/window/tickets", json={"centre_code": CENTRE, "group": "handout"})
            called = self.call("POST", "/api/v1/window/queue/next", officer)
            self.call("POST", f"/api/v1/window/handout/{number}", officer, json={"collected_by": name})
            if called:
                self.call("POST", f"/api/v1/window/tickets/{called['id']}/finish", officer, json={"served": True})

    def back_office(self, day: date, same_day_only: bool = False) -> None:
        with read_session() as session:
            rows = list(session.execute(select(Application.number, Application.status, Application.channel,
                                               Application.department_code, Application.applicant_user_id,
                                               Application.version, Application.accepted_at, Application.matter_code)
                                        .where(Application.status.in_(
                                            (Status.submitted, Status.resubmitted, Status.accepted,
                                             Status.in_review, Status.correction_requested, Status.approved)))
                                        .order_by(Application.id)))
        for number, status, channel, department, applicant_id, version, accepted_at, matter in rows:
            if not self.mine(number):
                continue
            intake = status == Status.submitted or (status == Status.resubmitted and accepted_at is None)
            try:
                self._work_http(number, status, channel, department, applicant_id, version, intake, matter)
            except ApiError:
                pass  # refused by the server: the step is not taken

    def _work_http(self, number, status, channel, department, applicant_id, version, intake, matter) -> None:
        seed = self.p.seed
        if status == Status.approved:
            if channel == Channel.window:
                self._collect(number, "")
            return
        if status == Status.correction_requested:
            with self.timer.step("submit"):
                self.call("POST", f"/api/v1/applications/{number}/submit", self._user(applicant_id).username)
            return
        reviewer = self._user(self.reviewers[department]).username
        with self.timer.step("decide"):
            if intake:
                if status == Status.submitted and channel == Channel.online and chance(seed, number, "intake", version) < 0.03:
                    self._decide(number, reviewer, "correction", ["材料不清晰，请重新上传"])
                else:
                    self._decide(number, reviewer, "accept")
            elif channel == Channel.window and status == Status.accepted \
                    and chance(seed, number, "intake-error") < self.p.intake_error_rate:
                self._decide(number, reviewer, "return_to_window", ["窗口收件时缺少必要材料，请补正"])
            elif chance(seed, number, "outcome", version) < 0.06:
                self._sign_http(number, reviewer, department, matter, "deny", ["经审查不符合办理条件"])
            else:
                self._sign_http(number, reviewer, department, matter, "approve", [])
        self.counters.decisions += 1

    def review(self, day: date) -> None:
        from app.evaluation.models import Review

        with read_session() as session:
            rows = list(session.execute(select(Application.number, Application.applicant_user_id, Application.channel,
                                               Application.status)
                                        .outerjoin(Review, Review.application_id == Application.id)
                                        .where(Application.status.in_((Status.issued, Status.denied, Status.refused)),
                                               Review.id.is_(None)).order_by(Application.id)))
        for number, applicant_id, channel, status in rows:
            if not self.mine(number) or chance(self.p.seed, number, "reviews") >= self.p.review_rate:
                continue
            u = chance(self.p.seed, number, "grade")
            score = (5 if u < 0.55 else 4 if u < 0.87 else 3 if u < 0.95 else 2 if u < 0.98 else 1) \
                if status == Status.issued else (4 if u < 0.3 else 3 if u < 0.6 else 2 if u < 0.85 else 1)
            keys = ("overall", "efficiency", "service_level", "attitude") if channel == Channel.window else (
                "overall", "efficiency", "guide_accuracy", "convenience", "usability")
            try:
                with self.timer.step("review"):
                    self.call("POST", f"/api/v1/applications/{number}/review", self._user(applicant_id).username,
                              json={"score": score, "indicators": {k: score for k in keys},
                                    "channel": "window_pad" if channel == Channel.window else "online"})
                self.counters.reviews += 1
            except ApiError:
                pass

    def rectify(self, day: date) -> None:
        with read_session() as session:
            rows = list(session.execute(select(Rectification.id, Rectification.department_code, Rectification.status)
                                        .where(Rectification.status.in_((TicketStatus.awaiting_contact,
                                                                         TicketStatus.rectifying,
                                                                         TicketStatus.verified)))
                                        .order_by(Rectification.id)))
        for ticket_id, department, status in rows:
            if not self.mine(str(ticket_id)):
                continue
            reviewer = self._user(self.reviewers[department]).username
            try:
                if status == TicketStatus.awaiting_contact:
                    verdict = "reasonable" if chance(self.p.seed, "ticket", ticket_id, "verdict") < 0.8 else "unreasonable"
                    self.call("POST", f"/api/v1/rectifications/{ticket_id}/contact", reviewer,
                              json={"note": "已电话回访申请人", "verdict": verdict, "complexity": "simple"})
                else:
                    self.call("POST", f"/api/v1/rectifications/{ticket_id}/answer", reviewer,
                              json={"answer": "已核实情况并整改，向申请人说明办理依据"})
            except ApiError:
                pass

    def run(self, *, build: bool = True):
        try:
            return super().run(build=build)
        finally:
            self.http.close()


def _form(code: str) -> dict:
    """The catalogue's example form, as JSON (dates as ISO strings)."""
    return json.loads(json.dumps(content.example_form(code), default=str))
