"""Where ids, amounts, dates and the words that describe an order (product, size, position in a
list, renewal or promotion) stand in customer text, found with spaCy token patterns.

`spacy.blank("zh")` segments Chinese into single characters (no model to download, and none of
jieba's inconsistent numeral splits: 一千二百块 may come out of jieba as 一千 / 二百块), so each
pattern below is a sequence of character tokens. Whitespace is not a token, which is how
「2026 1125 0001 0008」 matches the same pattern as 「2026112500010008」. The Matcher proposes
every candidate; each is then checked against the exact shape of its kind (`SHAPES`), so a
17-digit number is no order id, and the longest checked candidate of the highest priority wins
where candidates overlap. Turning a span into a value (which day, how much) is bot.nlu.extract's
job.

spaCy is imported when a Matcher is first built: only the Rasa process, which has TensorFlow
loaded anyway, pays for it (about 0.5 s and 30 MB there, several hundred MB elsewhere).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Pattern, Tuple

from bot.nlu.numbers import CHINESE_NUMERAL_CHARS, DIGITS
from bot.nlu.order_words import ORDER_KIND_WORDS, PRODUCT_WORDS

Token = Dict[str, Any]

DIGIT: Token = {"TEXT": {"REGEX": r"^\d$"}}
ALNUM: Token = {"TEXT": {"REGEX": r"^[A-Za-z0-9]$"}}
TICKET_EXTRA_DIGITS = 4  # ticket numbers: 12 digits (old and most), up to 16
HOUR_NUMERAL: Token = {"TEXT": {"IN": [*DIGITS, "十"]}}


def chars(text: str) -> List[Token]:
    """A word as a sequence of character tokens."""
    return [{"ORTH": c} for c in text]


def one_of(*words: str) -> List[List[Token]]:
    return [chars(w) for w in words]


def _repeat(token: Token, count: int) -> List[Token]:
    return [dict(token) for _ in range(count)]


def _number() -> List[Token]:
    """Arabic digits with thousands commas and decimals, or Chinese numerals."""
    return [{"TEXT": {"REGEX": r"^[\d,.]$|^[" + CHINESE_NUMERAL_CHARS + r"]$"}, "OP": "+"}]


# --- ids ------------------------------------------------------------------------------------------

def _order_ids() -> List[List[Token]]:
    plain = _repeat(DIGIT, 16)
    dashed = [*_repeat(DIGIT, 4), {"ORTH": "-"}, *_repeat(DIGIT, 4), {"ORTH": "-"}, *_repeat(DIGIT, 4),
              {"ORTH": "-"}, *_repeat(DIGIT, 4)]
    return [plain, dashed]


def _ticket_ids() -> List[List[Token]]:
    # RF + date + a daily sequence of 4 digits, 5 and more past 9,999 tickets a day.
    longer = [{**DIGIT, "OP": "?"} for _ in range(TICKET_EXTRA_DIGITS)]
    return [[{"LOWER": "r"}, {"LOWER": "f"}, *_repeat(DIGIT, 12), *longer]]


def _instance_ids() -> List[List[Token]]:
    return [[{"LOWER": "i"}, {"LOWER": "n"}, {"LOWER": "s"}, {"ORTH": "-"}, *_repeat(ALNUM, 8)]]


# --- money ----------------------------------------------------------------------------------------

_CURRENCY_WORDS = ("元", "块钱", "块", "rmb", "人民币", "cny")


def _money() -> List[List[Token]]:
    patterns: List[List[Token]] = [[{"TEXT": {"IN": ["¥", "￥"]}}, {"TEXT": {"REGEX": r"^[\d,.]$"}, "OP": "+"}]]
    for unit in _CURRENCY_WORDS:
        unit_tokens = [{"LOWER": c} for c in unit]
        patterns.append([*_number(), {"ORTH": "万", "OP": "?"}, {"ORTH": "多", "OP": "?"}, *unit_tokens])
    return patterns


# --- dates ----------------------------------------------------------------------------------------

_DAY_WORDS = ("大前天", "前天", "昨天", "昨日", "昨晚", "今天", "今日", "今早", "今晚", "明天")
_PERIODS = ("凌晨", "早上", "早晨", "上午", "中午", "下午", "傍晚", "晚上", "夜里", "半夜")
_WEEK_WORDS = ("周", "星期", "礼拜")


def _date_cores() -> List[List[Token]]:
    digits = {"TEXT": {"REGEX": r"^\d$"}, "OP": "+"}
    day_mark = {"TEXT": {"IN": ["日", "号"]}}
    cores: List[List[Token]] = [
        [{"TEXT": {"REGEX": r"^\d$"}, "OP": "*"}, {"ORTH": "年", "OP": "?"}, digits, {"ORTH": "月"}, digits, day_mark],
        [digits, {"TEXT": {"IN": ["-", "/", "."]}}, digits, {"TEXT": {"IN": ["-", "/", "."]}}, digits],
        [{"ORTH": "上"}, {"ORTH": "个", "OP": "?"}, {"ORTH": "月"}, digits, day_mark],
        [{"TEXT": {"REGEX": r"^[\d一二两三四五六七八九十]$"}, "OP": "+"}, {"ORTH": "天"}, {"ORTH": "以", "OP": "?"},
         {"ORTH": "前"}],
        *one_of(*_DAY_WORDS),
    ]
    for week in _WEEK_WORDS:
        for prefix in ("", "上上", "上", "这", "本"):
            cores.append([*chars(prefix), {"ORTH": "个", "OP": "?"}, *chars(week),
                          {"TEXT": {"IN": list("一二三四五六日天末1234567")}}])
    return cores


def _time_suffixes() -> List[List[Token]]:
    hour = [{"TEXT": {"REGEX": r"^\d$"}, "OP": "+"}]
    hour_cn = [{**HOUR_NUMERAL, "OP": "+"}]
    minute_opts: List[List[Token]] = [[], [{"ORTH": "半"}], [{"TEXT": {"REGEX": r"^\d$"}, "OP": "+"}],
                                      [{**HOUR_NUMERAL, "OP": "+"}]]
    clock: List[List[Token]] = []
    for h in (hour, hour_cn):
        for minute in minute_opts:
            clock.append([*h, {"TEXT": {"IN": ["点", "时", ":", "："]}}, *minute, {"ORTH": "分", "OP": "?"}])
    suffixes: List[List[Token]] = [[]]
    for period in _PERIODS:
        suffixes.append(chars(period))
        suffixes.extend([*chars(period), *c] for c in clock)
    suffixes.extend(clock)
    return suffixes


def _times_of_day() -> List[List[Token]]:
    return [suffix for suffix in _time_suffixes() if suffix]


# --- what describes an order -------------------------------------------------------------------

def _products() -> List[List[Token]]:
    return [[{"LOWER": c} for c in word if c != " "] for words, _ in PRODUCT_WORDS for word in words]


def _specs() -> List[List[Token]]:
    """「8核16G」「8c16g」「4 vCPU 8 GB」."""
    digits = {"TEXT": {"REGEX": r"^\d$"}, "OP": "+"}
    cores = [[{"ORTH": "核"}], [{"LOWER": "c"}], [{"LOWER": "v"}, {"LOWER": "c"}, {"LOWER": "p"}, {"LOWER": "u"}],
             [{"LOWER": "c"}, {"LOWER": "p"}, {"LOWER": "u"}]]
    memory = [[], [{"LOWER": "g"}], [{"LOWER": "g"}, {"LOWER": "b"}], [{"ORTH": "吉"}]]
    return [[digits, *c, digits, *m] for c in cores for m in memory]


def _ordinals() -> List[List[Token]]:
    """「第一个」「第2台」「第三」 and 「最后一个」; whether a bare 「第三」 ends there is checked by SHAPES."""
    number = {"TEXT": {"REGEX": r"^[\d一二两三四五六七八九十]$"}, "OP": "+"}
    counter = {"TEXT": {"IN": list("个台条单项笔")}}
    last = [[*chars(word), {"TEXT": {"IN": ["一", "1", "那"]}, "OP": "?"}, counter] for word in ("最后", "末尾")]
    return [[{"ORTH": "第"}, number, counter], [{"ORTH": "第"}, number], *last]


def _order_kinds() -> List[List[Token]]:
    return [[{"LOWER": c} for c in word] for _, words in ORDER_KIND_WORDS for word in words]


# --- matching -------------------------------------------------------------------------------------

# The exact shape of each kind, checked on the candidate's text (with what stands either side).
SHAPES: Dict[str, Pattern[str]] = {
    "ticket_id": re.compile(r"(?<![A-Za-z0-9])[Rr][Ff]\s?\d{12,16}(?!\d)"),
    "instance_id": re.compile(r"(?<![A-Za-z0-9-])[Ii][Nn][Ss]-[A-Za-z0-9]{8}(?![A-Za-z0-9])"),
    "order_id": re.compile(r"(?<![\d-])(?:\d{16}|\d{4}(?:[ -]\d{4}){3})(?!\d)"),
    # A position needs a counter or the end of the phrase: 「第一次买」 is no position.
    "ordinal": re.compile(r"第\s*[一二两三四五六七八九十\d]+\s*(?:[个台条单项笔]|(?=[\s，。,.!！吧呀啊]|$))"
                          r"|(?:最后|末尾)\s*[一1那]?\s*[个台条单]"),
    "spec": re.compile(r"(?<!\d)\d+\s*(?:核|c|vcpu|cpu)\s*\d+\s*(?:gb|g|吉)?", re.IGNORECASE),
    # 「机器人」 is the assistant, not a machine.
    "product": re.compile("|".join(re.escape(w) + ("(?!人)" if w == "机器" else "")
                                   for w in sorted((w for words, _ in PRODUCT_WORDS for w in words), key=len,
                                                   reverse=True)), re.IGNORECASE),
}
# A time of day extends the date right before it (「前天」+「晚上8点半」); alone it is no date.
TIME_OF_DAY = "time_of_day"
# Where candidates overlap: ids first, then dates (「11月20日」 holds no amount), then money.
PRIORITY = {"ticket_id": 0, "instance_id": 1, "order_id": 2, "date": 3, "amount": 4, "spec": 5, "ordinal": 6,
            "product": 7, "order_kind": 8}
PATTERNS = {"ticket_id": _ticket_ids, "instance_id": _instance_ids, "order_id": _order_ids,
            "date": _date_cores, "amount": _money, TIME_OF_DAY: _times_of_day, "spec": _specs,
            "ordinal": _ordinals, "product": _products, "order_kind": _order_kinds}


@dataclass(frozen=True)
class Span:
    label: str
    start: int  # character offsets into the text
    end: int


@lru_cache(maxsize=1)
def _pipeline() -> Tuple[Any, Any]:
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("zh")  # character segmentation: no jieba, no model download
    matcher = Matcher(nlp.vocab)
    for label, build in PATTERNS.items():
        matcher.add(label, build())
    return nlp, matcher


def find_spans(text: str) -> List[Span]:
    """Non-overlapping spans of ids, dates and amounts in normalised `text`, in text order."""
    nlp, matcher = _pipeline()
    doc = nlp.make_doc(text)
    matches = [(nlp.vocab.strings[match_id], start, end) for match_id, start, end in matcher(doc)]
    # The longest time of day starting at each token.
    times: Dict[int, int] = {}
    for label, start, end in matches:
        if label == TIME_OF_DAY:
            times[start] = max(end, times.get(start, 0))
    candidates = []
    for label, start, end in matches:
        if label == TIME_OF_DAY:
            continue
        if label == "date" and end in times:
            end = times[end]
        span = doc[start:end]
        candidates.append(Span(label, span.start_char, span.end_char))
    chosen: List[Span] = []
    taken = [False] * len(text)
    for span in sorted(candidates, key=lambda s: (PRIORITY[s.label], -(s.end - s.start), s.start)):
        if any(taken[span.start:span.end]) or not _has_shape(text, span):
            continue
        chosen.append(span)
        for i in range(span.start, span.end):
            taken[i] = True
    return sorted(chosen, key=lambda s: s.start)


def _has_shape(text: str, span: Span) -> bool:
    shape = SHAPES.get(span.label)
    if shape is None:
        return True
    match = shape.search(text, span.start)
    return match is not None and match.start() == span.start and match.end() == span.end
