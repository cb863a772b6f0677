"""Reviews (好差评), rectification tickets (整改) and appeals (申诉复核)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, utcnow
from app.identity.models import enum_column


class ReviewChannel(str, enum.Enum):
    online = "online"  # the portal
    window_pad = "window_pad"  # the rating pad at the window
    terminal = "terminal"  # self-service terminal
    mobile = "mobile"  # the app / mini-program
    hotline = "hotline"  # 12345


class Responsibility(str, enum.Enum):
    """确责: who answers for the review — the back office, the front desk, or both."""
    back_office = "back_office"
    front_desk = "front_desk"
    both = "both"


class TicketStatus(str, enum.Enum):
    awaiting_contact = "awaiting_contact"
    verified = "verified"  # contacted; judged unreasonable or malicious: explanation due
    rectifying = "rectifying"  # contacted; judged reasonable: fix due
    answered = "answered"  # the unit has answered; the reviewer may rate the answer
    closed = "closed"


class Verdict(str, enum.Enum):
    reasonable = "reasonable"
    unreasonable = "unreasonable"
    malicious = "malicious"


class Complexity(str, enum.Enum):
    simple = "simple"
    complex = "complex"


class AnswerRating(str, enum.Enum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意


class AppealReason(str, enum.Enum):
    mistaken = "mistaken"  # 误评
    malicious = "malicious"  # 恶意差评


class AppealStatus(str, enum.Enum):
    pending = "pending"
    upheld = "upheld"
    rejected = "rejected"


class Review(Base):
    """One review of one application (一事一评): the unique application_id is the rule; a window
    transaction (一次一评) is rated once too: the unique intake_id (the rating pad)."""

    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_review_stats", "created_at", "department_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    application_number: Mapped[str] = mapped_column(String(32))
    # The window transaction rated on the pad (window_intake.id); NULL for reviews made elsewhere.
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("window_intake.id"), unique=True, nullable=True)
    matter_code: Mapped[str] = mapped_column(String(80), index=True)
    # 确责: back office (the department) and front desk (window and officer; nullable until windows exist)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    window_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    officer_username: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    responsibility: Mapped[Responsibility] = mapped_column(enum_column(Responsibility))
    channel: Mapped[ReviewChannel] = mapped_column(enum_column(ReviewChannel), index=True)
    score: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[dict] = mapped_column(JSON, default=dict)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewer_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewer_name: Mapped[str] = mapped_column(String(120))
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    follow_up: Mapped[str | None] = mapped_column(Text, nullable=True)  # 追评
    follow_up_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Integrity: a burst from one account or IP is flagged for the evaluator.
    flag: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    # An upheld appeal excludes the review from statistics; the review stays on record.
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped["Rectification | None"] = relationship(back_populates="review", lazy="raise")
    appeal: Mapped["Appeal | None"] = relationship(back_populates="review", lazy="raise")

    @property
    def is_bad(self) -> bool:
        return self.score <= 2


class Rectification(Base):
    """The bad-review ticket: contact within 1 working day, fixed within 5 (simple) or 15 (complex)."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), unique=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus), default=TicketStatus.awaiting_contact,
                                                 index=True)
    opened_on: Mapped[date] = mapped_column(Date)  # China date
    contact_due: Mapped[date] = mapped_column(Date)
    rectify_due: Mapped[date] = mapped_column(Date)
    complexity: Mapped[Complexity] = mapped_column(enum_column(Complexity), default=Complexity.simple)
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict), nullable=True)
    contact_note: Mapped[str] = mapped_column(Text, default="")
    contacted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    contacted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answered_on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    answer_rating: Mapped[AnswerRating | None] = mapped_column(enum_column(AnswerRating), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    review: Mapped[Review] = relationship(back_populates="ticket", lazy="raise")


class Appeal(Base):
    """申诉复核: the unit says a review is mistaken or malicious; the evaluator decides."""

    __tablename__ = "review_appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), unique=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[AppealReason] = mapped_column(enum_column(AppealReason))
    evidence: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(enum_column(AppealStatus), default=AppealStatus.pending,
                                                 index=True)
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decide_due: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)

    review: Mapped[Review] = relationship(back_populates="appeal", lazy="raise")


class ReviewRollup(Base):
    """The statistics kept as they are written (app.evaluation.rollups): one row per grain ("d": a China
    day, "m": a month, period = its first day; "D" and "M": a day and a month per department and channel only) and per
    (department, matter, channel, window, officer), "" where a review has no window or officer. Always equal to the GROUP BY over the reviews that count."""

    __tablename__ = "review_rollup"
    __table_args__ = (
        UniqueConstraint("grain", "period", "department_code", "matter_code", "channel", "window_code",
                         "officer_username"),
        Index("ix_review_rollup_matter", "grain", "matter_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(1))
    period: Mapped[date] = mapped_column(Date)
    department_code: Mapped[str] = mapped_column(String(40))
    matter_code: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(20))
    window_code: Mapped[str] = mapped_column(String(40))
    officer_username: Mapped[str] = mapped_column(String(64))
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)
    bad: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[int] = mapped_column(Integer, default=0)
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    contacted: Mapped[int] = mapped_column(Integer, default=0)
    rectified: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
