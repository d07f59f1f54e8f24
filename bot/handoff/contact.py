"""What a customer leaves for the agents (a message or a call-back request), checked the same way
in the chat's form and on the website's contact page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Callable, Optional, Tuple

from bot.vocabulary import HandoffKind

MOBILE = re.compile(r"^1[3-9]\d{9}$")
MESSAGE_CHARS = 2000
MIN_MESSAGE_CHARS = 2
# How soon after support opens a work item is due: a call-back within two working hours, a
# message or e-mail within eight.
DUE_AFTER = {HandoffKind.CALLBACK: timedelta(hours=2), HandoffKind.MESSAGE: timedelta(hours=8),
             HandoffKind.EMAIL: timedelta(hours=8)}
TICKET_NUMBER = re.compile(r"RF\d{12,16}", re.IGNORECASE)


def mobile_number(value: object) -> Optional[str]:
    """A mainland mobile number without spaces or dashes, or None when it is not one."""
    digits = re.sub(r"[\s-]", "", str(value or ""))
    return digits if MOBILE.match(digits) else None


MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d){8}(?!\d)")


def mobile_in(text: object) -> Optional[Tuple[str, str]]:
    """A mobile number written anywhere in `text` (「13812345678 下午都方便」「打给我 139-0000-1111」)
    and what the text says besides it, or None when it holds none."""
    found = MOBILE_IN_TEXT.search(str(text or ""))
    if found is None:
        return None
    rest = (str(text)[:found.start()] + " " + str(text)[found.end():]).strip(" ，,。.；;:：")
    return re.sub(r"[\s-]", "", found.group(0)), rest


def message_text(value: object) -> Optional[str]:
    """The message trimmed to what is kept, or None when it says too little to act on."""
    text = str(value or "").strip()
    return text[:MESSAGE_CHARS] if len(text) >= MIN_MESSAGE_CHARS else None


def contact_kind(value: object) -> Optional[HandoffKind]:
    """A message or a call-back; anything else is None."""
    return HandoffKind(value) if value in (HandoffKind.MESSAGE, HandoffKind.CALLBACK) else None


def work_item_due(kind: str, created_at: datetime, next_opening: Callable[[datetime], Optional[datetime]],
                  is_open: Callable[[datetime], bool]) -> Optional[datetime]:
    """When a message, call-back or e-mail left at `created_at` should be handled: counted from
    then in support hours, else from the next opening (None for a live chat)."""
    if kind not in DUE_AFTER:
        return None
    start = created_at if is_open(created_at) else (next_opening(created_at) or created_at)
    return start + DUE_AFTER[HandoffKind(kind)]


def named_ticket_numbers(text: str) -> list:
    """The ticket numbers (RF…) a customer wrote in a message, upper-cased, in order."""
    return list(dict.fromkeys(m.group(0).upper() for m in TICKET_NUMBER.finditer(text or "")))
