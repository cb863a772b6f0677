"""The visits to the district centre: walk-ins taken in at a window (前台综合受理), results collected at
a hand-out window (统一窗口出件), appointments booked the evening before for on-site matters — all
through the window service (`take_in`, the queue's tickets, `hand_out`) and the appointments service."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.core.errors import PortalError
from app.identity.models import User
from app.matters import content
from app.services import flows
from app.services.applications import esign, sign_proof
from app.services.applications import service as applications
from app.services.applications.models import Application, Channel, Status
from app.services.window import appointments, queue
from app.services.window import service as window_service
from app.services.window.models import Appointment, AppointmentStatus
from app.simulation import window_adapter
from app.simulation.keys import app_key, chance, working_days

CENTRE = "XH"  # the district centre, where the simulated windows are


_LOAD = select(Application).where(Application.id == bindparam("id"))


def load(session: Session, app_id: int) -> Application:
    """An application with its materials and events (what the steps read), as the portal's requests
    load it (`applications._load`: built-once statements, the collections set as loaded)."""
    app = session.scalar(_LOAD, {"id": app_id})
    loaded = inspect(app).dict
    if "materials" not in loaded:
        set_committed_value(app, "materials", list(session.scalars(applications._LOAD_MATERIALS, {"id": app_id})))
    if "events" not in loaded:
        set_committed_value(app, "events", list(session.scalars(applications._LOAD_EVENTS, {"id": app_id})))
    return app


class WindowVisits:
    """Mixed into `traffic.Simulation` (which supplies the district, the staff, the timer and `chance`)."""

    def collect(self, session: Session, app: Application) -> None:
        """统一出件: a 取号 for collecting, called to a hand-out window, the result handed out (window service)."""
        officer = session.get(User, self.officers[self.handout[int(chance(self.p.seed, app_key(app), "handout")
                                                                        * len(self.handout))]])
        with self.timer.step("collect"):
            queue.take_ticket(session, CENTRE, "handout")
            called = queue.call_next(session, officer)
            window_service.hand_out(session, officer, app.number, collected_by=app.applicant_name)
            if called is not None:
                queue.finish(session, officer, called.id)

    def book_ahead(self, day: date) -> None:
        """预约: tomorrow's on-site visitors who book a slot the evening before (appointments service).
        A full slot or a second booking that day: they come without one (it changes no KPI)."""
        following = working_days(day + timedelta(days=1), 1)[0]
        for hour, matter, k in self.todays(following):
            tag = f"{following.isoformat()}:{matter[0]}:{k}"
            if not matter[11] or not self.mine(tag) or chance(self.p.seed, tag, "book") >= 0.5:
                continue
            tag, enterprise, index, channel = self.plan(following, matter, k)
            if channel != Channel.window:
                continue
            first = min(range(len(appointments.STARTS)),
                        key=lambda i: abs(self._hours(appointments.STARTS[i]) - hour))
            for start in appointments.STARTS[first:]:
                try:
                    self._retrying(lambda session: appointments.book(
                        session, self._account(session, enterprise, index), matter_code=matter[0],
                        centre_code=CENTRE, day=following, start=start))
                    break
                except PortalError:
                    continue

    def _walk_in(self, day: date, matter: tuple, tag: str, enterprise: bool, index: int) -> int:
        """前台综合受理 through the window service, unit by unit as the centre's requests go: 取号 (with the
        appointment if booked) and called to a window; taken in; materials scanned, signed by the
        applicant, submitted and accepted at the desk — a window_direct matter at a comprehensive window
        decided there (当场办结); the result handed out at once and the number finished. Returns the
        staff decisions taken at the desk."""
        code, window_direct, esign_needed, department, theme = matter[0], matter[4], matter[7], matter[8], matter[10]
        seed = self.p.seed
        dedicated = [c for c, depts in self.dedicated.items() if not depts or department in depts]
        pool = dedicated if dedicated and chance(seed, tag, "desk") >= 0.85 else self.comprehensive
        officer_id = self.officers[pool[int(chance(seed, tag, "officer") * len(pool))]]

        def called_to_window(session: Session) -> tuple[int, int | None]:
            user = self._account(session, enterprise, index)
            with self.timer.step("create"):
                booked = session.scalar(select(Appointment.id).where(
                    Appointment.active_key == f"{user.id}:{day.isoformat()}",
                    Appointment.status == AppointmentStatus.booked, Appointment.matter_code == code))
                queue.take_ticket(session, CENTRE, theme, appointment_id=booked)
                called = queue.call_next(session, session.get(User, officer_id))  # our own number
            return user.id, called.id if called is not None else None

        user_id, ticket_id = self._retrying(called_to_window)

        def take_in(session: Session) -> int:
            user, officer = session.get(User, user_id), session.get(User, officer_id)
            with self.timer.step("create", count=False):
                return window_service.take_in(session, officer, matter_code=code,
                                              applicant_id_number=user.uscc or user.id_number,
                                              form=content.example_form(code)).id

        app_id = self._retrying(take_in)

        def at_the_desk(session: Session) -> tuple[int, bool]:
            app, user, officer = load(session, app_id), session.get(User, user_id), session.get(User, officer_id)
            with self.timer.step("create", count=False):
                for m in applications.missing_materials(app):
                    applications.attach_upload(session, app, m.material_id, self.proof_pdf,
                                               original_name="scan.png", actor=officer.username)
            with self.timer.step("submit"):
                if esign_needed:  # the applicant signs from their own account (code to their phone)
                    code_text, _ = sign_proof.new_code(session, app, user)
                    esign.sign(session, app, user, sign_proof.Proof(code=code_text))
                applications.submit(session, app, officer)
            decisions = 0
            if applications.awaits_intake(app):
                with self.timer.step("decide"):
                    flows.decide(session, app, officer, "accept", [])
                    decisions += 1
                    if window_direct and window_adapter.is_comprehensive(officer.window_code):
                        flows.decide(session, app, officer, "approve", [])
                        decisions += 1
            return decisions, app.status == Status.approved and window_direct

        decisions, ready = self._retrying(at_the_desk)

        def leaves(session: Session) -> None:
            if ready:
                self.collect(session, load(session, app_id))
            if ticket_id is not None:
                queue.finish(session, session.get(User, officer_id), ticket_id)

        if ready or ticket_id is not None:
            self._retrying(leaves)
        return decisions

    @staticmethod
    def _hours(hhmm: str) -> float:
        h, m = hhmm.split(":")
        return int(h) + int(m) / 60



