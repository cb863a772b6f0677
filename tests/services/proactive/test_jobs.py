"""The eligibility scan runs at night, China time (the task queue's schedule is in UTC)."""
from datetime import datetime, timedelta

from app.core.tasks import huey
from app.services.proactive import jobs


def test_the_scan_is_scheduled_once_a_night_china_time():
    task = jobs.eligibility_scan_job.s()  # a task instance: what the consumer asks for each minute
    day = datetime(2026, 12, 1)
    slots = [day + timedelta(minutes=m) for m in range(0, 24 * 60)
             if task.validate_datetime(day + timedelta(minutes=m))]
    assert len(slots) == 1 and huey.utc
    china = slots[0] + timedelta(hours=8)  # the queue's UTC slot, in China time (UTC+8, no DST)
    assert 0 <= china.hour < 6, china
