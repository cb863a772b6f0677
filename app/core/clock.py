"""China time (UTC+8, one zone, no daylight saving): dates of deadlines, numbers and documents.

Every service reads the time here (and through `app.core.db.utcnow`), so the district simulator can
drive the whole portal with a simulated clock (`use`); the portal itself runs on the wall clock."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator

CHINA_TZ = timezone(timedelta(hours=8))

_source: Callable[[], datetime] | None = None  # a simulated clock; None: the wall clock


def utc_now() -> datetime:
    return _source() if _source is not None else datetime.now(timezone.utc)


def china_now() -> datetime:
    return utc_now().astimezone(CHINA_TZ)


def china_today() -> date:
    return china_now().date()


@contextmanager
def use(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from `source` (an aware datetime) inside the block: the simulator's clock."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
