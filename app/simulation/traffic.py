"""A district's working days, through the real service layer in-process.

Each working day: the back office works its queue (intake, decisions within the promised days,
corrections), results are handed out at the window, completed applications are reviewed (the grade
follows the outcome and the timeliness), bad reviews are contacted and answered; then the day's
arrivals (Poisson, from the catalogue's annual volumes) consult, choose a channel and apply.
Every step is one unit of work committed like a request, at a simulated time on one clock
(`app.core.clock.use`). Random choices come from hashes of (seed, what, who), so the same seed
gives the same district, the same traffic and the same KPIs."""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.core.clock import CHINA_TZ, use
from app.core.errors import PortalError
from app.evaluation import rectification
from app.evaluation import service as evaluation
from app.evaluation.models import Complexity, Rectification, Review, ReviewChannel, TicketStatus, Verdict
from app.evaluation.schemas import ReviewCreate
from app.identity.models import User
from app.matters import content
from app.matters.consultation import service as consultation
from app.matters.consultation.query_log import QueryLogWriter
from app.matters.models import Matter
from app.services import flows
from app.services.applications import deadlines, esign, sign_proof
from app.services.applications import service as applications
from app.services.applications.models import Application, Channel, Status
from app.services.applications.uploads import check_upload
from app.services.approval import service as approval
from app.services.seals import pdf as seal_pdf
from app.simulation import population, window_adapter
from app.simulation.population import District

WORKING_DAYS_PER_YEAR = 250
OPEN = (Status.submitted, Status.resubmitted, Status.accepted, Status.in_review, Status.correction_requested)
DONE = (Status.issued, Status.denied, Status.refused)


@dataclass(frozen=True)
class Params:
    """What a run simulates; the what-if knobs have the plan's defaults."""

    days: int
    seed: int
    scale: float = 0.004  # of the catalogue's annual volumes (1.0: the whole district, ~2,000 a day)
    start: date = date(2026, 3, 2)
    online_adoption: float = 0.85  # share of online-capable transactions a young adult makes online
    intake_error_rate: float = 0.06  # window intakes that miss a material the back office then asks for
    auto_approval: bool = True
    consult_rate: float = 0.35  # online applicants who ask the smart consultation first
    review_rate: float = 0.7  # completed applications that get a review
    late_rate: float = 0.04  # decisions and rectification answers that slip past their deadline
    comprehensive_windows: int = 9
    dedicated_windows: int = 2


@dataclass
class Counters:
    arrivals: int = 0
    submitted: int = 0
    abandoned: int = 0
    consultations: int = 0
    decisions: int = 0
    reviews: int = 0
    by_day: list[dict] = field(default_factory=list)


def chance(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) fixed by the seed and the parts (no state to carry)."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def working_days(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if deadlines.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def at(day: date, hour: float) -> datetime:
    """A China-time moment of `day` as the aware datetime the clock hands out."""
    minutes = int(hour * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), CHINA_TZ)


class Simulation:
    def __init__(self, sessions: sessionmaker, params: Params, *,
                 on_step: Callable[[str, int], None] | None = None):
        self.sessions = sessions
        self.p = params
        self.district = District(seed=params.seed, start=params.start,
                                 persons=max(200, int(40000 * params.scale)),
                                 enterprises=max(40, int(6000 * params.scale)),
                                 comprehensive_windows=params.comprehensive_windows,
                                 dedicated_windows=params.dedicated_windows)
        self.now = at(params.start, 8)
        self.on_step = on_step or (lambda _what, _n: None)
        self.counters = Counters()
        self.query_log = QueryLogWriter(sessions)
        self.proof_pdf = check_upload(seal_pdf.render_summary_pdf("材料", "SIM", [("材料 Material", "scan")]))

    # -- the frame ----------------------------------------------------------------------------------
    def _unit(self):
        return self.sessions.begin()

    def clock(self) -> datetime:
        return self.now

    def run(self) -> Counters:
        with use(self.clock):
            self.build()
            for day in working_days(self.p.start, self.p.days):
                self.run_day(day)
            self.query_log.flush()
        return self.counters

    def build(self) -> None:
        """The district: government data, staff, the what-if switches."""
        with self._unit() as session:
            population.load_government_data(session, self.district)
            staff = population.create_staff(session, self.district)
            for matter in session.scalars(select(Matter)):
                approval.setting(session, matter.code).enabled = self.p.auto_approval
        self.reviewers = {code: u.id for code, u in staff["reviewers"].items()}
        self.approvers = {code: u.id for code, u in staff["approvers"].items()}
        self.officers = [u.id for u in staff["officers"].values()]
        self.comprehensive = [u.id for code, u in staff["officers"].items() if window_adapter.is_comprehensive(code)]
        self.dedicated = [u.id for code, u in staff["officers"].items() if not window_adapter.is_comprehensive(code)]
        with self.sessions() as session:
            self.two_level = {m.code: m.two_level for m in session.scalars(select(Matter))}
            self.matters = [(m.code, m.subject, m.annual, m.online, m.window_direct, m.promised_days, list(m.keywords),
                             m.esign, m.department_code, m.name)
                            for m in session.scalars(select(Matter).order_by(Matter.code))]
        self.on_step("build", 1)

    def run_day(self, day: date) -> None:
        before = self.counters.submitted
        self.now = at(day, 8.5)
        self.back_office(day)
        self.now = at(day, 9)
        self.rectify(day)
        self.review(day)
        self.arrivals(day)
        self.now = at(day, 17.5)
        self.back_office(day, same_day_only=True)
        self.counters.by_day.append({"day": day.isoformat(), "submitted": self.counters.submitted - before})
        self.on_step("day", 1)

    # -- back office -----------------------------------------------------------------------------------
    def back_office(self, day: date, same_day_only: bool = False) -> None:
        with self.sessions() as session:
            stmt = select(Application.id).where(Application.status.in_(OPEN)).order_by(Application.id)
            if same_day_only:  # on-the-spot matters are decided before the day ends
                stmt = stmt.join(Matter, Matter.code == Application.matter_code).where(Matter.promised_days == 0)
            ids = list(session.scalars(stmt))
        for app_id in ids:
            try:
                with self._unit() as session:
                    self._work(session, _load(session, app_id), day)
            except PortalError:
                pass  # a step the service refused is not taken (as a person would be told)

    def _work(self, session: Session, app: Application, day: date) -> None:
        seed, n = self.p.seed, app.number
        if app.status == Status.correction_requested:
            applicant = session.get(User, app.applicant_user_id)
            applications.submit(session, app, applicant)
            return
        reviewer = session.get(User, self.reviewers[app.department_code])
        if applications.awaits_intake(app):
            if app.channel == Channel.online and chance(seed, n, "intake", app.version) < 0.03:
                flows.decide(session, app, reviewer, "correction", ["材料不清晰，请重新上传"])
            else:
                flows.decide(session, app, reviewer, "accept", [])
            self.counters.decisions += 1
            return
        if app.status not in (Status.accepted, Status.in_review, Status.resubmitted) or app.due_date is None:
            return
        span = max(0, deadlines.working_days_between(app.submitted_at.astimezone(CHINA_TZ).date(), app.due_date))
        late = chance(seed, n, "late") < self.p.late_rate
        planned = deadlines.add_working_days(app.submitted_at.astimezone(CHINA_TZ).date(),
                                             int(chance(seed, n, "when") * (span + 1)) + (2 if late else 0))
        if day < planned:
            return
        window_error = (app.channel == Channel.window and not self._corrected(app)
                        and chance(seed, n, "intake-error") < self.p.intake_error_rate)
        u = chance(seed, n, "outcome", app.version)
        if window_error:
            flows.decide(session, app, reviewer, "return_to_window", ["窗口收件时缺少必要材料，请补正"])
        elif u < 0.06:
            self._sign(session, app, reviewer, "deny", ["经审查不符合办理条件"])
        elif u < 0.08 and not self._corrected(app):
            flows.decide(session, app, reviewer, "correction", ["申请表信息与材料不一致，请补正"])
        else:
            self._sign(session, app, reviewer, "approve", [])
            window_adapter.hand_out(session, app, self._officer(session, app))
        self.counters.decisions += 1

    def _sign(self, session: Session, app: Application, reviewer: User, outcome: str, reasons: list[str]) -> None:
        """The decision; a two-level matter (审核/审批) is reviewed by the reviewer and decided by the approver."""
        if self.two_level.get(app.matter_code):
            flows.decide(session, app, reviewer, "review", reasons, opinion=outcome)
            reviewer = session.get(User, self.approvers[app.department_code])
        flows.decide(session, app, reviewer, outcome, reasons)

    @staticmethod
    def _corrected(app: Application) -> bool:
        return any(e.action in ("request_correction", "return_to_window") for e in app.events)

    def _officer(self, session: Session, app: Application) -> User:
        return session.get(User, self.officers[int(chance(self.p.seed, app.number, "handout") * len(self.officers))])

    # -- reviews and rectification -------------------------------------------------------------------
    def review(self, day: date) -> None:
        since = at(day, 0) - timedelta(days=4)
        with self.sessions() as session:
            rows = list(session.execute(
                select(Application.id, Application.number).outerjoin(Review, Review.application_id == Application.id)
                .where(Application.status.in_(DONE), Application.updated_at >= since, Review.id.is_(None))
                .order_by(Application.id)))
        for app_id, number in rows:
            if chance(self.p.seed, number, "reviews") >= self.p.review_rate:
                continue
            try:
                with self._unit() as session:
                    app = _load(session, app_id)
                    user = session.get(User, app.applicant_user_id)
                    score = self._grade(app)
                    window = app.channel == Channel.window
                    keys = ("overall", "efficiency", "service_level", "attitude") if window else (
                        "overall", "efficiency", "guide_accuracy", "convenience", "usability")
                    evaluation.create_review(session, number, user, ReviewCreate(
                        score=score, indicators={k: score for k in keys},
                        tags=["fast"] if score >= 4 else ["slow"] if score <= 2 else [],
                        channel=ReviewChannel.window_pad if window else ReviewChannel.online))
                    self.counters.reviews += 1
            except PortalError:
                pass

    def _grade(self, app: Application) -> int:
        """Satisfaction follows the outcome and the timeliness."""
        u = chance(self.p.seed, app.number, "grade")
        done = evaluation.completed_at(app)
        late = app.due_date is not None and done is not None and done.astimezone(CHINA_TZ).date() > app.due_date
        if app.status == Status.issued and not late:
            weights = (0.55, 0.32, 0.08, 0.03, 0.02)
        elif app.status == Status.issued:
            weights = (0.2, 0.3, 0.25, 0.15, 0.1)
        else:  # denied or refused
            weights = (0.1, 0.2, 0.3, 0.25, 0.15)
        for grade, w in zip((5, 4, 3, 2, 1), weights):
            if u < w:
                return grade
            u -= w
        return 1

    def rectify(self, day: date) -> None:
        with self.sessions() as session:
            rows = list(session.execute(select(Rectification.id, Rectification.department_code).where(
                Rectification.status.in_((TicketStatus.awaiting_contact, TicketStatus.rectifying,
                                          TicketStatus.verified))).order_by(Rectification.id)))
        for ticket_id, department in rows:
            with self._unit() as session:
                ticket = session.get(Rectification, ticket_id)
                user = session.get(User, self.reviewers[department])
                late = chance(self.p.seed, "ticket", ticket_id, "late") < self.p.late_rate
                if ticket.status == TicketStatus.awaiting_contact:
                    reasonable = chance(self.p.seed, "ticket", ticket_id, "verdict") < 0.8
                    rectification.contact(session, ticket, user, note="已电话回访申请人",
                                          verdict=Verdict.reasonable if reasonable else Verdict.unreasonable,
                                          complexity=Complexity.simple)
                elif late and day <= ticket.rectify_due:
                    continue
                elif day >= deadlines.add_working_days(ticket.opened_on, 1 + int(
                        chance(self.p.seed, "ticket", ticket_id, "when") * 3)):
                    rectification.answer(session, ticket, user, "已核实情况并整改，向申请人说明办理依据")

    # -- arrivals ------------------------------------------------------------------------------------
    def arrivals(self, day: date) -> None:
        rng = random.Random(f"{self.p.seed}:{day.isoformat()}")
        todays = []
        for matter in self.matters:
            lam = matter[2] * self.p.scale / WORKING_DAYS_PER_YEAR
            todays += [(rng.uniform(9, 17), matter, k) for k in range(_poisson(rng, lam))]
        todays.sort(key=lambda t: t[0])
        for hour, matter, k in todays:
            self.now = at(day, hour)
            self.apply(day, matter, k)

    def apply(self, day: date, matter: tuple, k: int) -> None:
        code, subject, _annual, online, window_direct, _promised, keywords, esign_needed, _dept, name = matter
        tag = f"{day.isoformat()}:{code}:{k}"
        seed = self.p.seed
        self.counters.arrivals += 1
        enterprise = subject == "enterprise"
        index = int(chance(seed, tag, "who") * (self.district.enterprises if enterprise else self.district.persons))
        elderly = not enterprise and population.age_of(self.district, index) >= 65
        adoption = self.p.online_adoption * (0.55 if elderly else 1.05 if enterprise else 1.0)
        channel = Channel.online if online and chance(seed, tag, "channel") < min(adoption, 0.99) else Channel.window
        if channel == Channel.online and chance(seed, tag, "consult") < self.p.consult_rate:
            self.consult(code, name, keywords, tag)
        try:
            with self._unit() as session:
                user = (population.enterprise_account(session, self.district, index) if enterprise
                        else population.person_account(session, self.district, index))
                officer = None
                if channel == Channel.window:
                    pool = self.comprehensive if chance(seed, tag, "desk") < 0.85 or not self.dedicated else self.dedicated
                    officer = session.get(User, pool[int(chance(seed, tag, "officer") * len(pool))])
                app = applications.create_draft(
                    session, matter_code=code, user=user, form=content.example_form(code), channel=channel,
                    actor=officer.username if officer else None, window_code=officer.window_code if officer else None)
                for m in applications.missing_materials(app):
                    applications.attach_upload(session, app, m.material_id, self.proof_pdf, original_name="scan.pdf",
                                               actor=officer.username if officer else user.username)
                if esign_needed:  # the one-time code arrives in the inbox (the simulated SMS)
                    code_text, _ = sign_proof.new_code(session, app, user)
                    esign.sign(session, app, user, sign_proof.Proof(code=code_text))
                applications.submit(session, app, user)
                self.counters.submitted += 1
                if officer is not None and window_direct and applications.awaits_intake(app) \
                        and window_adapter.is_comprehensive(officer.window_code):
                    window_adapter.on_the_spot(session, app, officer)
        except PortalError:  # e.g. a form the government's data cannot complete: the applicant gives up
            self.counters.abandoned += 1

    def consult(self, code: str, name: str, keywords: list[str], tag: str) -> None:
        """The applicant asks in plain words; the answer is judged helpful if it names their matter."""
        words = keywords or [name]
        question = words[int(chance(self.p.seed, tag, "question") * len(words))]
        answer, ref = consultation.ask(None, question, channel="simulator", query_log=self.query_log)
        top = answer.results[0].matter_code if answer.results else None
        with self._unit() as session:
            consultation.record_feedback(session, ref, top == code, self.query_log)
        self.counters.consultations += 1


def _load(session: Session, app_id: int) -> Application:
    return session.scalar(select(Application).where(Application.id == app_id).options(
        selectinload(Application.materials), selectinload(Application.events)))


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (lam is small: one matter, one day)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam ** 0.5)))
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
