"""Errors of the datahub."""
from __future__ import annotations

from app.core.errors import NotFound


class UnknownDataSource(NotFound):
    """A source that is not one of the catalogue's data sources."""

    code = "unknown_data_source"

    def __init__(self, source: str):
        super().__init__(f"未知数据源 / Unknown data source: {source}")
