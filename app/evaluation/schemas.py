"""Requests and answers of the review API."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.evaluation.models import (AnswerRating, AppealReason, Complexity, Responsibility, ReviewChannel,
                                   TicketStatus, Verdict)

Grade = Annotated[int, Field(ge=1, le=5, strict=True)]


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Grade
    indicators: dict[str, Grade] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=5)
    comment: str = Field(default="", max_length=500)
    channel: ReviewChannel = ReviewChannel.online
    anonymous: bool = False

    @classmethod
    def from_form(cls, form) -> ReviewCreate:
        """The review forms' fields (score, ind_<indicator>, tags, comment, anonymous); raises
        ValidationError or ValueError on what a person could send wrong."""
        indicators = {k[4:]: int(v) for k, v in form.items() if k.startswith("ind_") and v}
        return cls(score=int(form.get("score") or 0), indicators=indicators, tags=form.getlist("tags"),
                   comment=str(form.get("comment") or ""), anonymous=form.get("anonymous") == "1")


class FollowUpCreate(BaseModel):
    comment: str = Field(min_length=1, max_length=500)


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: TicketStatus
    department_code: str
    opened_on: date
    contact_due: date
    rectify_due: date
    verdict: Verdict | None
    complexity: Complexity
    answer: str
    answered_at: datetime | None
    answered_on_time: bool | None
    answer_rating: AnswerRating | None
    overdue: bool


class ReviewOut(BaseModel):
    id: int
    application_number: str
    matter_code: str
    department_code: str
    window_code: str | None
    officer_username: str | None
    responsibility: Responsibility
    channel: ReviewChannel
    score: int
    grade: str
    indicators: dict[str, int]
    tags: list[str]
    comment: str
    anonymous: bool
    reviewer: str  # masked unless the reader is the reviewer
    created_at: datetime
    follow_up: str | None
    flag: str | None
    excluded: bool
    ticket: TicketOut | None


class ContactIn(BaseModel):
    note: str = Field(min_length=1, max_length=1000)
    verdict: Verdict
    complexity: Complexity = Complexity.simple


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=2000)


class RateAnswerIn(BaseModel):
    rating: AnswerRating


class AppealIn(BaseModel):
    reason: AppealReason
    evidence: str = Field(min_length=1, max_length=2000)


class AppealDecisionIn(BaseModel):
    upheld: bool
    note: str = Field(default="", max_length=1000)
