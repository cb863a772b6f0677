"""A district's working days, through the real service layer in-process.

Each working day: the back office works its queue (intake, decisions within the promised days,
corrections), results are handed out at the window, completed applications are reviewed (the grade
follows the outcome and the timeliness), bad reviews are contacted and answered; then the day's
arrivals (Poisson, from the catalogue's annual volumes) consult, choose a channel and apply.
Every step is one unit of work committed like a request, at a simulated time on one clock
(`app.core.clock.use`). Random choices come from hashes of (seed, what, who), so the same seed
gives the same district, the same traffic and the same KPIs."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Callable, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import Session, sessionmaker

from app.core.clock import CHINA_TZ, use
from app.core.errors import PortalError
from app.evaluation import rectification
from app.evaluation import service as evaluation
from app.evaluation.models import Complexity, Rectification, Review, ReviewChannel, TicketStatus, Verdict
from app.evaluation.schemas import ReviewCreate
from app.identity.models import User
from app.matters import content
from app.matters import service as matter_service
from app.matters.bundle_forms import bundle_fields
from app.matters.consultation import service as consultation
from app.matters.consultation.query_log import QueryLogWriter
from app.matters.models import Matter
from app.services import flows
from app.services.applications import deadlines, esign, sign_proof
from app.services.applications import bundles
from app.services.applications import service as applications
from app.services.applications.models import Application, Channel, Status
from app.services.applications.uploads import check_upload
from app.services.approval import service as approval
from app.services.window import service as window_service
from app.simulation import population, timing, window_adapter
from app.simulation.population import District
from app.simulation.keys import app_key, chance, key_of, partition, simulated_days, working_days  # noqa: F401 (drivers use some)
from app.simulation.visits import CENTRE, WindowVisits
from app.simulation.visits import load as _load

WORKING_DAYS_PER_YEAR = 250
OPEN = (Status.submitted, Status.resubmitted, Status.accepted, Status.in_review, Status.correction_requested,
        Status.approved)  # approved: a window result waiting to be collected
DONE = (Status.issued, Status.denied, Status.refused)


@dataclass(frozen=True)
class Params:
    """What a run simulates; the what-if knobs have the plan's defaults."""

    days: int  # calendar days from `start` (30: a month); their working days are simulated
    seed: int
    scale: float = 0.004  # of the catalogue's annual volumes (1.0: the whole district, ~2,000 a day)
    start: date = date(2026, 3, 2)
    online_adoption: float = 0.85  # share of online-capable transactions a young adult makes online
    intake_error_rate: float = 0.06  # window intakes that miss a material the back office then asks for
    auto_approval: bool = True
    consult_rate: float = 0.35  # online applicants who ask the smart consultation first
    guide_rate: float = 0.5  # online applicants who read the matter's personal guide first
    bundle_share: float = 0.15  # of the people a bundle's rarest matter serves, those who apply through it
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
    guides: int = 0
    bundles: int = 0  # "one thing" bundle applications (their matters' applications count in submitted)
    decisions: int = 0
    reviews: int = 0
    by_day: list[dict] = field(default_factory=list)


def at(day: date, hour: float) -> datetime:
    """A China-time moment of `day` as the aware datetime the clock hands out."""
    minutes = int(hour * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), CHINA_TZ)


@lru_cache(maxsize=1)
def scan_png() -> bytes:
    """The applicant's scanned material: a small greyscale PNG (drawn once; rendering a PDF with the CJK
    font for it cost a font subset per run and per worker)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (120, 160), 235).save(out, format="PNG")
    return out.getvalue()


def warm_up() -> None:
    """Load once, before worker processes fork, what every worker would otherwise load on its own: the
    form definitions and the consultation index."""
    from app.matters.consultation import engine

    content.load_forms()
    engine.get_index()


RETRIES = 8
T = TypeVar("T")


class Simulation(WindowVisits):
    """One worker's share of the district's traffic (`worker` of `workers`; 0 of 1 does everything).

    Workers run the same days in lock step (`barrier` between the phases of a day); each takes the
    arrivals, applications and tickets whose key falls in its partition, so the KPIs do not depend on
    the number of workers."""

    def __init__(self, sessions: sessionmaker, params: Params, *,
                 on_step: Callable[[str, int], None] | None = None, worker: int = 0, workers: int = 1,
                 barrier=None):
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
        self.proof_pdf = check_upload(scan_png())
        self.worker, self.workers, self.barrier = worker, workers, barrier
        self.timer = timing.Timer()

    # -- the frame ----------------------------------------------------------------------------------
    def _unit(self):
        return self.sessions.begin()

    def _reading(self) -> Session:
        """A session that only reads (on SQLite it takes no write lock), on the run's database."""
        return Session(bind=self.sessions.kw["bind"].execution_options(portal_readonly=True), expire_on_commit=False)

    def _retrying(self, fn: Callable[[Session], T]) -> T:
        """One unit of work, committed like a request (its commit timed as the "commit" step); a lost race
        with another worker (a unique key, a busy database) is retried as a person would retry a 409; a
        step the service refuses (PortalError) propagates."""
        for attempt in range(RETRIES):
            try:
                with self.sessions() as session:
                    session.begin()
                    result = fn(session)
                    with self.timer.step("commit"):
                        session.commit()
                return result
            except (IntegrityError, OperationalError, StaleDataError):
                if attempt == RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def mine(self, key: str) -> bool:
        return self.workers == 1 or partition(key, self.workers) == self.worker

    def sync(self) -> None:
        if self.barrier is not None:
            self.barrier.wait()

    def clock(self) -> datetime:
        return self.now

    def run(self, *, build: bool = True) -> Counters:
        with self.clock_context(), timing.installed(self.timer):
            if build:
                self.build()
            else:
                self.build_records()
            self.load_staff()
            for day in simulated_days(self.p.start, self.p.days):
                self.run_day(day)
            self.query_log.flush()
        return self.counters

    def clock_context(self):
        """The services read the simulator's clock (`app.core.clock.use`)."""
        return use(self.clock)

    def run_build(self) -> None:
        """Only the district's staff and switches (before worker processes load its records and take the days)."""
        with self.clock_context():
            self.build(records=False)

    def build(self, *, records: bool = True) -> None:
        """The district: staff, windows, the what-if switches (one unit), then its government data
        (`build_records`; each worker loads a share when there are several)."""
        with self._unit() as session:
            population.ensure_windows(session, self.district)
            population.create_staff(session, self.district)
            for matter in session.scalars(select(Matter)):
                approval.setting(session, matter.code).enabled = self.p.auto_approval
        if records:
            self.build_records()

    def build_records(self) -> None:
        population.load_government_data(self._unit, self.district, self.worker, self.workers)
        self.sync()
        self.on_step("build", 1)

    def load_staff(self) -> None:
        with self._reading() as session:
            staff = population.staff_of(session, self.district)
            self.reviewers = {code: u.id for code, u in staff["reviewers"].items()}
            self.approvers = {code: u.id for code, u in staff["approvers"].items()}
            self.two_level = {m.code: m.two_level for m in session.scalars(select(Matter))}
            self.officers = {u.window_code: u.id for u in staff["officers"].values()}
            windows = {w.code: w for w in window_service.windows_of(session, CENTRE)}
            self.comprehensive = [c for c in sorted(self.officers) if window_adapter.is_comprehensive(c)]
            self.dedicated = {c: list(windows[c].departments or []) for c in sorted(self.officers)
                              if c in windows and not window_adapter.is_comprehensive(c)}
            self.handout = [c for c in self.comprehensive if c in windows and windows[c].handout] or self.comprehensive[:1]
            self.matters = [(m.code, m.subject, m.annual, m.online, m.window_direct, m.promised_days, list(m.keywords),
                             m.esign, m.department_code, m.name, m.theme_code, m.onsite)
                            for m in session.scalars(select(Matter).order_by(Matter.code))]
            annual = {m[0]: m[2] for m in self.matters}
            self.bundles = [(b.code, b.subject, min(annual[i.matter_code] for i in b.items))
                            for b in matter_service.list_bundles(session) if b.items]

    def run_day(self, day: date) -> None:
        before = self.counters.submitted
        self.now = at(day, 8.5)
        self.back_office(day)
        self.sync()
        self.now = at(day, 9)
        self.rectify(day)
        self.sync()
        self.review(day)
        self.sync()
        self.arrivals(day)
        self.sync()
        self.now = at(day, 17.5)
        self.back_office(day, same_day_only=True)
        self.now = at(day, 18)
        self.book_ahead(day)
        self.query_log.flush()
        self.sync()
        self.counters.by_day.append({"day": day.isoformat(), "submitted": self.counters.submitted - before})
        self.on_step("day", 1)

    # -- back office -----------------------------------------------------------------------------------
    def back_office(self, day: date, same_day_only: bool = False) -> None:
        """Work the queue: what is due today is worked, one unit each. The queue is read as columns and
        only the applications with something to do today are loaded (most wait for a later day)."""
        c = Application
        with self._reading() as session:
            stmt = select(c.id, c.matter_code, c.subject_key, c.created_at, c.status, c.channel, c.accepted_at,
                          c.submitted_at, c.due_date).where(c.status.in_(OPEN)).order_by(c.id)
            if same_day_only:  # on-the-spot matters are decided before the day ends
                stmt = stmt.join(Matter, Matter.code == c.matter_code).where(Matter.promised_days == 0)
            ids = [row[0] for row in session.execute(stmt)
                   if self.mine(key := key_of(*row[1:4])) and self._due_today(key, day, *row[4:])]
        for app_id in ids:
            try:
                # An application accepted (受理) in this pass whose decision is due today is decided in the
                # same pass, as the next request of the same officer: deciding it a pass later would make
                # every application a day late.
                while self._retrying(lambda session: self._work(session, _load(session, app_id), day)):
                    pass
            except PortalError:
                pass  # a step the service refused is not taken (as a person would be told)

    def _due_today(self, key: str, day: date, status: Status, channel: Channel, accepted_at, submitted_at,
                   due_date: date | None) -> bool:
        """Whether `_work` has something to do with this application today (from its columns alone)."""
        if status == Status.approved:
            return channel == Channel.window
        if status == Status.correction_requested:
            return True
        if status == Status.submitted or (status == Status.resubmitted and accepted_at is None):
            return True
        if status not in (Status.accepted, Status.in_review, Status.resubmitted) or due_date is None:
            return False
        return day >= self._planned(key, submitted_at, due_date)

    def _planned(self, key: str, submitted_at: datetime, due_date: date) -> date:
        """The day the back office decides: within the promised days, a few slip past them."""
        submitted = submitted_at.astimezone(CHINA_TZ).date()
        span = max(0, deadlines.working_days_between(submitted, due_date))
        late = chance(self.p.seed, key, "late") < self.p.late_rate
        return deadlines.add_working_days(submitted, int(chance(self.p.seed, key, "when") * (span + 1)) + (2 if late else 0))

    def _work(self, session: Session, app: Application, day: date) -> bool:
        """One step of the back office on `app`; True when it accepted the application and its decision
        is due today (the caller then takes that step too)."""
        # Draws are keyed by the application's events (the steps it has been through), which the services
        # record the same however they batch their writes (its version counts the writes).
        seed, n = self.p.seed, app_key(app)
        if app.status == Status.approved:
            if app.channel == Channel.window:  # the applicant comes to collect the result
                self.collect(session, app)
            return
        if app.status == Status.correction_requested:
            applicant = session.get(User, app.applicant_user_id)
            with self.timer.step("submit"):
                applications.submit(session, app, applicant)
            return
        reviewer = session.get(User, self.reviewers[app.department_code])
        if applications.awaits_intake(app):
            with self.timer.step("decide"):
                if app.channel == Channel.online and chance(seed, n, "intake", len(app.events)) < 0.03:
                    flows.decide(session, app, reviewer, "correction", ["材料不清晰，请重新上传"])
                else:
                    flows.decide(session, app, reviewer, "accept", [])
            self.counters.decisions += 1
            return (app.status in (Status.accepted, Status.in_review, Status.resubmitted) and app.due_date is not None
                    and day >= self._planned(n, app.submitted_at, app.due_date))
        if app.status not in (Status.accepted, Status.in_review, Status.resubmitted) or app.due_date is None:
            return
        if day < self._planned(n, app.submitted_at, app.due_date):
            return
        window_error = (app.channel == Channel.window and not self._corrected(app)
                        and chance(seed, n, "intake-error") < self.p.intake_error_rate)
        u = chance(seed, n, "outcome", len(app.events))  # the step it is at (its events)
        with self.timer.step("decide"):
            if window_error:
                flows.decide(session, app, reviewer, "return_to_window", ["窗口收件时缺少必要材料，请补正"])
            elif u < 0.06:
                self._sign(session, app, reviewer, "deny", ["经审查不符合办理条件"])
            elif u < 0.08 and not self._corrected(app):
                flows.decide(session, app, reviewer, "correction", ["申请表信息与材料不一致，请补正"])
            else:
                self._sign(session, app, reviewer, "approve", [])
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

    # -- reviews and rectification -------------------------------------------------------------------
    def review(self, day: date) -> None:
        """Completed applications are reviewed (read as the columns the grade needs; the review service
        loads the application itself)."""
        since = at(day, 0) - timedelta(days=4)
        c = Application
        with self._reading() as session:
            rows = list(session.execute(
                select(c.id, c.number, c.matter_code, c.subject_key, c.created_at, c.status, c.channel, c.due_date,
                       c.issued_at, c.decided_at, c.updated_at, c.applicant_user_id)
                .outerjoin(Review, Review.application_id == c.id)
                .where(c.status.in_(DONE), c.updated_at >= since, Review.id.is_(None)).order_by(c.id)))
        for row in rows:
            key = app_key(row)
            if not self.mine(key) or chance(self.p.seed, key, "reviews") >= self.p.review_rate:
                continue
            try:
                self._retrying(lambda session: self._review_one(session, row))
                self.counters.reviews += 1
            except PortalError:
                pass

    def _review_one(self, session: Session, app) -> None:
        """`app`: the application's columns (a row)."""
        user = session.get(User, app.applicant_user_id)
        score = self._grade(app)
        window = app.channel == Channel.window
        keys = ("overall", "efficiency", "service_level", "attitude") if window else (
            "overall", "efficiency", "guide_accuracy", "convenience", "usability")
        with self.timer.step("review"):
            evaluation.create_review(session, app.number, user, ReviewCreate(
                score=score, indicators={k: score for k in keys},
                tags=["fast"] if score >= 4 else ["slow"] if score <= 2 else [],
                channel=ReviewChannel.window_pad if window else ReviewChannel.online))

    def _grade(self, app: Application) -> int:
        """Satisfaction follows the outcome and the timeliness."""
        u = chance(self.p.seed, app_key(app), "grade")
        # On time or not by the decision (a window result collected the next morning was not late)
        done = app.decided_at or evaluation.completed_at(app)
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
        with self._reading() as session:
            rows = [(t, d, key_of(m, s, c)) for t, d, m, s, c in session.execute(
                select(Rectification.id, Rectification.department_code, Application.matter_code,
                       Application.subject_key, Application.created_at)
                .join(Review, Review.id == Rectification.review_id)
                .join(Application, Application.id == Review.application_id)
                .where(Rectification.status.in_((TicketStatus.awaiting_contact, TicketStatus.rectifying,
                                                 TicketStatus.verified))).order_by(Rectification.id))]
        for ticket_id, department, key in rows:
            if self.mine(key):
                self._retrying(lambda session: self._rectify_one(session, ticket_id, department, key, day))

    def _rectify_one(self, session: Session, ticket_id: int, department: str, key: str, day: date) -> None:
        ticket = session.get(Rectification, ticket_id)
        user = session.get(User, self.reviewers[department])
        late = chance(self.p.seed, "ticket", key, "late") < self.p.late_rate
        if ticket.status == TicketStatus.awaiting_contact:
            reasonable = chance(self.p.seed, "ticket", key, "verdict") < 0.8
            rectification.contact(session, ticket, user, note="已电话回访申请人",
                                  verdict=Verdict.reasonable if reasonable else Verdict.unreasonable,
                                  complexity=Complexity.simple)
        elif late and day <= ticket.rectify_due:
            return
        elif day >= deadlines.add_working_days(ticket.opened_on, 1 + int(chance(self.p.seed, "ticket", key, "when") * 3)):
            rectification.answer(session, ticket, user, "已核实情况并整改，向申请人说明办理依据")

    # -- arrivals ------------------------------------------------------------------------------------
    def todays(self, day: date) -> list[tuple[float, tuple, int]]:
        """The day's arrivals (Poisson per matter), in order of arrival; the same for every worker."""
        rng = random.Random(f"{self.p.seed}:{day.isoformat()}")
        todays = []
        for matter in self.matters:
            lam = matter[2] * self.p.scale / WORKING_DAYS_PER_YEAR
            todays += [(rng.uniform(9, 17), matter, k) for k in range(_poisson(rng, lam))]
        todays.sort(key=lambda t: (t[0], t[1][0], t[2]))
        return todays

    def plan(self, day: date, matter: tuple, k: int) -> tuple[str, bool, int, Channel]:
        """Who comes for what, and by which channel (a pure function of the seed and the arrival)."""
        code, subject, online = matter[0], matter[1], matter[3]
        tag = f"{day.isoformat()}:{code}:{k}"
        seed = self.p.seed
        enterprise = subject == "enterprise"
        index = self.who(tag, enterprise)
        elderly = not enterprise and population.age_of(self.district, index) >= 65
        adoption = self.p.online_adoption * (0.55 if elderly else 1.05 if enterprise else 1.0)
        channel = Channel.online if online and chance(seed, tag, "channel") < min(adoption, 0.99) else Channel.window
        return tag, enterprise, index, channel

    def who(self, tag: str, enterprise: bool) -> int:
        """The person or enterprise of the district an arrival is (fixed by the seed and the arrival)."""
        return int(chance(self.p.seed, tag, "who") * (self.district.enterprises if enterprise else self.district.persons))

    def arrivals(self, day: date) -> None:
        for hour, matter, k in self.todays(day):
            tag = f"{day.isoformat()}:{matter[0]}:{k}"
            if self.mine(tag):
                self.now = at(day, hour)
                self.apply(day, matter, k)
        for hour, bundle, k in self.todays_bundles(day):
            tag = f"{day.isoformat()}:{bundle[0]}:{k}"
            if self.mine(tag):
                self.now = at(day, hour)
                self.apply_bundle(bundle, tag)

    def todays_bundles(self, day: date) -> list[tuple[float, tuple, int]]:
        """The day's "one thing" applicants (Poisson per bundle): a share of the people its rarest matter
        serves apply for the whole event at once; the same for every worker."""
        rng = random.Random(f"{self.p.seed}:{day.isoformat()}:bundles")
        todays = []
        for bundle in self.bundles:
            lam = self.p.bundle_share * bundle[2] * self.p.scale / WORKING_DAYS_PER_YEAR
            todays += [(rng.uniform(9, 17), bundle, k) for k in range(_poisson(rng, lam))]
        todays.sort(key=lambda t: (t[0], t[1][0], t[2]))
        return todays

    def _account(self, session: Session, enterprise: bool, index: int) -> User:
        return (population.enterprise_account(session, self.district, index) if enterprise
                else population.person_account(session, self.district, index))

    def apply(self, day: date, matter: tuple, k: int) -> None:
        code, name, keywords = matter[0], matter[9], matter[6]
        tag, enterprise, index, channel = self.plan(day, matter, k)
        self.counters.arrivals += 1
        if channel == Channel.online and chance(self.p.seed, tag, "consult") < self.p.consult_rate:
            self.consult(code, name, keywords, tag)
        if channel == Channel.online and chance(self.p.seed, tag, "guide") < self.p.guide_rate:
            self.read_guide(code, tag)
        try:
            if channel == Channel.window:
                self.counters.decisions += self._walk_in(day, matter, tag, enterprise, index)
            else:
                self._online(matter, enterprise, index)
            self.counters.submitted += 1
        except PortalError:  # e.g. a form the government's data cannot complete: the applicant gives up
            self.counters.abandoned += 1

    def _online(self, matter: tuple, enterprise: bool, index: int) -> None:
        """An online application, unit by unit as the applicant's requests go: the draft (numbered,
        pre-filled, materials resolved), then the uploads, the e-signature and the submission."""
        code, esign_needed = matter[0], matter[7]

        def create(session: Session) -> tuple[int, int]:
            user = self._account(session, enterprise, index)
            with self.timer.step("create"):
                app = applications.create_draft(session, matter_code=code, user=user,
                                                form=content.example_form(code), channel=Channel.online)
            return app.id, user.id

        app_id, user_id = self._retrying(create)

        def submit(session: Session) -> None:
            app, user = _load(session, app_id), session.get(User, user_id)
            with self.timer.step("create", count=False):
                for m in applications.missing_materials(app):
                    applications.attach_upload(session, app, m.material_id, self.proof_pdf,
                                               original_name="scan.png", actor=user.username)
            with self.timer.step("submit"):
                if esign_needed:  # the one-time code arrives in the inbox (the simulated SMS)
                    code_text, _ = sign_proof.new_code(session, app, user)
                    esign.sign(session, app, user, sign_proof.Proof(code=code_text))
                applications.submit(session, app, user)

        self._retrying(submit)

    def answers(self, code: str, tag: str) -> dict[str, str]:
        """The applicant's answers to a guide's questions (a matter's or a bundle's)."""
        questions = content.guide_for(code, _catalogue_materials(code)).get("questions", [])
        return {q["id"]: q["options"][int(chance(self.p.seed, tag, "answer", q["id"]) * len(q["options"]))]["value"]
                for q in questions if q.get("options")}

    def read_guide(self, code: str, tag: str) -> None:
        """The personal guide (办事指南): the applicant answers its questions and gets their own
        checklist, as the guide page builds it."""
        content.personal_checklist(code, self.answers(code, tag), _catalogue_materials(code))
        self.counters.guides += 1

    def apply_bundle(self, bundle: tuple, tag: str) -> None:
        """A "one thing" application: the bundle's guide answered, one combined form (shared fields
        once), one upload per material for every matter that asks for it, each matter's summary
        e-signed, one submission creating them all."""
        code, subject = bundle[0], bundle[1]
        enterprise = subject == "enterprise"
        index = self.who(tag, enterprise)
        answers = self.answers(code, tag)
        self.counters.arrivals += 1
        self.counters.guides += 1

        def create(session: Session) -> tuple[str, int]:
            user = self._account(session, enterprise, index)
            chosen, _skipped, _checklist = bundles.plan(session, code, answers)
            form = {key: f.examples[0] for key, f, _codes in bundle_fields(chosen) if not f.prefill and f.examples}
            with self.timer.step("create"):
                ba = bundles.create(session, code, user, form, answers, strict=True)
            return ba.number, user.id

        def submit(session: Session) -> int:
            user = session.get(User, user_id)
            ba, apps = bundles.get_for_user(session, number, user)
            with self.timer.step("create", count=False):
                for name in bundles.pending_uploads(apps):
                    bundles.upload(session, apps, name, self.proof_pdf, original_name="scan.png", actor=user.username)
            with self.timer.step("submit"):
                for app in apps:
                    if matter_service.cached_matter(app.matter_code).esign:
                        code_text, _ = sign_proof.new_code(session, app, user)
                        esign.sign(session, app, user, sign_proof.Proof(code=code_text))
                bundles.submit(session, ba, apps, user)
            return len(apps)

        try:
            number, user_id = self._retrying(create)
            self.counters.submitted += self._retrying(submit)
            self.counters.bundles += 1
        except PortalError:
            self.counters.abandoned += 1

    def consult(self, code: str, name: str, keywords: list[str], tag: str) -> None:
        """The applicant asks in plain words; the answer is judged helpful if it names their matter."""
        words = keywords or [name]
        question = words[int(chance(self.p.seed, tag, "question") * len(words))]
        answer, ref = consultation.ask(None, question, channel="simulator", query_log=self.query_log)
        top = answer.results[0].matter_code if answer.results else None
        self._retrying(lambda session: consultation.record_feedback(session, ref, top == code, self.query_log))
        self.counters.consultations += 1


@lru_cache(maxsize=None)
def _catalogue_materials(code: str) -> tuple[tuple[str, str, str], ...]:
    """A matter's or a bundle's catalogue materials as the guide takes them (name, source, English name)."""
    cat = content.catalogue()
    codes = cat["bundles"][code]["matters"] if code in cat["bundles"] else [code]
    return tuple((m.name, m.source, m.name_en) for c in codes for m in matter_service.cached_matter(c).materials)


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
