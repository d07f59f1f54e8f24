"""Satisfaction scores and contact wishes typed in words: 「5分」「4分吧」「挺满意的」「差评」,
「给我回个电话」「我要留言」. Each is found with its span so it can become an entity."""
from __future__ import annotations

import re
from typing import Optional, Tuple

from bot.nlu.numbers import parse_number

# 「5分」「打4分」「五星」「评分5」; never 「5分钟」, never part of a larger number (「15分」).
_SCORE = re.compile(r"(?<![\d.])(?:评分\s*)?([0-9]|10|[零一二两三四五六七八九十])\s*(?:分(?!钟|之)|星)"
                    r"|评分\s*[:：]?\s*([0-5])(?!\d)")
# Longest phrases first: 「非常不满意」 must not be read as 「满意」.
_WORDS = (("非常不满意", 1), ("很不满意", 1), ("特别不满意", 1), ("不太满意", 2), ("不满意", 1), ("差评", 1),
          ("非常满意", 5), ("特别满意", 5), ("很满意", 5), ("好评", 5), ("满分", 5), ("挺满意", 4), ("比较满意", 4),
          ("还算满意", 4), ("满意", 4), ("还行", 3), ("一般般", 3), ("一般", 3), ("凑合", 3))
# A rating in words is a short answer (「挺满意的」「服务满意，5分」), not a word inside a sentence.
MAX_WORDS_ANSWER = 6
_CALLBACK = re.compile(r"回电|回个电话|打电话给我|给我打电话|打给我|来个电话|电话回访|回访|联系我|call me")
_MESSAGE = re.compile(r"留言|留个言|留个话")


def survey_score(text: str) -> Optional[Tuple[int, int, int]]:
    """(score 1–5, start, end) of a satisfaction score in `text`; scores out of 10 are halved,
    0 counts as 1."""
    match = _SCORE.search(text)
    if match:
        raw = match.group(1) or match.group(2)
        value = parse_number(raw)
        if value is not None:
            out_of_ten = "10分满分" in text or "十分满分" in text or value > 5
            score = round(value / 2) if out_of_ten else int(value)
            return max(1, min(5, score)), match.start(), match.end()
    if len(re.sub(r"[\s，。,.!！~～吧呀啊的了]", "", text)) > MAX_WORDS_ANSWER:
        return None  # 「退款一般多久到账」: 一般 in a sentence is no rating
    for phrase, score in _WORDS:
        start = text.find(phrase)
        if start >= 0:
            return score, start, start + len(phrase)
    return None


def contact_choice(text: str) -> Optional[Tuple[str, int, int]]:
    """("callback" | "message", start, end) when the customer asks to be called or to leave a
    message."""
    for kind, pattern in (("callback", _CALLBACK), ("message", _MESSAGE)):
        match = pattern.search(text)
        if match:
            return kind, match.start(), match.end()
    return None
