"""Time helpers: UTC in storage, Asia/Shanghai for customers."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

CUSTOMER_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def ensure_aware(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC (how storage keeps them) and return it aware."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def to_customer_time(moment: datetime) -> datetime:
    """Convert to the customer's time zone (Asia/Shanghai)."""
    return ensure_aware(moment).astimezone(CUSTOMER_TZ)


def format_customer_date(day: date) -> str:
    """A date as customers read it: 2026年11月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_customer_time(moment: datetime, with_time: bool = True) -> str:
    """Render a moment for a customer, e.g. ``2026年11月26日 14:05``."""
    local = to_customer_time(moment)
    text = format_customer_date(local)
    return f"{text} {local:%H:%M}" if with_time else text


def customer_day_start(day: date) -> datetime:
    """The moment (UTC) a day begins in the customer's time zone: Beijing dates to stored times."""
    return datetime(day.year, day.month, day.day, tzinfo=CUSTOMER_TZ).astimezone(timezone.utc)


def parse_instant(value: object) -> Optional[datetime]:
    """An ISO 8601 time the entity extractor produced, timezone-aware, or None for anything else
    (a value typed into `/inform{...}` is any JSON: not a string, not a date, absurdly long)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return ensure_aware(datetime.fromisoformat(value))
    except ValueError:
        return None
