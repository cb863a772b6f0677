"""Integrity of reviews (item 6): staff cannot review transactions they handled (online or at the
pad), bursts from one account or one IP are flagged for the evaluator (and shown on the dashboard)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.evaluation import rules
from app.evaluation import service as svc
from app.evaluation.models import Responsibility, Review, ReviewChannel
from app.identity import access
from app.identity.models import Role, User
from app.identity.service import get_by_username
from app.services.applications.models import Application, Status
from tests.evaluation.helpers import completed, review

NOW = datetime(2033, 4, 1, 2, tzinfo=timezone.utc)


def _reviews(db_session, user_ids: list[int], ip: str, start: int) -> None:
    for i, uid in enumerate(user_ids):
        app = Application(number=f"XH20330401{start + i:06d}", matter_code="temporary-assistance",
                          department_code="civil", applicant_user_id=uid, subject_key="x", applicant_name="x",
                          status=Status.issued)
        db_session.add(app)
        db_session.flush()
        db_session.add(Review(application_id=app.id, application_number=app.number,
                              matter_code="temporary-assistance", department_code="civil",
                              responsibility=Responsibility.back_office, channel=ReviewChannel.online, score=5,
                              reviewer_user_id=uid, reviewer_name="x", ip=ip,
                              created_at=NOW - timedelta(minutes=5 + i)))
    db_session.flush()


def test_burst_from_one_ip_is_flagged(db_session):
    """Many accounts, one address, within the hour: the next review is flagged; an hour later it is not."""
    users = [u.id for u in db_session.scalars(select(User).where(User.role.in_(
        [Role.applicant_person, Role.applicant_enterprise])))]
    assert users
    ip = "203.0.113.77"
    spread = [users[i % len(users)] for i in range(rules.BURST_PER_IP)]
    _reviews(db_session, spread, ip, 700000)
    nobody = get_by_username(db_session, "citizen-nodata")
    flag = svc._burst_flag(db_session, nobody, ip, NOW)
    assert flag is not None and "IP" in flag
    assert svc._burst_flag(db_session, nobody, "198.51.100.1", NOW) is None
    assert svc._burst_flag(db_session, nobody, ip, NOW + timedelta(minutes=rules.BURST_WINDOW_MINUTES + 30)) is None


def test_one_review_short_of_a_burst_is_not_flagged(db_session):
    young = get_by_username(db_session, "citizen-young")
    _reviews(db_session, [young.id] * (rules.BURST_PER_ACCOUNT - 1), "", 710000)
    assert svc._burst_flag(db_session, young, "", NOW) is None
    _reviews(db_session, [young.id], "", 710100)
    assert svc._burst_flag(db_session, young, "", NOW).startswith("burst")


def test_staff_never_review_through_the_applicants_api(client, auth):
    number = completed(client, auth)
    for staff in ("window-officer", "reviewer-civil", "evaluator", "admin"):
        assert review(client, auth(staff), number).status_code == 403, staff


def test_pad_never_rates_the_officers_own_transaction():
    officer = User(id=41, username="o", role=Role.window_officer, window_code="XH-C01")
    assert access.shows_rating_pad(officer, window_code="XH-C01", applicant_user_id=7)
    assert not access.shows_rating_pad(officer, window_code="XH-C01", applicant_user_id=41)
    assert not access.shows_rating_pad(officer, window_code="XH-C02", applicant_user_id=7)
    reviewer = User(id=42, username="r", role=Role.reviewer, window_code="XH-C01")
    assert not access.shows_rating_pad(reviewer, window_code="XH-C01", applicant_user_id=7)


def test_flagged_reviews_reach_the_evaluator(client, auth, db_session):
    _reviews(db_session, [get_by_username(db_session, "citizen-young").id], "", 720000)
    row = db_session.scalar(select(Review).where(Review.application_number == "XH20330401720000"))
    row.flag = "burst: 6 reviews from one account within 60 min"
    db_session.flush()
    rows, total = svc.list_reviews(db_session, flagged_only=True)
    assert total >= 1 and row.id in [r.id for r in rows]
