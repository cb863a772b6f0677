"""Smart consultation: answer questions, log them, take feedback, manage the admin lexicon."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.matters.consultation import details, engine
from app.matters.consultation.engine import MAX_QUESTION_CHARS, Answer
from app.matters.consultation.exceptions import ConsultationNotFound, LexiconEntryInvalid, QuestionInvalid
from app.matters.consultation.models import ConsultationQuery, LexiconEntry
from app.matters.consultation.query_log import QueryLogWriter, new_ref

log = logging.getLogger(__name__)

# How often a process checks whether another instance added lexicon entries.
LEXICON_CHECK_SECONDS = 30.0
_lexicon_checked_at = 0.0

# A short conversation state: the matter last discussed, per conversation id, for follow-ups.
CONVERSATION_SECONDS = 30 * 60
CONVERSATION_MAX = 10_000
_conversations: OrderedDict[str, tuple[str, float]] = OrderedDict()
_conversations_lock = threading.Lock()


def _follow_up(conversation: str | None, q: str, answer: Answer) -> None:
    """Remember the matter discussed; a detail question that names none refers to the last one."""
    if not conversation:
        return
    now = time.monotonic()
    with _conversations_lock:
        if answer.results:
            _conversations[conversation] = (answer.results[0].matter_code, now)
            _conversations.move_to_end(conversation)
            while len(_conversations) > CONVERSATION_MAX:
                _conversations.popitem(last=False)
            return
        last = _conversations.get(conversation)
    kind = details.intent(engine.normalise_question(q))
    if last is None or kind is None or answer.hotline or now - last[1] > CONVERSATION_SECONDS:
        return
    index = engine.get_index()
    if last[0] in index.matters:
        answer.results = [index.hit(last[0])]
        answer.detail = index.detail(last[0], kind)
        answer.not_found = False
        answer.themes = []


def validate_question(question: str | None) -> str:
    """The question stripped; 422 when empty or longer than 500 characters."""
    q = (question or "").strip()
    if not q:
        raise QuestionInvalid("请输入要咨询的问题 / Please enter a question", fields={"q": "required"})
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionInvalid(f"问题不能超过 {MAX_QUESTION_CHARS} 个字 / "
                              f"The question must be at most {MAX_QUESTION_CHARS} characters",
                              fields={"q": "too_long"})
    return q


def ask(session: Session | None, question: str | None, limit: int = 5, channel: str = "api",
        query_log: QueryLogWriter | None = None, conversation: str | None = None) -> tuple[Answer, str | None]:
    """Answer a question (reads only) and queue its log row; returns the answer and the row's ref."""
    q = validate_question(question)
    if session is not None:
        _sync_admin_lexicon(session)
    answer = engine.get_index().search(q, limit)
    _follow_up(conversation, q, answer)
    if query_log is None:
        return answer, None
    ref = new_ref()
    query_log.record({"ref": ref, "question": q, "top_codes": ",".join(h.matter_code for h in answer.results[:5]),
                      "not_found": answer.not_found, "clarified": answer.clarify is not None,
                      "channel": channel, "hotline_category": answer.hotline.category if answer.hotline else None})
    return answer, ref


def record_feedback(session: Session, ref: str, helpful: bool, query_log: QueryLogWriter) -> ConsultationQuery:
    """Store 'was this helpful?' for one answer (a later click replaces an earlier one)."""
    query_log.flush()  # the answer's log row may still be queued
    row = session.scalar(select(ConsultationQuery).where(ConsultationQuery.ref == ref))
    if row is None:
        raise ConsultationNotFound("找不到这次咨询记录 / No such consultation")
    row.helpful = helpful
    row.feedback_at = utcnow()
    session.flush()
    return row


@dataclass
class QuestionRow:
    question: str
    count: int
    last_at: object
    top_codes: list[str]


def unanswered(session: Session, limit: int = 100) -> list[QuestionRow]:
    """Questions that found no matter, most frequent first."""
    stmt = (select(ConsultationQuery.question, func.count(), func.max(ConsultationQuery.created_at))
            .where(ConsultationQuery.not_found.is_(True))
            .group_by(ConsultationQuery.question)
            .order_by(func.count().desc(), func.max(ConsultationQuery.created_at).desc()).limit(limit))
    return [QuestionRow(q, n, at, []) for q, n, at in session.execute(stmt)]


def unhelpful(session: Session, limit: int = 100) -> list[QuestionRow]:
    """Questions whose answer the asker marked as not helpful, most frequent first."""
    stmt = (select(ConsultationQuery.question, ConsultationQuery.top_codes, func.count(),
                   func.max(ConsultationQuery.created_at))
            .where(ConsultationQuery.helpful.is_(False))
            .group_by(ConsultationQuery.question, ConsultationQuery.top_codes)
            .order_by(func.count().desc(), func.max(ConsultationQuery.created_at).desc()).limit(limit))
    return [QuestionRow(q, n, at, [c for c in codes.split(",") if c]) for q, codes, n, at in session.execute(stmt)]


def feedback_stats(session: Session) -> dict[str, int]:
    total = session.scalar(select(func.count()).select_from(ConsultationQuery)) or 0
    not_found = session.scalar(select(func.count()).where(ConsultationQuery.not_found.is_(True))) or 0
    helpful = session.scalar(select(func.count()).where(ConsultationQuery.helpful.is_(True))) or 0
    unhelpful_n = session.scalar(select(func.count()).where(ConsultationQuery.helpful.is_(False))) or 0
    hotline = session.scalar(select(func.count()).where(ConsultationQuery.hotline_category.is_not(None))) or 0
    return {"total": total, "not_found": not_found, "helpful": helpful, "unhelpful": unhelpful_n, "hotline": hotline}


@dataclass
class HotlineCount:
    category: str
    name: str
    name_en: str
    count: int


def hotline_counts(session: Session) -> list[HotlineCount]:
    """Questions routed to the 12345 hotline, per category, most first (every category listed)."""
    counts = dict(session.execute(
        select(ConsultationQuery.hotline_category, func.count())
        .where(ConsultationQuery.hotline_category.is_not(None))
        .group_by(ConsultationQuery.hotline_category)).all())
    rows = [HotlineCount(code, name, name_en, int(counts.pop(code, 0)))
            for code, name, name_en in engine.get_index().hotline.categories()]
    # a category since taken out of hotline.yaml still shows what it counted
    rows += [HotlineCount(code, code, code, int(n)) for code, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.count, r.category))


def list_lexicon_entries(session: Session) -> list[LexiconEntry]:
    return list(session.scalars(select(LexiconEntry).order_by(LexiconEntry.created_at.desc(), LexiconEntry.id.desc())))


def _entry_dict(e: LexiconEntry) -> dict:
    return {"term": e.term, "expansion": e.expansion, "target_matter_code": e.target_matter_code}


def add_lexicon_entry(session: Session, term: str, expansion: str | None, target_matter_code: str | None,
                      added_by: str) -> LexiconEntry:
    """Teach the engine a colloquial term, then rebuild this process's index with it."""
    term = (term or "").strip()
    expansion = " ".join((expansion or "").split()) or None
    target = (target_matter_code or "").strip() or None
    errors: dict[str, str] = {}
    if not term:
        errors["term"] = "请填写口语词 / Enter the colloquial term"
    elif len(term) > 100:
        errors["term"] = "口语词不能超过 100 个字 / At most 100 characters"
    if expansion and len(expansion) > 200:
        errors["expansion"] = "规范词不能超过 200 个字 / At most 200 characters"
    if not expansion and not target:
        errors["expansion"] = "请填写规范词或选择对应事项 / Give canonical words or choose a matter"
    if target and target not in engine.get_index().matters:
        errors["target_matter_code"] = "没有这个事项 / No such matter"
    if errors:
        raise LexiconEntryInvalid("词条有误 / The entry is not valid", fields=errors)
    entry = LexiconEntry(term=term, expansion=expansion, target_matter_code=target, added_by=added_by)
    session.add(entry)
    session.flush()
    audit.record(session, actor=added_by, action="consultation.lexicon_add", object_type="lexicon",
                 object_id=str(entry.id), detail=_entry_dict(entry))
    _sync_admin_lexicon(session, force=True)
    return entry


def remove_lexicon_entry(session: Session, entry_id: int, removed_by: str) -> None:
    """Take an administrator's entry back out of the engine (other instances follow within the check interval)."""
    entry = session.get(LexiconEntry, entry_id)
    if entry is None:
        raise ConsultationNotFound("词条不存在 / No such lexicon entry")
    detail = _entry_dict(entry)
    session.delete(entry)
    session.flush()
    audit.record(session, actor=removed_by, action="consultation.lexicon_remove", object_type="lexicon",
                 object_id=str(entry_id), detail=detail)
    _sync_admin_lexicon(session, force=True)


def _lexicon_state(session: Session) -> tuple[int, int]:
    count, max_id = session.execute(select(func.count(), func.max(LexiconEntry.id))).one()
    return int(count or 0), int(max_id or 0)


def _sync_admin_lexicon(session: Session, force: bool = False) -> None:
    """Merge administrators' entries into this process's index when they changed.

    Several app instances share one database, so each checks at most every
    LEXICON_CHECK_SECONDS; the one where the entry was added rebuilds at once (force).
    Uses the request's own session: a second connection could wait on SQLite's write lock.
    """
    global _lexicon_checked_at
    now = time.monotonic()
    if not force and _lexicon_checked_at and now - _lexicon_checked_at < LEXICON_CHECK_SECONDS:
        return
    _lexicon_checked_at = now
    try:
        with session.begin_nested():
            state = _lexicon_state(session)
            if state != engine.get_index().admin_state:
                engine.rebuild_index([_entry_dict(e) for e in list_lexicon_entries(session)], state)
    except SQLAlchemyError:
        log.warning("consultation lexicon table unavailable", exc_info=True)
