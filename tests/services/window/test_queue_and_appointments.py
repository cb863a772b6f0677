"""Queue tickets (取号 → call → served, times recorded) and appointments (capacity, double booking)."""
from datetime import timedelta


from app.core.db import utcnow
from app.services.window import appointments
from app.services.window.models import QueueTicket


def test_ticket_called_and_served_with_times(client, auth, db_session):
    r = client.post("/api/v1/window/tickets", json={"centre_code": "XH", "group": "assistance"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["number"].startswith("A") and first["status"] == "waiting"
    handout = client.post("/api/v1/window/tickets", json={"centre_code": "XH", "group": "handout"}).json()
    assert handout["number"].startswith("C")
    assert client.post("/api/v1/window/tickets", json={"centre_code": "XH", "group": "nonsense"}).status_code == 422
    # pretend the first ticket was taken ten minutes ago, so the waiting time is measurable
    ticket = db_session.get(QueueTicket, first["id"])
    ticket.taken_at = utcnow() - timedelta(minutes=10)
    db_session.flush()
    officer = auth("window-officer")
    called = client.post("/api/v1/window/queue/next", headers=officer).json()
    assert called["id"] == first["id"] and called["status"] == "called" and called["window_code"] == "XH-C01"
    shown = client.get("/api/v1/window/display/XH").json()
    assert shown[0]["number"] == first["number"]
    r = client.post(f"/api/v1/window/tickets/{first['id']}/finish", headers=officer, json={"served": True})
    assert r.status_code == 200 and r.json()["status"] == "served" and r.json()["served_at"]
    figures = client.get("/api/v1/window/figures", headers=officer).json()["queue"]
    assert figures["served"] >= 1 and figures["mean_wait_minutes"] >= 5
    assert client.post(f"/api/v1/window/tickets/{first['id']}/finish", headers=officer).status_code == 404
    assert client.post("/api/v1/window/queue/next", headers=auth("citizen-young")).status_code == 403


def test_booking_an_onsite_matter(client, auth):
    young = auth("citizen-young")
    day = appointments.bookable_days()[0]
    r = client.post("/api/v1/appointments", headers=young, json={
        "matter_code": "e-bike-registration", "centre_code": "XH", "day": day.isoformat(), "start": "09:00"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "booked"


def test_double_booking_and_capacity(client, auth, db_session):
    young, elder = auth("citizen-young"), auth("citizen-elder")
    day = appointments.bookable_days()[1].isoformat()
    body = {"matter_code": "e-bike-registration", "centre_code": "TLQ", "day": day, "start": "10:00"}
    first = client.post("/api/v1/appointments", headers=young, json=body)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/appointments", headers=young, json={**body, "start": "10:30"})
    assert again.status_code == 409 and again.json()["error"] == "already_booked"
    assert client.post("/api/v1/appointments", headers=elder, json=body).status_code == 201  # capacity 2
    from app.identity import service
    from app.identity.models import Role
    from tests.conftest import PASSWORD
    service.create_user(db_session, username="citizen-third", password=PASSWORD, role=Role.applicant_person,
                        full_name="第三人", id_number="110101199003074514")
    db_session.flush()
    full = client.post("/api/v1/appointments", headers=auth("citizen-third"), json=body)
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    slot = next(s for s in client.get(f"/api/v1/window/centres/TLQ/slots?day={day}").json()["slots"]
                if s["start"] == "10:00")
    assert slot["left"] == 0
    # a cancellation frees the place
    assert client.delete(f"/api/v1/appointments/{first.json()['id']}", headers=young).status_code == 200
    assert client.post("/api/v1/appointments", headers=auth("citizen-third"), json=body).status_code == 201
    # a matter that needs no visit is not booked
    r = client.post("/api/v1/appointments", headers=young, json={**body, "matter_code": "temporary-assistance"})
    assert r.status_code == 422


def test_officer_sees_the_days_bookings(client, auth):
    young = auth("citizen-young")
    day = appointments.bookable_days()[2]
    client.post("/api/v1/appointments", headers=young, json={
        "matter_code": "e-bike-registration", "centre_code": "XH", "day": day.isoformat(), "start": "14:00"})
    listed = client.get(f"/api/v1/window/appointments?day={day.isoformat()}", headers=auth("window-officer")).json()
    assert [a["start"] for a in listed] == ["14:00"]


def test_centres_public_with_share(client):
    body = client.get("/api/v1/window/centres").json()
    assert {c["code"] for c in body["items"]} >= {"XH", "XJH", "TLQ", "LHL"}
    assert body["comprehensive_share"] >= 0.8
