"""Support hours from config/support.yml (validated; re-read when the file changes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional, Tuple

import yaml

from bot.clock import CUSTOMER_TZ, ensure_aware

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class SupportConfigError(ValueError):
    """The support file is malformed; the message names the key."""


@dataclass(frozen=True)
class SupportConfig:
    days: Tuple[int, ...]
    opens: time
    closes: time
    holidays: Tuple[date, ...]
    override: Optional[str]
    claim_timeout: timedelta
    average_handling_minutes: int
    large_refund_above: Optional[Decimal]

    def is_open(self, now: datetime) -> bool:
        if self.override is not None:
            return self.override == "open"
        local = ensure_aware(now).astimezone(CUSTOMER_TZ)
        return (local.weekday() in self.days and local.date() not in self.holidays
                and self.opens <= local.time() < self.closes)

    def next_opening(self, now: datetime) -> Optional[datetime]:
        """When agents are next online (None if support is closed by override)."""
        if self.override == "closed":
            return None
        local = ensure_aware(now).astimezone(CUSTOMER_TZ)
        for offset in range(0, 15):
            day = local.date() + timedelta(days=offset)
            start = datetime.combine(day, self.opens, tzinfo=CUSTOMER_TZ)
            if day.weekday() in self.days and day not in self.holidays and start > local:
                return start
        return None

    def describe(self) -> str:
        days = "、".join(DAY_LABELS[d] for d in self.days) if len(self.days) < 7 else "每天"
        return f"{days} {self.opens:%H:%M}–{self.closes:%H:%M}（北京时间，法定节假日除外）"


def parse_support(raw: object) -> SupportConfig:
    if not isinstance(raw, dict):
        raise SupportConfigError("support config must be a mapping")
    hours = raw.get("hours")
    if not isinstance(hours, dict):
        raise SupportConfigError("hours is required")
    days = hours.get("days")
    if not isinstance(days, list) or not days or any(d not in DAY_NAMES for d in days):
        raise SupportConfigError(f"hours.days must list some of {', '.join(DAY_NAMES)}")
    opens, closes = _time(hours, "open"), _time(hours, "close")
    if closes <= opens:
        raise SupportConfigError("hours.close must be after hours.open")
    override = raw.get("override")
    if override not in (None, "open", "closed"):
        raise SupportConfigError("override must be open, closed or null")
    try:
        holidays = tuple(d if isinstance(d, date) else date.fromisoformat(str(d)) for d in hours.get("holidays", []))
    except ValueError as exc:
        raise SupportConfigError(f"hours.holidays: {exc}") from exc
    return SupportConfig(
        days=tuple(sorted(DAY_NAMES.index(d) for d in days)), opens=opens, closes=closes, holidays=holidays,
        override=override, claim_timeout=timedelta(seconds=_positive(raw, "claim_timeout_seconds", 180)),
        average_handling_minutes=_positive(raw, "average_handling_minutes", 5),
        large_refund_above=_amount(raw.get("large_refund_above")),
    )


def _time(section: dict, key: str) -> time:
    try:
        return time.fromisoformat(str(section.get(key)))
    except ValueError as exc:
        raise SupportConfigError(f"hours.{key} must be HH:MM") from exc


def _positive(raw: dict, key: str, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SupportConfigError(f"{key} must be a positive whole number")
    return value


def _amount(value: object) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise SupportConfigError("large_refund_above must be an amount or null") from exc


class SupportSettings:
    """Loads the support file, re-reading it when it changes on disk."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._cached: Optional[Tuple[float, SupportConfig]] = None

    def current(self) -> SupportConfig:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError as exc:
            raise SupportConfigError(f"support file not found: {self.path}") from exc
        if self._cached is None or self._cached[0] != mtime:
            try:
                raw = yaml.safe_load(self.path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise SupportConfigError(f"{self.path}: not valid YAML: {exc}") from exc
            self._cached = (mtime, parse_support(raw))
        return self._cached[1]
