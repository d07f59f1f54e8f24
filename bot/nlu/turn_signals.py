"""Signs in a customer's own words that the conversation is going wrong: the customer says
again what they said a moment ago (the same words or nearly), or corrects the assistant
(「不是」「我说的是…」「你理解错了」). Read from the message and the customer's few messages
before it; counted per conversation for the operator dashboard (bot/observability/activity.py).

Short answers (「是」「好的」「2」) and button payloads are never repeats: saying 「好的」 twice is
not a sign of trouble."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.nlu.normalize import normalize_text

EARLIER = 3  # how many of the customer's earlier messages a message is compared with
MIN_CHARS = 4  # shorter messages (after punctuation is dropped) are answers, not requests
SIMILAR = 0.6  # share of shared character pairs from which two messages say the same
MAX_CHARS = 300  # longer texts are cut before comparing (bounded work per message)
REWORDED, REWORDED_PAIRS = 0.5, 4  # other words: half the shorter message's pairs, at least four

_DIGITS = re.compile(r"\d+")

_NOT_WORDS = re.compile(r"[\W_]+", re.UNICODE)
# A correction opens the message, or names the misunderstanding anywhere in it.
_OPENS = re.compile(r"^(?:不是|不对|错了|搞错了|弄错了|我说的是|我是说|我的意思是|我要的是|我问的是|我指的是)")
_ANYWHERE = re.compile(r"我说的是|我是说|我的意思是|我指的是|你理解错了|你搞错了|你弄错了|你没听懂|答非所问|"
                       r"不是这个|不是这台|不是这笔|不是这单|不是那个|说的不是")


@dataclass(frozen=True)
class TurnSignals:
    repeat: bool = False      # the customer said again what they said in one of their last messages
    correction: bool = False  # the customer corrected the assistant


def _plain(text: str) -> str:
    return _NOT_WORDS.sub("", normalize_text(text[:MAX_CHARS]).lower())


def _pairs(text: str) -> set:
    """Neighbouring characters, every number one mark (two order numbers are not the same words)."""
    text = _DIGITS.sub("0", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def same_request(first: str, second: str) -> bool:
    """Whether two (plain) messages ask the same thing: equal, most character pairs shared, or
    the shorter one's pairs mostly found in the other (the same request in other words)."""
    if first == second:
        return True
    a, b = _pairs(first), _pairs(second)
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a | b) >= SIMILAR or (shared >= REWORDED_PAIRS and shared / min(len(a), len(b)) >= REWORDED)


def read_turn(text: str, earlier: Sequence[str]) -> TurnSignals:
    """The signs in `text`, given the customer's earlier messages in the conversation (oldest first)."""
    if text.lstrip().startswith("/"):  # a button's payload, not the customer's words
        return TurnSignals()
    plain = _plain(text)
    correction = bool(_OPENS.search(plain) or _ANYWHERE.search(plain))
    repeat = len(plain) >= MIN_CHARS and any(
        same_request(plain, _plain(before)) for before in list(earlier)[-EARLIER:]
        if not before.lstrip().startswith("/"))
    return TurnSignals(repeat=repeat, correction=correction)
