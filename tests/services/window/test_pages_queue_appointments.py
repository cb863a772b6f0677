"""Kiosk, display and queue pages; appointment pages (book, reschedule, cancel, the officer's day list);
the staff dashboard reading the service's figures."""
import re
from datetime import timedelta

from sqlalchemy import select

from app.core.db import utcnow
from app.services.window import appointments
from app.services.window import service as window_service
from app.services.window.models import Appointment, AppointmentStatus, QueueTicket
from tests.conftest import csrf_from, web_login


def _post(client, page_url, action, data=None):
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def _ticket(client, group="assistance", centre="XH"):
    r = _post(client, f"/ticket/{centre}", f"/ticket/{centre}/ticket", {"group": group})
    assert r.status_code == 303, r.text[:500]
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_kiosk_ticket_called_served_and_shown_on_the_display(client, db_session):
    page = client.get("/ticket/XH")
    assert page.status_code == 200 and "领取办理结果" in page.text
    bad = _post(client, "/ticket/XH", "/ticket/XH/ticket", {"group": "nonsense"})
    assert bad.status_code == 422 and "请选择办事类别" in bad.text
    assert client.get("/ticket/NOPE").status_code == 404
    first = _ticket(client)
    second = _ticket(client)
    ticket = db_session.get(QueueTicket, first)
    ticket.taken_at = utcnow() - timedelta(minutes=12)
    db_session.flush()
    shown = client.get(f"/ticket/XH/tickets/{second}")
    assert db_session.get(QueueTicket, second).number in shown.text and "您前面还有 1 人" in shown.text

    web_login(client, "window-officer")
    desk = client.get("/window").text
    assert ticket.number in desk and "12 分钟" in desk
    r = _post(client, "/window", "/window/call-next")
    assert r.headers["location"] == "/window?done=called"
    desk = client.get("/window").text
    assert 'id="serving"' in desk and ticket.number in desk
    display = client.get("/display/XH")
    assert display.status_code == 200 and ticket.number in display.text and "综合受理窗口1" in display.text
    # Refreshed by a same-origin script (CSP: no inline script), with a <noscript> meta as the fallback.
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in display.text
    assert 'data-refresh-seconds="10"' in display.text
    assert re.findall(r"<script[^>]*>", display.text) == ['<script src="/static/js/auto-refresh.js" defer>']
    r = _post(client, "/window", f"/window/tickets/{first}/served")
    assert r.status_code == 303 and db_session.get(QueueTicket, first).status.value == "served"
    assert _post(client, "/window", f"/window/tickets/{first}/served").status_code == 404  # twice: not served again
    _post(client, "/window", "/window/call-next")
    assert _post(client, "/window", f"/window/tickets/{second}/no-show").status_code == 303
    assert db_session.get(QueueTicket, second).status.value == "no_show"
    assert _post(client, "/window", "/window/call-next").headers["location"] == "/window?done=none"


def test_booking_rescheduling_and_cancelling_from_my_appointments(client, db_session):
    web_login(client, "citizen-young")
    days = appointments.bookable_days()
    page = client.get(f"/matters/e-bike-registration/appointment?centre=XJH&day={days[3].isoformat()}")
    assert page.status_code == 200 and "余 2/2" in page.text and "每个时段可约 2 人" in page.text
    url = "/matters/e-bike-registration/appointment"
    r = _post(client, url, url, {"centre": "XJH", "day": days[3].isoformat()})
    assert r.status_code == 422 and "请选择时段" in r.text
    r = _post(client, url, url, {"centre": "XJH", "day": "2020-01-01", "start": "09:00"})
    assert r.status_code == 422 and "30天内的工作日" in r.text
    r = _post(client, url, url, {"centre": "XJH", "day": days[3].isoformat(), "start": "09:00"})
    assert r.status_code == 303 and r.headers["location"] == "/me/appointments?done=booked"
    again = _post(client, url, url, {"centre": "XJH", "day": days[3].isoformat(), "start": "09:30"})
    assert again.status_code == 409 and "您当天已有预约" in again.text
    mine = client.get("/me/appointments").text
    appt = db_session.scalar(select(Appointment).where(Appointment.day == days[3], Appointment.centre_code == "XJH"))
    assert appointments.code_of(appt) in mine and "09:00" in mine
    assert 'href="/me/appointments"' in client.get("/me").text
    # reschedule: the old booking goes, the new one holds
    rurl = f"/me/appointments/{appt.id}/reschedule"
    assert "余 1/2" in client.get(f"{rurl}?centre=XJH&day={days[3].isoformat()}").text
    r = _post(client, rurl, rurl, {"centre": "XJH", "day": days[4].isoformat(), "start": "14:00"})
    assert r.status_code == 303, r.text[:800]
    db_session.expire_all()
    assert db_session.get(Appointment, appt.id).status == AppointmentStatus.cancelled
    new = db_session.scalar(select(Appointment).where(Appointment.day == days[4], Appointment.status == AppointmentStatus.booked))
    assert new.start == "14:00"
    r = _post(client, "/me/appointments", f"/me/appointments/{new.id}/cancel")
    assert r.status_code == 303
    db_session.expire_all()
    assert db_session.get(Appointment, new.id).status == AppointmentStatus.cancelled
    # a matter that needs no visit says so
    assert "无需预约" in client.get("/matters/temporary-assistance/appointment").text


def test_a_full_slot_is_shown_and_refused(client, db_session):
    from app.identity.models import User

    day = appointments.bookable_days()[5]
    for username in ("citizen-elder", "citizen-nodata"):
        user = db_session.scalar(select(User).where(User.username == username))
        appointments.book(db_session, user, matter_code="e-bike-registration", centre_code="TLQ", day=day, start="10:00")
    db_session.flush()
    web_login(client, "citizen-young")
    url = "/matters/e-bike-registration/appointment"
    assert "已约满" in client.get(f"{url}?centre=TLQ&day={day.isoformat()}").text
    r = _post(client, url, url, {"centre": "TLQ", "day": day.isoformat(), "start": "10:00"})
    assert r.status_code == 409 and "该时段已约满" in r.text


def test_officer_day_list_no_show_and_kiosk_by_booking_code(client, db_session):
    from app.core.clock import china_today
    from app.identity.models import User

    young = db_session.scalar(select(User).where(User.username == "citizen-young"))
    today = china_today()
    # a booking for today (booked earlier): made directly, as booking today is closed
    slot = appointments._slot(db_session, "XH", today, "09:00", 4)
    appt = Appointment(slot_id=slot.id, centre_code="XH", day=today, start="09:00",
                       matter_code="e-bike-registration", user_id=young.id, active_key=f"{young.id}:{today}")
    elder = db_session.scalar(select(User).where(User.username == "citizen-elder"))
    other = Appointment(slot_id=slot.id, centre_code="XH", day=today, start="09:00",
                        matter_code="e-bike-registration", user_id=elder.id, active_key=f"{elder.id}:{today}")
    db_session.add_all([appt, other])
    db_session.flush()
    bad = _post(client, "/ticket/XH", "/ticket/XH/appointment", {"code": f"{appt.id}-0000"})
    assert bad.status_code == 422 and "预约码不正确" in bad.text
    r = _post(client, "/ticket/XH", "/ticket/XH/appointment", {"code": appointments.code_of(appt)})
    assert r.status_code == 303
    ticket = db_session.get(QueueTicket, int(r.headers["location"].rsplit("/", 1)[1]))
    assert ticket.number.startswith("Y") and ticket.appointment_id == appt.id
    web_login(client, "window-officer")
    day_list = client.get("/window/appointments").text
    assert "李明" in day_list and "已到场" in day_list
    r = _post(client, "/window/appointments", f"/window/appointments/{other.id}/no-show")
    assert r.status_code == 303
    db_session.expire_all()
    assert db_session.get(Appointment, other.id).status == AppointmentStatus.no_show
    assert _post(client, "/window/appointments", f"/window/appointments/{other.id}/no-show").status_code == 404


def test_dashboard_shows_the_service_figures(client, db_session):
    from app.services.applications.models import Application, Status

    web_login(client, "window-officer")
    page = client.get("/window/dashboard")
    assert page.status_code == 200
    figures = window_service.dashboard(db_session, "XH")
    share = f"{figures['comprehensive_share'] * 100:.1f}%"
    assert re.search(rf'id="comprehensive-share">{re.escape(share)}<', page.text)
    assert re.search(rf'id="queue-length">{figures["queue"]["waiting"]}<', page.text)
    # an application of the civil department past its promised date appears under its department
    from app.services.applications import service as applications
    from tests.conftest import bearer
    from tests.services.applications.helpers import apply

    before = window_service.overdue_by_department(db_session).get("civil", 0)
    number = apply(client, bearer(client, "citizen-young"), "temporary-assistance")["number"]
    target = db_session.scalar(select(Application).where(Application.number == number))
    target.status, target.due_date = Status.in_review, applications.today_china() - timedelta(days=3)
    db_session.flush()
    assert window_service.overdue_by_department(db_session)["civil"] == before + 1
    page = client.get("/window/dashboard").text
    assert re.search(r'id="overdue".*民政', page, re.S)
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    web_login(client, "citizen-young")
    assert client.get("/window/dashboard").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/me").text)})
    web_login(client, "evaluator")
    assert client.get("/window/dashboard?centre=TLQ").status_code == 200
