"""What `portal simulate --days N` simulates: the working days among N calendar days."""
from datetime import date

from app.simulation.keys import simulated_days


def test_days_are_calendar_days():
    """`--days 30` is a month: the working days among 30 calendar days (weekends and the May Day
    holiday pass), not 30 working days."""
    march = simulated_days(date(2026, 3, 2), 30)  # Monday 2 March to Tuesday 31 March
    assert len(march) == 22 and march[0] == date(2026, 3, 2) and march[-1] == date(2026, 3, 31)
    assert all(d.weekday() < 5 for d in march)
    assert simulated_days(date(2026, 3, 7), 2) == []  # a weekend alone
    may = simulated_days(date(2026, 5, 1), 5)  # 1–5 May: the Labour Day holiday
    assert may == []
