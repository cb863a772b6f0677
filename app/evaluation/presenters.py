"""What pages show of reviews and tickets (the reviewer's name masked unless the viewer wrote it)."""
from __future__ import annotations

from app.core.i18n import pick
from app.identity.models import User
from app.evaluation import rules
from app.evaluation import service as svc
from app.services.applications.page_context import china_time


def review_view(review, viewer: User | None = None) -> dict:
    """What a page shows of a review (the reviewer's name masked unless the viewer wrote it)."""
    t = review.ticket
    return {"id": review.id, "score": review.score, "grade": pick(*rules.GRADES[review.score]),
            "comment": review.comment, "tags": [pick(*rules.TAGS[x]) for x in review.tags if x in rules.TAGS],
            "indicators": review.indicators, "reviewer": svc.reviewer_display(review, viewer),
            "channel": pick(*rules.CHANNELS[review.channel]), "at": china_time(review.created_at),
            "follow_up": review.follow_up, "excluded": review.excluded, "flag": review.flag,
            "number": review.application_number, "matter_code": review.matter_code,
            "department_code": review.department_code, "bad": review.is_bad,
            "ticket": None if t is None else {
                "id": t.id, "status": t.status.value, "status_label": pick(*rules.TICKET_STATUS[t.status]),
                "answer": t.answer, "answered_at": china_time(t.answered_at), "overdue": t.overdue,
                "contact_due": t.contact_due, "rectify_due": t.rectify_due,
                "rating": pick(*rules.ANSWER_RATINGS[t.answer_rating]) if t.answer_rating else ""}}



def ticket_view(t) -> dict:
    return {"id": t.id, "status": t.status.value, "status_label": pick(*rules.TICKET_STATUS[t.status]),
            "opened_on": t.opened_on, "contact_due": t.contact_due, "rectify_due": t.rectify_due,
            "overdue": t.overdue, "verdict": pick(*rules.VERDICTS[t.verdict]) if t.verdict else "",
            "complexity": pick(*rules.COMPLEXITY[t.complexity]), "contact_note": t.contact_note,
            "contacted_at": china_time(t.contacted_at), "answer": t.answer, "answered_at": china_time(t.answered_at),
            "on_time": t.answered_on_time, "rating": pick(*rules.ANSWER_RATINGS[t.answer_rating])
            if t.answer_rating else "", "review": review_view(t.review),
            "appeal": None if t.review.appeal is None else {
                "status": pick(*rules.APPEAL_STATUS[t.review.appeal.status]),
                "reason": pick(*rules.APPEAL_REASONS[t.review.appeal.reason]),
                "note": t.review.appeal.decision_note}}
