"""Accounts, roles, server-side sessions, API tokens and login throttling."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class Role(str, enum.Enum):
    applicant_person = "applicant_person"
    applicant_enterprise = "applicant_enterprise"
    window_officer = "window_officer"
    reviewer = "reviewer"
    evaluator = "evaluator"
    admin = "admin"

    @property
    def is_applicant(self) -> bool:
        return self in (Role.applicant_person, Role.applicant_enterprise)

    @property
    def is_staff(self) -> bool:
        return not self.is_applicant


ROLE_LABELS = {
    Role.applicant_person: ("个人申请人", "Applicant (person)"),
    Role.applicant_enterprise: ("企业申请人", "Applicant (enterprise)"),
    Role.window_officer: ("综合窗口人员", "Window officer"),
    Role.reviewer: ("部门审批人员", "Department reviewer"),
    Role.evaluator: ("评价监督人员", "Evaluator"),
    Role.admin: ("系统管理员", "Administrator"),
}


def enum_column(enum_cls):
    return Enum(enum_cls, native_enum=False, length=40, validate_strings=True)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    full_name: Mapped[str] = mapped_column(String(120))
    # person: GB 11643 ID number; enterprise: GB 32100 unified social credit code
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    phone: Mapped[str] = mapped_column(String(30), default="")
    # enterprise: acting through its legal representative (a person account)
    legal_rep_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # reviewer
    window_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # window officer
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def subject_key(self) -> str:
        """The identity the government knows this applicant by (ID number or credit code)."""
        return (self.uscc if self.role == Role.applicant_enterprise else self.id_number) or ""


class EnterpriseAgent(Base):
    """A person account authorised to act for an enterprise (besides its legal representative)."""

    __tablename__ = "enterprise_agent"
    __table_args__ = (UniqueConstraint("enterprise_user_id", "person_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    person_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """Server-side session: the cookie carries only the random id."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # A person acting for an enterprise (as its legal representative or an authorised employee).
    acting_for_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class LoginAttempt(Base):
    """Failed logins per source IP (per-account counters live on the account)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
