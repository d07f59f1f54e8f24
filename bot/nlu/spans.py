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

Work is linear in the length of the text. No pattern repeats a token without bound: spaCy's
"+" over a run of n matching characters starts a match at each of them and carries every one
to the end of the run (a 2,000-digit message cost over a minute), so repetitions are spelled
out up to the longest value that reads as one (`run`); longer runs hold no id, amount or date.
The shape checks are anchored regexes without nested repetition, and overlaps are checked in C.

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
Alternatives = List[List[Token]]  # token sequences, any one of which may stand at a place

DIGIT: Token = {"TEXT": {"REGEX": r"^\d$"}}
ALNUM: Token = {"TEXT": {"REGEX": r"^[A-Za-z0-9]$"}}
TICKET_EXTRA_DIGITS = 4  # ticket numbers: 12 digits (old and most), up to 16
HOUR_NUMERAL: Token = {"TEXT": {"IN": [*DIGITS, "十"]}}
COUNT: Token = {"TEXT": {"REGEX": r"^[\d一二两三四五六七八九十]$"}}  # a number of days, a position
NUMERAL: Token = {"TEXT": {"REGEX": r"^[\d,.]$|^[" + CHINESE_NUMERAL_CHARS + r"]$"}}  # an amount's number
MONEY_DIGIT: Token = {"TEXT": {"REGEX": r"^[\d,.]$"}}

# The longest run of each kind that still reads as a value (1,234,567.89 and 十二万三千四百五十六;
# a year; a month or a day; 三十五天前 and 第一百二十; 23点 and 二十三点; 128核 and 1024G).
MAX_NUMBER = 12
MAX_YEAR = 4
MAX_MONTH_DAY = 2
MAX_COUNT = 4
MAX_HOUR_DIGITS, MAX_HOUR_NUMERALS = 2, 3
MAX_CORES, MAX_MEMORY = 3, 4


def chars(text: str) -> List[Token]:
    """A word as a sequence of character tokens."""
    return [{"ORTH": c} for c in text]


def one_of(*words: str) -> Alternatives:
    return [chars(w) for w in words]


def token(spec: Token) -> Alternatives:
    """One token, as alternatives."""
    return [[spec]]


def maybe(*alternatives: List[Token]) -> Alternatives:
    """Nothing, or one of `alternatives`."""
    return [[], *alternatives]


def run(spec: Token, least: int, most: int) -> Alternatives:
    """`spec` repeated `least` to `most` times (spaCy 3.4 has no bounded repetition)."""
    return [[dict(spec) for _ in range(count)] for count in range(least, most + 1)]


def seq(*parts: Alternatives) -> Alternatives:
    """Every pattern made of one alternative of each part, in order."""
    patterns: Alternatives = [[]]
    for alternatives in parts:
        patterns = [[*head, *tail] for head in patterns for tail in alternatives]
    return patterns


def _repeat(spec: Token, count: int) -> List[Token]:
    return run(spec, count, count)[0]


# --- ids ------------------------------------------------------------------------------------------

def _order_ids() -> Alternatives:
    plain = _repeat(DIGIT, 16)
    dashed = [*_repeat(DIGIT, 4), {"ORTH": "-"}, *_repeat(DIGIT, 4), {"ORTH": "-"}, *_repeat(DIGIT, 4),
              {"ORTH": "-"}, *_repeat(DIGIT, 4)]
    return [plain, dashed]


def _ticket_ids() -> Alternatives:
    # RF + date + a daily sequence of 4 digits, 5 and more past 9,999 tickets a day.
    return seq([[{"LOWER": "r"}, {"LOWER": "f"}]], run(DIGIT, 12, 12 + TICKET_EXTRA_DIGITS))


def _instance_ids() -> Alternatives:
    return [[{"LOWER": "i"}, {"LOWER": "n"}, {"LOWER": "s"}, {"ORTH": "-"}, *_repeat(ALNUM, 8)]]


# --- money ----------------------------------------------------------------------------------------

# 元, 块 and 块钱, rmb, 人民币, cny (any case).
_CURRENCY: Alternatives = [[{"LOWER": {"IN": ["元", "块"]}}],
                           *([{"LOWER": c} for c in unit] for unit in ("块钱", "rmb", "人民币", "cny"))]


def _money() -> Alternatives:
    """「¥99.5」, and a number (万 is one of its characters), 「多」 perhaps, then the currency."""
    return [*seq(token({"TEXT": {"IN": ["¥", "￥"]}}), run(MONEY_DIGIT, 1, MAX_NUMBER)),
            *seq(run(NUMERAL, 1, MAX_NUMBER), maybe(chars("多")), _CURRENCY)]


# --- dates ----------------------------------------------------------------------------------------

_DAY_WORDS = ("大前天", "前天", "昨天", "昨日", "昨晚", "今天", "今日", "今早", "今晚", "明天")
_PERIODS = ("凌晨", "早上", "早晨", "上午", "中午", "下午", "傍晚", "晚上", "夜里", "半夜")
_WEEK_WORDS = ("周", "星期", "礼拜")


def _date_cores() -> Alternatives:
    day_mark = token({"TEXT": {"IN": ["日", "号"]}})
    month_day = seq(run(DIGIT, 1, MAX_MONTH_DAY), one_of("月"), run(DIGIT, 1, MAX_MONTH_DAY), day_mark)
    separator = token({"TEXT": {"IN": ["-", "/", "."]}})
    cores: Alternatives = [
        *seq(run(DIGIT, 1, MAX_YEAR), one_of("年"), month_day),  # 2026年11月20日
        *seq(one_of("年"), month_day),
        # 11月20号; a year written without 年 runs into the month (202611月20日 reads as no date)
        *seq(run(DIGIT, 1, MAX_YEAR + MAX_MONTH_DAY), one_of("月"), run(DIGIT, 1, MAX_MONTH_DAY), day_mark),
        *seq(run(DIGIT, 1, MAX_YEAR), separator, run(DIGIT, 1, MAX_MONTH_DAY), separator,
             run(DIGIT, 1, MAX_MONTH_DAY)),
        *seq(one_of("上", "上个"), one_of("月"), run(DIGIT, 1, MAX_MONTH_DAY), day_mark),
        *seq(run(COUNT, 1, MAX_COUNT), one_of("天"), maybe(chars("以")), one_of("前")),
        *one_of(*_DAY_WORDS),
    ]
    for week in _WEEK_WORDS:
        for prefix in ("", "上上", "上", "这", "本"):
            cores.extend(seq([chars(prefix)], maybe(chars("个")), [chars(week)],
                             token({"TEXT": {"IN": list("一二三四五六日天末1234567")}})))
    return cores


def _clocks() -> Alternatives:
    """「8点」「8:30」「十点半」「三点二十分」 (an hour, its mark, minutes perhaps)."""
    hours = [*run(DIGIT, 1, MAX_HOUR_DIGITS), *run(HOUR_NUMERAL, 1, MAX_HOUR_NUMERALS)]
    minutes = maybe(chars("半"), *run(DIGIT, 1, MAX_HOUR_DIGITS), *run(HOUR_NUMERAL, 1, MAX_HOUR_NUMERALS))
    return seq(hours, token({"TEXT": {"IN": ["点", "时", ":", "："]}}), minutes, maybe(chars("分")))


def _periods() -> Alternatives:
    return one_of(*_PERIODS)


# --- what describes an order -------------------------------------------------------------------

def _products() -> Alternatives:
    return [[{"LOWER": c} for c in word if c != " "] for words, _ in PRODUCT_WORDS for word in words]


def _specs() -> Alternatives:
    """「8核16G」「8c16g」「4 vCPU 8 GB」."""
    cores: Alternatives = [[{"LOWER": {"IN": ["核", "c"]}}], [{"LOWER": c} for c in "vcpu"], [{"LOWER": c} for c in "cpu"]]
    memory = maybe([{"LOWER": {"IN": ["g", "吉"]}}], [{"LOWER": "g"}, {"LOWER": "b"}])
    return seq(run(DIGIT, 1, MAX_CORES), cores, run(DIGIT, 1, MAX_MEMORY), memory)


def _ordinals() -> Alternatives:
    """「第一个」「第2台」「第三」 and 「最后一个」; whether a bare 「第三」 ends there is checked by SHAPES."""
    counter = token({"TEXT": {"IN": list("个台条单项笔")}})
    last = seq(one_of("最后", "末尾"), maybe([{"TEXT": {"IN": ["一", "1", "那"]}}]), counter)
    return [*seq(one_of("第"), run(COUNT, 1, MAX_COUNT), maybe(*counter)), *last]


def _order_kinds() -> Alternatives:
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
# A time of day, a period (「晚上」) or a clock (「8点半」) or both, extends the date right before it
# (「前天」+「晚上8点半」); alone it is no date.
PERIOD, CLOCK = "period", "clock"
# Where candidates overlap: ids first, then dates (「11月20日」 holds no amount), then money.
PRIORITY = {"ticket_id": 0, "instance_id": 1, "order_id": 2, "date": 3, "amount": 4, "spec": 5, "ordinal": 6,
            "product": 7, "order_kind": 8}
PATTERNS = {"ticket_id": _ticket_ids, "instance_id": _instance_ids, "order_id": _order_ids,
            "date": _date_cores, "amount": _money, PERIOD: _periods, CLOCK: _clocks, "spec": _specs,
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
    matches = {(nlp.vocab.strings[match_id], start, end) for match_id, start, end in matcher(doc)}
    longest: Dict[str, Dict[int, int]] = {PERIOD: {}, CLOCK: {}}  # the longest of each starting at a token
    for label, start, end in matches:
        if label in longest:
            longest[label][start] = max(end, longest[label].get(start, 0))
    starts, ends = _character_offsets(doc)
    candidates = []
    for label, start, end in matches:
        if label in longest:
            continue
        if label == "date":
            end = _time_of_day_end(end, longest[PERIOD], longest[CLOCK])
        candidates.append(Span(label, starts[start], ends[end - 1]))
    chosen: List[Span] = []
    taken = bytearray(len(text))  # 1 where a chosen span stands
    for span in sorted(candidates, key=lambda s: (PRIORITY[s.label], -(s.end - s.start), s.start)):
        if taken.find(1, span.start, span.end) != -1 or not _has_shape(text, span):
            continue
        chosen.append(span)
        taken[span.start:span.end] = b"\x01" * (span.end - span.start)
    return sorted(chosen, key=lambda s: s.start)


def _character_offsets(doc: Any) -> Tuple[List[int], List[int]]:
    """Where each token starts and ends in the text (read in bulk, not token by token)."""
    from spacy.attrs import IDX, LENGTH

    starts, lengths = (doc.to_array([IDX, LENGTH]).T.tolist() if len(doc) else ([], []))
    return starts, [start + length for start, length in zip(starts, lengths)]


def _time_of_day_end(at: int, periods: Dict[int, int], clocks: Dict[int, int]) -> int:
    """Where a time of day starting at token `at` ends (a period, then perhaps a clock; or a
    clock), or `at` itself when none starts there."""
    end = periods.get(at, at)
    return clocks.get(end, end)


def _has_shape(text: str, span: Span) -> bool:
    shape = SHAPES.get(span.label)
    if shape is None:
        return True
    match = shape.match(text, span.start)
    return match is not None and match.end() == span.end
