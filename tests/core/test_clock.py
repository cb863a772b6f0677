"""One clock: the simulator can set the time every service reads."""
from datetime import datetime, timezone

from app.core import clock
from app.core.db import utcnow


def test_simulated_clock_drives_utcnow_and_china_today():
    at = datetime(2026, 3, 2, 17, 0, tzinfo=timezone.utc)  # 01:00 on 3 March in China
    with clock.use(lambda: at):
        assert utcnow() == at
        assert clock.china_today().isoformat() == "2026-03-03"
    assert utcnow() != at  # the wall clock again
