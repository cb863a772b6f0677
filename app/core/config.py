"""Settings from the environment (prefix PORTAL_)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789"
# Where templates/, static/ and migrations/ live (the checkout, or PORTAL_ROOT in an image).
PROJECT_ROOT = Path(os.environ.get("PORTAL_ROOT") or Path(__file__).resolve().parents[2])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    env: str = "development"  # development | test | production
    database_url: str = ""
    data_dir: Path = Path("var")
    secret_key: str = DEV_SECRET_KEY
    default_locale: str = "zh"
    base_url: str = "http://127.0.0.1:8000"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    token_hours: int = 8
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_ip_max_failures: int = 30
    max_upload_bytes: int = 10 * 1024 * 1024
    log_level: str = "INFO"
    log_json: bool = True
    # Task queue: SQLite file in data_dir unless a redis:// URL is given (several instances).
    queue_url: str = ""
    # Days after completion within which the applicant may review (好差评).
    review_period_days: int = 15

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.data_dir / 'portal.db').as_posix()}"

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> "Settings":
        if self.env == "production" and (self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32):
            raise ValueError(
                "PORTAL_SECRET_KEY must be set to a random value of at least 32 characters "
                "when PORTAL_ENV=production (the development default is refused)"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
