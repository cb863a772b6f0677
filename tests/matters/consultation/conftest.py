"""Consultation tests: the process-wide index (files, catalogue and training sets), built once."""
from __future__ import annotations

import pytest

from app.matters.consultation import engine


@pytest.fixture(scope="module")
def index():
    return engine.get_index()
