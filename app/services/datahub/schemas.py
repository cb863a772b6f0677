"""What a datahub lookup answers."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

LookupStatus = Literal["found", "not_found", "unavailable"]


class LookupResult(BaseModel):
    """`record` is the payload (plus derived fields such as population `age`) when found."""

    status: LookupStatus
    record: dict[str, Any] | None = None
    source: str = ""
    subject_key: str = ""
    updated_at: datetime | None = None

    @property
    def found(self) -> bool:
        return self.status == "found"


class SourceStatusRead(BaseModel):
    source: str
    available: bool
    note: str = ""
