"""Numbers as Chinese customers type them: 1200, 1,200, 一千二百, 两千五, 1.2万, 三点五."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Optional

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "点"


def parse_number(text: str) -> Optional[Decimal]:
    """Parse Arabic, Chinese or mixed numerals; None when `text` is not a number."""
    text = text.replace(",", "").replace("，", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    for unit, factor in BIG_UNITS.items():
        head, sep, tail = text.partition(unit)
        if sep and head:
            high = parse_number(head)
            low = _parse_low(tail, previous_unit=factor) if tail else Decimal(0)
            if high is None or low is None:
                return None
            return high * factor + low
    return _parse_low(text)


def _parse_low(text: str, previous_unit: int = 0) -> Optional[Decimal]:
    """A number below 10,000 in Chinese numerals, possibly with a decimal part (三点五)."""
    integer, _, fraction = text.partition("点")
    value = _parse_integer(integer, previous_unit)
    if value is None:
        return None
    if fraction:
        if not all(ch in DIGITS or ch.isdigit() for ch in fraction):
            return None
        digits = "".join(str(DIGITS[ch]) if ch in DIGITS else ch for ch in fraction)
        value += Decimal(f"0.{digits}")
    return value


def _parse_integer(text: str, previous_unit: int) -> Optional[Decimal]:
    if not text:
        return Decimal(0)
    if text.isdigit():
        return Decimal(int(text))
    total, digit, last_unit = 0, None, previous_unit or 1
    for ch in text:
        if ch in DIGITS or ch.isdigit():
            digit = DIGITS[ch] if ch in DIGITS else int(ch)
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    if digit is not None:
        # 两千五 is 2,500 and 一万二 is 12,000: a digit right after a unit (or alone after 万)
        # takes the unit below it; after 零 it is a plain digit.
        after_unit = text[-2:-1] in SMALL_UNITS or (len(text) == 1 and previous_unit)
        total += digit * (last_unit // 10 if after_unit else 1)
    return Decimal(total)
