from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WindowIntakeCreate(BaseModel):
    matter_code: str = Field(max_length=80)
    applicant_id_number: str = Field(max_length=40, description="the ID number (or an enterprise's credit code) "
                                                                  "of the applicant present at the window")
    form: dict[str, Any] = Field(default_factory=dict)


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WindowOut(Orm):
    code: str
    name: str
    name_en: str
    kind: str
    departments: list[str]
    matters: list[str]
    handout: bool


class CentreOut(Orm):
    code: str
    name: str
    name_en: str
    kind: str
    address: str
    address_en: str
    hours: str
    hours_en: str
    lat: float
    lng: float


class NoticeCreate(BaseModel):
    reasons: list[str] = Field(default_factory=list, max_length=20)


class HandOut(BaseModel):
    collected_by: str = Field(default="", max_length=120, description="who collected (ID checked); default the applicant")


class TicketCreate(BaseModel):
    centre_code: str = Field(max_length=40)
    group: str = Field(default="", max_length=40)
    appointment_id: int | None = None


class TicketOut(Orm):
    id: int
    centre_code: str
    day: date
    number: str
    group: str
    status: str
    window_code: str | None
    taken_at: datetime
    called_at: datetime | None
    served_at: datetime | None


class TicketFinish(BaseModel):
    served: bool = True


class AppointmentCreate(BaseModel):
    matter_code: str = Field(max_length=80)
    centre_code: str = Field(max_length=40)
    day: date
    start: str = Field(max_length=5, pattern=r"^\d\d:\d\d$")


class AppointmentOut(Orm):
    id: int
    centre_code: str
    day: date
    start: str
    matter_code: str
    status: str
