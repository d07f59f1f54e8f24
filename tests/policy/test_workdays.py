from datetime import date, datetime, timezone

from bot.policy.workdays import add_working_days, is_working_day


def test_weekend_is_skipped():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1, []) == date(2026, 11, 30)


def test_holidays_are_skipped():
    assert add_working_days(date(2026, 9, 30), 1, [date(2026, 10, 1), date(2026, 10, 2)]) == date(2026, 10, 5)


def test_zero_days_moves_off_a_weekend():
    assert add_working_days(date(2026, 11, 28), 0, []) == date(2026, 11, 30)
    assert add_working_days(date(2026, 11, 26), 0, []) == date(2026, 11, 26)


def test_datetime_counts_from_the_customers_local_date():
    # 2026-11-26 17:00 UTC (Thursday) is already Friday 01:00 in Beijing.
    assert add_working_days(datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc), 1, []) == date(2026, 11, 30)


def test_is_working_day():
    assert is_working_day(date(2026, 11, 26), [])
    assert not is_working_day(date(2026, 11, 29), [])
    assert not is_working_day(date(2026, 11, 26), [date(2026, 11, 26)])
