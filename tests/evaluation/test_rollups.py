"""The rollups the dashboard reads always equal the GROUP BY over the reviews: after any sequence of
reviews (any channel, day, window, officer), follow-ups, contacts, answers (on time or late) and
appeals (upheld: excluded; rejected: counted), written through the services."""
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import select

from app.evaluation import appeals, rectification, rollups, stats
from app.evaluation import service as svc
from app.evaluation.models import AppealReason, ReviewChannel, Verdict
from app.evaluation.schemas import ReviewCreate
from app.identity.service import get_by_username
from app.matters.models import Matter
from app.services.applications.models import Application, ApplicationEvent, Channel, Status

BASE = datetime(2032, 1, 28, 18, tzinfo=timezone.utc)  # 02:00 China time on the 29th: months turn over
CHANNELS = [ReviewChannel.online, ReviewChannel.mobile, ReviewChannel.window_pad, ReviewChannel.hotline]

APP = st.integers(0, 7) | st.integers(0, 2)  # often the same few applications: loops get finished
op = st.one_of(
    st.tuples(st.just("review"), APP, st.integers(1, 5), st.sampled_from(CHANNELS), st.integers(0, 72),
              st.booleans()),
    st.tuples(st.just("follow_up"), APP),
    st.tuples(st.just("contact"), APP, st.booleans()),
    st.tuples(st.just("answer"), APP, st.booleans()),
    st.tuples(st.just("appeal"), APP, st.booleans()),
)
# Every kind of change at least once: a bad review answered on time, then excluded by an upheld appeal;
# one answered late; a good window review kept after a rejected appeal; a follow-up.
EVERYTHING = [("review", 0, 1, ReviewChannel.online, 3, False), ("contact", 0, True), ("answer", 0, True),
              ("appeal", 0, True), ("review", 3, 2, ReviewChannel.window_pad, 30, True), ("contact", 3, False),
              ("answer", 3, False), ("review", 6, 5, ReviewChannel.window_pad, 50, False), ("appeal", 6, False),
              ("follow_up", 6), ("review", 1, 4, ReviewChannel.mobile, 70, False)]


def _apps(db_session, young, matters):
    apps = []
    for i in range(8):
        code, dept = matters[i % len(matters)]
        window = i % 3 == 0
        app = Application(number=f"XH20320101{900000 + i:06d}", matter_code=code, department_code=dept,
                          applicant_user_id=young.id, subject_key="x", applicant_name="李明", status=Status.issued,
                          channel=Channel.window if window else Channel.online,
                          window_code=f"W-{i % 2}" if window else None,
                          issued_at=BASE + timedelta(days=i * 3), decided_at=BASE + timedelta(days=i * 3))
        db_session.add(app)
        db_session.flush()
        if window and i % 2 == 0:
            db_session.add(ApplicationEvent(application_id=app.id, actor="window-officer", action="accept"))
        apps.append(app)
    db_session.flush()
    return apps


def _check(db_session):
    assert rollups.differences(db_session) == []
    for by in stats.DIMENSIONS:
        for lo, hi in ((None, None), (date(2032, 1, 29), date(2032, 3, 4)), (date(2032, 2, 1), date(2032, 2, 29)),
                       (date(2032, 2, 3), date(2032, 2, 5))):
            assert stats.compute(db_session, by, lo, hi) == stats.compute_raw(db_session, by, lo, hi), (by, lo, hi)
    f = {"channel": "window_pad"}
    assert stats.compute(db_session, "officer", None, None, f) == stats.compute_raw(db_session, "officer", None, None, f)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(op, min_size=1, max_size=25))
@example(EVERYTHING)
def test_rollups_equal_the_raw_group_by(db_session, ops):
    young = get_by_username(db_session, "citizen-young")
    reviewer = get_by_username(db_session, "reviewer-civil")
    evaluator = get_by_username(db_session, "evaluator")
    matters = [(m.code, m.department_code) for m in db_session.scalars(
        select(Matter).where(Matter.department_code == "civil").order_by(Matter.code).limit(3))]
    with db_session.begin_nested() as nested:
        apps = _apps(db_session, young, matters)
        for o in ops:
            app = apps[o[1]]
            review = svc.get_review_for(db_session, app.id)
            if o[0] == "review" and review is None:
                _, _, score, channel, hours, anonymous = o
                svc.create_review(db_session, app.number, young,
                                  ReviewCreate(score=score, channel=channel, anonymous=anonymous),
                                  now=app.issued_at + timedelta(hours=hours))
            elif review is None:
                continue
            elif o[0] == "follow_up" and review.follow_up is None:
                svc.add_follow_up(db_session, app.number, young, "追评")
            elif o[0] == "contact" and review.ticket is not None and review.ticket.contacted_at is None \
                    and not review.excluded:
                rectification.contact(db_session, review.ticket, reviewer, note="已联系",
                                      verdict=Verdict.reasonable if o[2] else Verdict.unreasonable)
            elif o[0] == "answer" and review.ticket is not None and review.ticket.contacted_at is not None \
                    and review.ticket.answered_at is None and not review.excluded:
                on_time = review.ticket.rectify_due if o[2] else review.ticket.rectify_due + timedelta(days=3)
                rectification.answer(db_session, review.ticket, reviewer, "已整改",
                                     now=datetime(on_time.year, on_time.month, on_time.day, 2, tzinfo=timezone.utc))
            elif o[0] == "appeal" and review.appeal is None:
                appeal = appeals.file_appeal(db_session, review, reviewer, AppealReason.mistaken, "录音为证",
                                             now=review.created_at)
                appeals.decide(db_session, appeal, evaluator, upheld=o[2])
            db_session.expire_all()
        _check(db_session)
        nested.rollback()


def test_rebuild_recounts_what_was_written_behind_its_back(db_session):
    """The nightly job's repair: a rollup row changed by hand is found and recounted."""
    from app.evaluation.models import ReviewRollup

    young = get_by_username(db_session, "citizen-young")
    app = _apps(db_session, young, [("temporary-assistance", "civil")])[1]
    svc.create_review(db_session, app.number, young, ReviewCreate(score=1), now=app.issued_at)
    assert rollups.differences(db_session) == []
    row = db_session.scalars(select(ReviewRollup).where(ReviewRollup.matter_code == "temporary-assistance",
                                                        ReviewRollup.grain == "d")).first()
    row.good += 7
    db_session.flush()
    assert rollups.differences(db_session) != []
    assert rollups.verify_and_repair(db_session) >= 1
    assert rollups.differences(db_session) == []
    assert rollups.verify_and_repair(db_session) == 0
