"""Appointment capacity under real concurrency: a live server, many applicants booking the last
places of one slot at the same moment, each on its own connection — never more bookings than places,
the others a 409, never a 500."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity import service as identity
from app.identity.models import Role
from app.identity.validation import id_check_digit
from app.services.window import appointments
from app.services.window.models import Appointment, AppointmentStatus

PASSWORD = "Demo@2026"
PEOPLE = 6


def _people(engine) -> list[str]:
    """Six committed applicants with valid, unique ID numbers."""
    names = []
    with Session(engine) as s, s.begin():
        for i in range(PEOPLE):
            r = uuid.uuid4().int
            body = f"310104198{i}0{r % 9 + 1}1{r // 10 % 10}{r // 100 % 1000:03d}"  # region, birth date, sequence
            assert len(body) == 17
            username = f"booker-{uuid.uuid4().hex[:8]}"
            identity.create_user(s, username=username, password=PASSWORD, role=Role.applicant_person,
                                 full_name=f"预约人{i}", id_number=body + id_check_digit(body))
            names.append(username)
    return names


def test_more_bookers_than_places_get_exactly_the_capacity(live_server, engine):
    users = _people(engine)
    day = appointments.bookable_days()[-1].isoformat()
    with httpx.Client(base_url=live_server, timeout=60) as http:
        slot = next(s for s in http.get(f"/api/v1/window/centres/LHL/slots?day={day}").json()["slots"] if s["left"] > 0)
        tokens = [http.post("/api/v1/auth/token", data={"username": u, "password": PASSWORD}).json()["access_token"]
                  for u in users]
    places = slot["left"]
    start = threading.Barrier(PEOPLE)
    body = {"matter_code": "e-bike-registration", "centre_code": "LHL", "day": day, "start": slot["start"]}

    def book(token):
        with httpx.Client(base_url=live_server, timeout=60) as own:
            start.wait()
            return own.post("/api/v1/appointments", json=body, headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(PEOPLE) as ex:
        answers = list(ex.map(book, tokens))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * places + [409] * (PEOPLE - places), [(r.status_code, r.text[:100]) for r in answers]
    with Session(engine) as s:
        booked = s.scalars(select(Appointment).where(Appointment.centre_code == "LHL", Appointment.day == appointments.bookable_days()[-1],
                                                     Appointment.start == slot["start"],
                                                     Appointment.status == AppointmentStatus.booked)).all()
        assert len(booked) == slot["capacity"]
    with httpx.Client(base_url=live_server, timeout=60) as http:
        after = next(s for s in http.get(f"/api/v1/window/centres/LHL/slots?day={day}").json()["slots"]
                     if s["start"] == slot["start"])
    assert after["left"] == 0
