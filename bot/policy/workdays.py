"""Working days in the customer's time zone, from China's official calendar of public holidays
and make-up working days (调休, the `chinesecalendar` package), plus the provider's own
closures from the policy file.

Beyond the years the calendar covers (the State Council announces a year's holidays late in
the year before), `beyond_calendar="weekdays"` counts Monday to Friday minus the closures, so a
promised date is an estimate; `"error"` refuses with CalendarRangeError.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

import chinese_calendar

from bot.clock import to_customer_time

BEYOND_CALENDAR = ("weekdays", "error")


class CalendarRangeError(ValueError):
    """The date lies outside the official holiday calendar and estimates were not allowed."""


def is_working_day(day: date, closures: Iterable[date] = (), beyond_calendar: str = "weekdays") -> bool:
    """An official working day (weekends, public holidays and make-up days as announced) that
    is not one of the provider's closures."""
    if day in set(closures):
        return False
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        if beyond_calendar == "error":
            raise CalendarRangeError(
                f"{day.isoformat()} is beyond the official holiday calendar (chinesecalendar covers up to "
                f"{max(chinese_calendar.holidays).year}): update the package, or list that year's "
                f"holidays under timing.holidays and set timing.beyond_calendar: weekdays") from exc
        return day.weekday() < 5


def add_working_days(start: datetime | date, days: int, closures: Iterable[date] = (),
                     beyond_calendar: str = "weekdays") -> date:
    """The local date `days` working days after `start` (0 means the same or next working day).

    A datetime is first converted to the customer's local date.
    """
    closed = frozenset(closures)
    current = to_customer_time(start).date() if isinstance(start, datetime) else start
    if days == 0:
        while not is_working_day(current, closed, beyond_calendar):
            current += timedelta(days=1)
        return current
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, closed, beyond_calendar):
            remaining -= 1
    return current
