"""Request bodies of the auto-approval API."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class SettingUpdate(BaseModel):
    enabled: bool | None = None
    daily_cap: int | None = Field(default=None, ge=0, le=1_000_000)
    sample_rate: float | None = Field(default=None, ge=0, le=1)


class DraftCreate(BaseModel):
    content: dict[str, Any]
    note: str = Field(default="", max_length=500)


class PostCheck(BaseModel):
    status: str = Field(pattern="^(confirmed|flagged)$")
    note: str = Field(default="", max_length=500)
