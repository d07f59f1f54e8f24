"""Mask personal data before it reaches a log: mobile numbers, ID cards, bank cards, e-mail,
and signed tokens (chat tokens, identity claims: whoever reads them could replay them)."""
from __future__ import annotations

import re
from typing import Dict

ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
BANK_CARD = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# From the first character of a run only: tried from every character, a long run without "@"
# would be scanned to its end once per character.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# An order or ticket number with its label (\W* already covers the spaces after "order id").
LABELLED_ID = re.compile(r"(?:订单号?|RF)\s*\d{12,16}|order[_ ]?id\W*\d{12,16}", re.IGNORECASE)
ORDER_OR_TICKET = re.compile(r"(?<!\d)(?:RF)?\d{12,16}(?!\d)")
# A JWT (header.payload.signature), starting where a run of base64url characters starts, so
# that the search stays linear in the text's length.
SIGNED_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def mask_personal_data(text: str) -> str:
    """Mask what identifies a person; order and ticket numbers are kept (they are ids we log on purpose)."""
    kept: Dict[str, str] = {}

    def keep(match: re.Match) -> str:
        token = f"\x00{len(kept)}\x00"
        kept[token] = match.group(0)
        return token

    # 16-digit order ids look like bank cards: protect them only when labelled as orders.
    text = SIGNED_TOKEN.sub("eyJ…[token]", text)
    text = LABELLED_ID.sub(keep, text)
    text = ID_CARD.sub(r"\1********\2", text)
    text = BANK_CARD.sub(r"\1********\2", text)
    text = MOBILE.sub(r"\1****\2", text)
    text = EMAIL.sub(r"\1***\2", text)
    for token, original in kept.items():
        text = text.replace(token, original)
    return text
