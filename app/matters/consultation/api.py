"""JSON API of smart consultation."""
from __future__ import annotations

from fastapi import APIRouter, Query

from app.core.db import ReadSessionDep, SessionDep
from app.matters.consultation import service
from app.matters.consultation.query_log import QueryLogDep
from app.matters.consultation.schemas import ConsultationRead, FeedbackCreate, FeedbackRead

router = APIRouter(prefix="/api/v1/consultation", tags=["consultation"])


@router.get("", response_model=ConsultationRead)
def consult(session: ReadSessionDep, query_log: QueryLogDep, q: str = Query("", description="问题 / the question, 1–500 characters"),
            limit: int = Query(5, ge=1, le=20),
            conversation: str | None = Query(None, max_length=64,
                                             description="any id of the caller's choosing: follow-ups refer to its last matter")):
    """The matters that answer a question in plain words, best first, with reasons."""
    answer, query_id = service.ask(session, q, limit, channel="api", query_log=query_log,
                                   conversation=f"api:{conversation}" if conversation else None)
    return {**answer.as_dict(), "query_id": query_id}


@router.post("/feedback", response_model=FeedbackRead)
def feedback(body: FeedbackCreate, session: SessionDep, query_log: QueryLogDep):
    """'Was this helpful?' for one answer (query_id from the consultation response)."""
    row = service.record_feedback(session, body.query_id, body.helpful, query_log)
    return {"query_id": row.ref, "helpful": row.helpful}
