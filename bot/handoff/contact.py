"""What a customer leaves for the agents (a message or a call-back request), checked the same way
in the chat's form and on the website's contact page."""
from __future__ import annotations

import re
from typing import Optional, Tuple

from bot.vocabulary import HandoffKind

MOBILE = re.compile(r"^1[3-9]\d{9}$")
MESSAGE_CHARS = 2000
MIN_MESSAGE_CHARS = 2


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
