from __future__ import annotations

from pydantic import BaseModel


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeRead(BaseModel):
    username: str
    role: str
    full_name: str
    id_number: str | None = None
    uscc: str | None = None
    phone: str = ""
    department: str | None = None
    window: str | None = None
