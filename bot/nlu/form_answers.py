"""Whether a message answers the question a form asked, read before anything is stored.

A greeting is not an incident time, a time alone is not a description of the problem, and a
question about a rejection is not the material a reviewer asked for. Evidence links keep the
extraction code (提取码) that usually follows a shared-drive link.
"""
from __future__ import annotations

import re
from typing import List

SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge"})
SOCIAL = SMALL_TALK | {"affirm", "deny"}
QUESTIONS = frozenset({"ask_refund_policy", "ask_refund_status", "ask_refund_amount", "appeal_rejection",
                       "ask_refund_channel", "ask_pause_release", "ask_payout_account"})
# What a supplement for a reviewer can never be: small talk, questions, a new request.
NOT_A_SUPPLEMENT = SOCIAL | QUESTIONS | {"request_refund", "request_human", "cancel", "withdraw_ticket", "complain",
                                        "request_callback", "rate_service"}
# What a description of the problem can never be (a description may well ask for a refund).
NOT_A_DESCRIPTION = SOCIAL | QUESTIONS

# A run of numerals is tried from its first character only (else every character of a long run
# would start a scan to its end).
TIME_WORDS = re.compile(
    r"\d|(?<![零一二两三四五六七八九十])[零一二两三四五六七八九十]+\s*(?:点|号|日|月|天|周|小时|分钟)|刚才|刚刚|一直|最近|这几天|那天|当天|"
    r"昨|今|前天|早上|早晨|上午|中午|下午|傍晚|晚上|凌晨|半夜|夜里|周[一二三四五六日天末]|星期|礼拜|"
    r"上个?月|这个?月|本月|上周|这周|本周|以来|开始|之前|以前|前")
# 「不记得了」 is an honest answer to "when did it start": store it rather than ask forever.
UNKNOWN_TIME = re.compile(r"不记得|不知道|不清楚|忘了|记不清|说不准|不确定")
URL = re.compile(r"https?://[^\s，。；;,）)]+", re.IGNORECASE)
CODE = re.compile(r"^[\s，,;；]*(?:提取码|提取密码|访问码|访问密码|密码|pwd|code)\s*[:：=]?\s*([A-Za-z0-9]{4,8})",
                  re.IGNORECASE)


# A message that asks rather than states: a question mark, a final 吗/呢, a question word first.
QUESTION = re.compile(r"[?？]|[吗呢嘛]\s*$|^\s*(?:为什么|为啥|怎么|如何|多久|多少|什么时候|能不能|可不可以|是不是|有没有)")
CONFIDENT = 0.5


def asks_a_question(intent: str, confidence: float, text: str) -> bool:
    """The message is a question rather than a statement for a form: the classifier says so
    confidently, or says so and the wording asks (a statement is often misread at low confidence)."""
    return intent in QUESTIONS and (confidence >= CONFIDENT or bool(QUESTION.search(text)))


# Order, instance and ticket ids: their digits place nothing in time.
IDS = re.compile(r"(?:RF)?\d{10,}|ins-[a-z0-9]{4,}", re.IGNORECASE)
# A button's or a typed payload (「/inform{"date": …}」): an intent, never an answer's words.
PAYLOAD = re.compile(r"^\s*/[A-Za-z_]")


def looks_like_time(text: str, has_date_entity: bool) -> bool:
    """A date the extractor resolved, words that place something in time, or "I don't know"
    (the digits of an order or instance id are not a time)."""
    words = IDS.sub(" ", text)
    return has_date_entity or bool(TIME_WORDS.search(words)) or bool(UNKNOWN_TIME.search(words))


def is_payload(text: str) -> bool:
    """The message is a Rasa payload (「/affirm」「/inform{…}」), not words to store."""
    return bool(PAYLOAD.match(text or ""))


def is_only_a_time(text: str, date_spans: List[tuple]) -> bool:
    """The message is a time and nothing else (「昨天下午三点」), so it describes nothing."""
    rest = text
    for start, end in sorted(date_spans, reverse=True):
        rest = rest[:start] + rest[end:]
    return bool(date_spans) and len(re.sub(r"[\s，。,.!！?？从开始的时候左右大概约]", "", rest)) == 0


def evidence_links(text: str) -> List[str]:
    """The links in `text`, each with the extraction code written after it, if any."""
    links = []
    for match in URL.finditer(text or ""):
        code = CODE.match(text[match.end():])
        links.append(f"{match.group(0)} 提取码：{code.group(1)}" if code else match.group(0))
    return links[:10]
