from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ApplicationCreate(BaseModel):
    matter_code: str = Field(max_length=80)
    form: dict[str, Any] = Field(default_factory=dict)


class ApplicationUpdate(BaseModel):
    form: dict[str, Any]
    version: int = Field(description="The version you read (required); a mismatch answers 409")


class SignRequest(BaseModel):
    """The second factor of one signature: the account password again, or a one-time code."""

    password: str | None = Field(default=None, max_length=256, description="the signing account's password")
    code: str | None = Field(default=None, max_length=12,
                             description="a 6-digit code from POST /applications/{number}/sign/code")


class DecisionCreate(BaseModel):
    outcome: str = Field(pattern="^(approve|deny|correction|accept|refuse|review|return_to_window)$",
                         description="intake (受理) first: accept | refuse | correction; after acceptance: "
                                     "approve | deny | correction. Two-level matters (`two_level`): `review` "
                                     "records the first-level opinion (审核, with `opinion`), then approve | deny "
                                     "by a different reviewer (审批). `return_to_window`: a window application goes "
                                     "back to the window as an intake error (reasons required)")
    reasons: list[str] = Field(default_factory=list, max_length=20)
    opinion: str | None = Field(default=None, pattern="^(approve|deny)$",
                                description="with outcome `review`: the first-level opinion, approve | deny")
    version: int | None = Field(default=None, description="optional: the version you read; a mismatch answers 409")


class AssignmentCreate(BaseModel):
    action: str = Field(pattern="^(take|assign|release)$", description="take | assign (with assignee) | release")
    assignee: str | None = Field(default=None, max_length=64, description="username of a reviewer of the department")
    version: int | None = Field(default=None, description="optional: the version you read; a mismatch answers 409")


class ReviewOpinionOut(BaseModel):
    """审核: the first-level opinion of a two-level matter."""
    opinion: str
    by: str
    by_name: str
    reasons: list[str]
    at: datetime | None


class MaterialOut(BaseModel):
    id: int
    name: str
    source: str
    required: bool
    status: str
    exempt: bool
    exempt_note: str = ""
    file_name: str | None = None
    sha256: str | None = None
    size: int | None = None


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str = Field(description="Chinese, or what a person typed (then the same in English)")
    note_en: str = Field(description="English of a system note; what a person typed, whole")


class DecisionOut(BaseModel):
    outcome: str | None
    by: str | None
    reasons: list[str]
    at: datetime | None


class AutoApprovalOut(BaseModel):
    """What the decision model said (a referral is not a decision: the department decides)."""
    outcome: str
    reasons: list[str]
    reasons_zh: list[str]
    reasons_en: list[str]


class ApplicationOut(BaseModel):
    number: str
    status: str
    status_label: str
    matter_code: str
    matter_name: str
    department: str
    channel: str
    applicant_name: str
    applicant_id_number: str
    form: dict[str, Any]
    prefilled: dict[str, str]
    prefill_stats: dict[str, int]
    materials: list[MaterialOut]
    signed: bool
    signed_at: datetime | None
    submitted_at: datetime | None
    due_date: date | None
    overdue: bool
    clock_paused: bool
    decision: DecisionOut | None
    result_pdf: str | None
    licence_id: int | None
    events: list[EventOut]
    next_actions: list[str]
    version: int
    bundle_number: str | None = None
    auto_approval: AutoApprovalOut | None = None
    two_level: bool = False
    assigned_to: str | None = None
    assigned_to_name: str | None = None
    review: ReviewOpinionOut | None = None


class ApplicationList(BaseModel):
    items: list[ApplicationOut]
    total: int
    limit: int
    offset: int


class LookupRequest(BaseModel):
    """A window officer's lookup: the number and the ID number of the applicant who is present."""
    number: str = Field(max_length=32)
    applicant_id_number: str = Field(min_length=1, max_length=30)
