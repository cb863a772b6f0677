"""Deterministic choices: a number fixed by the seed and a name, the simulated days, the key of an
application that does not depend on the order it was created in, and the worker that owns a key."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

from app.core.clock import CHINA_TZ
from app.services.applications import deadlines
from app.services.applications.models import Application


def chance(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) fixed by the seed and the parts (no state to carry)."""
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def simulated_days(start: date, days: int) -> list[date]:
    """The working days among the `days` calendar days from `start` (a month: `days=30`, about 21
    working days; weekends and holidays pass with nothing to do)."""
    return [d for d in (start + timedelta(days=i) for i in range(days)) if deadlines.is_workday(d)]


def working_days(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if deadlines.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def app_key(app: Application) -> str:
    """What identifies an application whatever the order it was created in (its number is a daily
    sequence, which depends on how the workers interleave): matter, applicant, China minute of creation."""
    return key_of(app.matter_code, app.subject_key, app.created_at)


def key_of(matter_code: str, subject_key: str, created_at) -> str:
    """`app_key` from the three columns (for queries that select only them)."""
    return f"{matter_code}:{subject_key}:{created_at.astimezone(CHINA_TZ):%Y%m%d%H%M}"


def partition(key: str, workers: int) -> int:
    """The worker that owns `key` (the same key, the same worker, for a given number of workers)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % workers


