"""Working days by China's official calendar (holidays and make-up days) plus the provider's
closures; beyond the calendar an estimate or, if the policy asks, a clear error."""
from datetime import date, datetime, timezone

import pytest

from bot.policy.config import load_policy
from bot.policy.workdays import CalendarRangeError, add_working_days, is_working_day
from bot.settings import PROJECT_ROOT


def test_weekend_is_skipped():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)


def test_national_day_week_is_skipped_without_listing_it():
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_a_make_up_saturday_is_a_working_day():
    # 2026-10-10 is a Saturday worked in exchange for the National Day week (调休).
    assert is_working_day(date(2026, 10, 10)) and not is_working_day(date(2026, 10, 11))
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_spring_festival_2026():
    assert not is_working_day(date(2026, 2, 18))
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # Saturday 2/14 is worked


def test_provider_closures_are_skipped_too():
    assert add_working_days(date(2026, 11, 25), 1, [date(2026, 11, 26)]) == date(2026, 11, 27)


def test_zero_days_moves_off_a_day_off():
    assert add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 30)
    assert add_working_days(date(2026, 11, 26), 0) == date(2026, 11, 26)


def test_datetime_counts_from_the_customers_local_date():
    # 2026-11-26 17:00 UTC (Thursday) is already Friday 01:00 in Beijing.
    assert add_working_days(datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc), 1) == date(2026, 11, 30)


def test_beyond_the_calendar_weekdays_and_closures_are_an_estimate():
    assert add_working_days(date(2026, 12, 31), 1, [date(2027, 1, 1)]) == date(2027, 1, 4)


def test_beyond_the_calendar_a_strict_policy_gets_a_clear_error():
    with pytest.raises(CalendarRangeError, match="2027-01-02 is beyond the official holiday calendar"):
        add_working_days(date(2026, 12, 31), 1, [date(2027, 1, 1)], beyond_calendar="error")


def test_every_policy_file_counts_days_the_same_way():
    for path in (PROJECT_ROOT / "policies").glob("*.yml"):
        timing = load_policy(path).timing
        assert timing.working_days_after(date(2026, 9, 30), 1) == date(2026, 10, 8), path.name
