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


class BundleRead(BaseModel):
    code: str
    name: str
    name_en: str
    score: float
    matters: list[str]
    url: str


class HotlineRead(BaseModel):
    number: str
    category: str
    name: str
    name_en: str
    message: str
    message_en: str


class DetailRead(BaseModel):
    matter_code: str
    kind: str = Field(description="materials | time | fees | online | where | eligibility")
    text: str
    text_en: str
    apply_url: str


class ConsultationRead(BaseModel):
    query: str
    query_id: str | None = Field(None, description="send it back with feedback")
    results: list[HitRead]
    bundles: list[BundleRead] = Field(description="一件事 bundles for a life or business event, best first")
    clarify: ClarifyRead | None
    not_found: bool
    themes: list[ThemeRead]
    hotline: HotlineRead | None = Field(None, description="a city problem, not a service matter: call 12345")
    detail: DetailRead | None = Field(None, description="the answer to a detail question about one matter")
    corrections: list[str] = Field(default_factory=list, description="typos read as the words meant")


class FeedbackCreate(BaseModel):
    query_id: str = Field(min_length=1, max_length=32)
    helpful: bool


class FeedbackRead(BaseModel):
    query_id: str
    helpful: bool
