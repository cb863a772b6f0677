"""Service centres, their windows, queue tickets, appointments and the record of each window intake."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow
from app.identity.models import enum_column


class WindowKind(str, enum.Enum):
    comprehensive = "comprehensive"  # 综合窗口: any authorised department
    dedicated = "dedicated"  # 专窗: one department's matters


class TicketStatus(str, enum.Enum):
    waiting = "waiting"
    called = "called"
    served = "served"
    no_show = "no_show"


class AppointmentStatus(str, enum.Enum):
    booked = "booked"
    cancelled = "cancelled"
    attended = "attended"
    no_show = "no_show"


class ServiceCentre(Base):
    """A district or subdistrict service centre (政务服务中心 / 社区事务受理服务中心)."""

    __tablename__ = "service_centre"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))  # district | subdistrict
    address: Mapped[str] = mapped_column(String(200))
    address_en: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(120))
    hours_en: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=4)  # appointments per half-hour slot


class ServiceWindow(Base):
    """A counter in a centre. Empty `departments` on a comprehensive window means every department."""

    __tablename__ = "service_window"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    centre_code: Mapped[str] = mapped_column(ForeignKey("service_centre.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[WindowKind] = mapped_column(enum_column(WindowKind))
    departments: Mapped[list] = mapped_column(JSON, default=list)  # department codes it may take in
    matters: Mapped[list] = mapped_column(JSON, default=list)  # extra restriction: only these matters
    handout: Mapped[bool] = mapped_column(Boolean, default=False)  # 统一出件 at this window
    position: Mapped[int] = mapped_column(Integer, default=0)


class QueueTicket(Base):
    """取号: a number for one visit, called to a window; the times make waiting and service times."""

    __tablename__ = "queue_ticket"
    __table_args__ = (UniqueConstraint("centre_code", "day", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_code: Mapped[str] = mapped_column(ForeignKey("service_centre.code"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # China date
    number: Mapped[str] = mapped_column(String(10))  # A001
    group: Mapped[str] = mapped_column(String(40))  # theme code, "handout" or "appointment"
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus), default=TicketStatus.waiting, index=True)
    window_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    officer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(nullable=True)
    served_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class AppointmentSlot(Base):
    """One half-hour slot of one centre on one day; `booked` moves by an atomic conditional update."""

    __tablename__ = "appointment_slot"
    __table_args__ = (UniqueConstraint("centre_code", "day", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_code: Mapped[str] = mapped_column(ForeignKey("service_centre.code"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))  # "09:00", China time
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """预约: one applicant, one slot, one matter. `active_key` (user:day) is unique while booked, so one
    person holds at most one booking per day, whatever the concurrency."""

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"), index=True)
    centre_code: Mapped[str] = mapped_column(String(40), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    start: Mapped[str] = mapped_column(String(5))
    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[AppointmentStatus] = mapped_column(enum_column(AppointmentStatus), default=AppointmentStatus.booked)
    active_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WindowIntake(Base):
    """One application taken in at a window, and what became of the intake: whether the back office
    later asked for correction or refused (against intake accuracy), whether the window finished it
    on the spot (an on-the-spot matter decided at the window)."""

    __tablename__ = "window_intake"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    application_number: Mapped[str] = mapped_column(String(32))
    window_code: Mapped[str] = mapped_column(String(40), index=True)
    officer: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    on_the_spot_matter: Mapped[bool] = mapped_column(Boolean, default=False)  # promised_days == 0
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)  # 受理 at the window
    returned: Mapped[str | None] = mapped_column(String(20), nullable=True)  # window | correction | refused (back office)
    returned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completed_on_spot: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_blob: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 一次性告知书 PDF
    handed_out_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    handed_out_at: Mapped[datetime | None] = mapped_column(nullable=True)
    collected_by: Mapped[str | None] = mapped_column(String(120), nullable=True)  # name of who collected (ID checked)
