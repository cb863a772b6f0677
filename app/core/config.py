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
    # The audit chain's HMAC key is derived from this when set, else from secret_key (each with
    # its own HKDF label). Keep it outside the database: whoever holds it can rebuild the chain.
    audit_key: str = ""
    audit_checkpoint_every: int = 1000  # records between automatic checkpoints of the chain head
    default_locale: str = "zh"
    base_url: str = "http://127.0.0.1:8000"
    # RFC 3161 timestamp authority for signing; unset: the portal's own TSA, in process.
    tsa_url: str = ""
    # Where `portal ca init` keeps the root CA's private key (never in the database); default data_dir/ca.
    ca_dir: Path | None = None
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    token_hours: int = 8
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_ip_max_failures: int = 30
    # Threads for sync handlers (anyio's limiter), threads for commits at the edge, and the
    # connections kept open; on PostgreSQL the pool may grow to threads + edge_threads (see db.pool_sizes).
    threads: int = 40
    edge_threads: int = 10
    db_pool_size: int = 10
    max_upload_bytes: int = 10 * 1024 * 1024  # one uploaded file
    max_request_bytes: int = 1024 * 1024  # any other request body
    max_image_pixels: int = 40_000_000  # an uploaded image's width × height
    # Check compiled templates against their files on every render (unset: in development only,
    # where templates are edited while the server runs).
    templates_reload: bool | None = None
    log_level: str = "INFO"
    log_json: bool = True
    # Task queue: SQLite file in data_dir unless a redis:// URL is given (several instances).
    queue_url: str = ""
    # The queue's name (its keys on Redis): instances that share work share it.
    queue_name: str = "portal"
    # Days after completion within which the applicant may review (好差评).
    review_period_days: int = 15

    @property
    def root_key_dir(self) -> Path:
        return self.ca_dir or self.data_dir / "ca"

    @property
    def reload_templates(self) -> bool:
        return self.env == "development" if self.templates_reload is None else self.templates_reload

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
        if self.env == "production" and self.audit_key and len(self.audit_key) < 32:
            raise ValueError("PORTAL_AUDIT_KEY, when set, must be at least 32 characters")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
