"""Working days with official holidays and make-up working days (chinese-calendar)."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # beyond the calendar's published years: weekdays only
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (0: the same day, or the next working day)."""
    day = start
    if days == 0:
        while not is_workday(day):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            n += 1
    return n


# Intake (受理 / 不予受理 / 补正) is its own step with its own time limit. The Administrative
# Licensing Law (art. 32) allows five days to tell an applicant what is missing; the one-network
# practice promises an answer within one working day of the (re)submission. An on-the-spot matter
# (promised_days == 0) is taken in the same working day it is decided.
INTAKE_WORKING_DAYS = 1


def intake_due(submitted_on: date, promised_days: int) -> date:
    """The day by which a (re)submitted application must be accepted or refused."""
    return add_working_days(submitted_on, 0 if promised_days == 0 else INTAKE_WORKING_DAYS)
