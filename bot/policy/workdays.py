"""Working-day arithmetic in the customer's time zone: weekends and holidays are skipped."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

from bot.clock import to_customer_time


def is_working_day(day: date, holidays: Iterable[date]) -> bool:
    """Monday to Friday, and not a listed holiday."""
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(start: datetime | date, days: int, holidays: Iterable[date]) -> date:
    """The local date `days` working days after `start` (0 means the same or next working day).

    A datetime is first converted to the customer's local date.
    """
    holiday_set = set(holidays)
    current = to_customer_time(start).date() if isinstance(start, datetime) else start
    if days == 0:
        while not is_working_day(current, holiday_set):
            current += timedelta(days=1)
        return current
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holiday_set):
            remaining -= 1
    return current
