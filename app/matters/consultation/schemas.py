"""Shapes of the consultation API."""
from __future__ import annotations

from pydantic import BaseModel, Field


class HitRead(BaseModel):
    matter_code: str
    name: str
    name_en: str
    score: float
    why: list[str]
    subject: str
    theme: str
    summary: str
    summary_en: str
    apply_url: str


class ClarifyOption(BaseModel):
    matter_code: str
    label: str
    label_en: str


class ClarifyRead(BaseModel):
    question: str
    question_en: str
    options: list[ClarifyOption]


class ThemeRead(BaseModel):
    code: str
    name: str
    name_en: str


class ConsultationRead(BaseModel):
    query: str
    query_id: str | None = Field(None, description="send it back with feedback")
    results: list[HitRead]
    clarify: ClarifyRead | None
    not_found: bool
    themes: list[ThemeRead]


class FeedbackCreate(BaseModel):
    query_id: str = Field(min_length=1, max_length=32)
    helpful: bool


class FeedbackRead(BaseModel):
    query_id: str
    helpful: bool
