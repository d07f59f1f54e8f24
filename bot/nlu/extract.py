"""Entities from normalised customer text: ids, money, dates, the words that describe an order
(product, spec, ordinal, order_kind), the refund reason, a typed satisfaction score and a wish
to be called back or leave a message.

Ids, amounts and dates are located by spaCy patterns over single characters (bot.nlu.spans:
jieba's inconsistent numeral splits never matter, and an id wins over an amount or a date inside
it); the patterns below then read each located span's value: which day, how much. Reasons,
scores and contact wishes are keyword lists (bot.nlu.reasons, bot.nlu.feedback).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import List, Optional, Tuple

from bot.clock import CUSTOMER_TZ
from bot.nlu.feedback import contact_choice, survey_score
from bot.nlu.numbers import CHINESE_NUMERAL_CHARS, DIGITS, parse_number
from bot.nlu.order_words import order_kind, product_codes
from bot.nlu.reasons import find_reason
from bot.nlu.spans import find_spans


@dataclass(frozen=True)
class Entity:
    entity: str
    start: int
    end: int
    value: str
    text: str


ID_LABELS = ("ticket_id", "instance_id", "order_id")

_NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|[{CHINESE_NUMERAL_CHARS}]+)"
MONEY = re.compile(
    rf"(?:[￥¥]\s*(?P<a>\d+(?:,\d{{3}})*(?:\.\d+)?))"
    rf"|(?:(?P<b>{_NUM}(?:\s*万)?)\s*(?:多\s*)?(?:元|块钱|块|rmb|RMB|人民币|CNY|cny))"
)

_DAY_WORDS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨晚": -1, "今天": 0, "今日": 0,
              "今早": 0, "今晚": 0, "明天": 1}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_PERIODS = {"凌晨": 3, "早上": 8, "早晨": 8, "上午": 10, "中午": 12, "下午": 15, "傍晚": 18,
            "晚上": 20, "夜里": 23, "半夜": 0}
# Every optional part brings its own leading spaces: two `\s*` side by side would let a long run
# of spaces be split in quadratically many ways before a match fails.
_HOUR = (rf"(?P<hour>\d{{1,2}}|[{''.join(DIGITS)}十]+)\s*[点时:：]"
         rf"(?:\s*(?P<minute>半|\d{{1,2}}|[{''.join(DIGITS)}十]+))?(?:\s*分)?")
_PERIOD = "(?P<period>" + "|".join(_PERIODS) + ")"
_TIME_OF_DAY = rf"(?:\s*{_PERIOD})?(?:\s*{_HOUR})?"
DATE = re.compile(
    r"(?:(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    r"|(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})"
    r"|(?P<prevmonth>上个?月)\s*(?P<pd>\d{1,2})\s*[日号]"
    r"|(?P<ago>\d+|[一二两三四五六七八九十]+)\s*天(?:以)?前"
    r"|(?P<word>大前天|前天|昨天|昨日|昨晚|今天|今日|今早|今晚|明天)"
    r"|(?P<week>上上|上|这|本)?\s*(?:个)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末1-7]))"
    + _TIME_OF_DAY
)


def extract_entities(text: str, now: datetime) -> List[Entity]:
    """All entities in normalised `text`; dates are resolved against `now` (Beijing time).
    Ids, amounts and dates are located by spaCy patterns (bot.nlu.spans) and read here."""
    entities: List[Entity] = []
    masked = text
    for span in find_spans(text):
        raw = text[span.start:span.end]
        value = _value(span.label, raw, now)
        if value is None:
            continue
        entities.append(Entity(span.label, span.start, span.end, value, raw))
        if span.label in ID_LABELS:  # an id holds no reason, score or contact wish
            masked = masked[:span.start] + "#" * (span.end - span.start) + masked[span.end:]
    reason = find_reason(masked)
    if reason is not None:
        value, start, end = reason
        entities.append(Entity("refund_reason", start, end, value, text[start:end]))
    score = survey_score(masked)
    if score is not None:
        points, start, end = score
        entities.append(Entity("survey_score", start, end, str(points), text[start:end]))
    contact = contact_choice(masked)
    if contact is not None:
        kind, start, end = contact
        entities.append(Entity("contact_choice", start, end, kind, text[start:end]))
    return sorted(entities, key=lambda e: e.start)


def _value(label: str, raw: str, now: datetime) -> Optional[str]:
    """The canonical value of a located span, or None when it does not read as one."""
    if label == "ticket_id":
        return "RF" + re.sub(r"\D", "", raw)
    if label == "instance_id":
        return "ins-" + raw[4:].lower()
    if label == "order_id":
        return re.sub(r"[ -]", "", raw)
    if label == "product":
        return ",".join(sorted(product_codes(re.sub(r"\s+", " ", raw.lower()))))
    if label == "order_kind":
        return order_kind(raw.lower())
    if label == "spec":
        cores, memory = re.findall(r"\d+", raw)[:2]
        return f"{int(cores)}c{int(memory)}g"
    if label == "ordinal":
        if raw.startswith(("最后", "末尾")):
            return "last"
        number = parse_number(re.sub(r"[第\s个台条单项笔]", "", raw))
        return str(int(number)) if number is not None and number > 0 else None
    if label == "amount":
        match = MONEY.fullmatch(raw)
        amount = _money_value(match) if match else None
        return f"{amount:.2f}" if amount is not None else None
    match = DATE.fullmatch(raw.rstrip())
    moment = _date_value(match, now) if match else None
    return moment.isoformat() if moment is not None else None


def _money_value(match: re.Match) -> Optional[Decimal]:
    raw = match.group("a") or match.group("b")
    raw = raw.replace(" ", "")
    tens_of_thousands = parse_number(raw[:-1]) if raw.endswith("万") else None
    value = tens_of_thousands * 10_000 if tens_of_thousands is not None else parse_number(raw)
    if value is None or value <= 0:
        return None
    return Decimal(value).quantize(Decimal("0.01"))


def _date_value(match: re.Match, now: datetime) -> Optional[datetime]:
    today = now.astimezone(CUSTOMER_TZ).date()
    g = match.groupdict()
    try:
        if g["m"]:
            year = int(g["y"]) if g["y"] else today.year
            day = datetime(year, int(g["m"]), int(g["d"])).date()
            if not g["y"] and day > today:
                day = day.replace(year=year - 1)
        elif g["iy"]:
            day = datetime(int(g["iy"]), int(g["im"]), int(g["id"])).date()
        elif g["prevmonth"]:
            first = today.replace(day=1) - timedelta(days=1)
            day = first.replace(day=int(g["pd"]))
        elif g["ago"]:
            days_ago = parse_number(g["ago"])
            if days_ago is None:
                return None
            day = today - timedelta(days=int(days_ago))
        elif g["word"]:
            day = today + timedelta(days=_DAY_WORDS[g["word"]])
        elif g["wd"]:
            day = _weekday(today, g["week"], _WEEKDAYS[g["wd"]])
        else:
            return None
    except (ValueError, TypeError):
        return None
    hour, minute = _time_of_day(g, match.group(0))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CUSTOMER_TZ)


def _weekday(today, week: Optional[str], weekday: int):
    monday = today - timedelta(days=today.weekday())
    if week == "上上":
        return monday - timedelta(days=14) + timedelta(days=weekday)
    if week == "上":
        return monday - timedelta(days=7) + timedelta(days=weekday)
    day = monday + timedelta(days=weekday)
    # A bare 周三 said on a Monday most likely means the one just past.
    return day - timedelta(days=7) if week is None and day > today else day


def _time_of_day(groups: dict, text: str) -> Tuple[int, int]:
    period = groups.get("period")
    if "昨晚" in text or "今晚" in text:
        period = period or "晚上"
    if "今早" in text:
        period = period or "早上"
    hour_text = groups.get("hour")
    if not hour_text:
        return (_PERIODS[period], 0) if period else (0, 0)
    hour = int(parse_number(hour_text) or 0)
    minute_text = groups.get("minute")
    minute = 30 if minute_text == "半" else int(parse_number(minute_text) or 0) if minute_text else 0
    if period in ("下午", "傍晚", "晚上") and hour < 12:
        hour += 12
    if period == "中午" and hour < 6:
        hour += 12
    return (hour % 24, minute % 60)
