"""Agents' canned replies: kept as data (config/canned_replies.yml), with variables the
conversation fills in — 「{客户姓名}」, 「{订单号}」, 「{工单号}」. One left unfilled (the
conversation has no such value) must be replaced before the reply can be sent."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml

CUSTOMER_NAME, ORDER_ID, TICKET_ID = "客户姓名", "订单号", "工单号"
VARIABLES = (CUSTOMER_NAME, ORDER_ID, TICKET_ID)
PLACEHOLDER = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")
ANY_BRACES = re.compile(r"\{([^{}]*)\}")
MAX_TITLE, MAX_TEXT = 20, 500


class CannedRepliesError(ValueError):
    """The canned replies file is not a list of {title, text} with known variables."""


@dataclass(frozen=True)
class CannedReply:
    title: str  # what the agent picks it by: 「工单已加急」
    text: str  # what the customer is sent, variables still in braces


def load_canned(path: Path) -> List[CannedReply]:
    """The canned replies in `path`, checked: titles unique and short, texts with known variables only."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list) or not raw:
        raise CannedRepliesError(f"{path}: expected a non-empty list of {{title, text}}")
    replies: List[CannedReply] = []
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) != {"title", "text"}:
            raise CannedRepliesError(f"{path} #{number}: expected exactly title and text")
        title, text = str(item["title"]).strip(), str(item["text"]).strip()
        if not title or len(title) > MAX_TITLE or not text or len(text) > MAX_TEXT:
            raise CannedRepliesError(f"{path} #{number}: title 1-{MAX_TITLE} and text 1-{MAX_TEXT} characters")
        unknown = [name for name in ANY_BRACES.findall(text) if name not in VARIABLES]
        if unknown:
            raise CannedRepliesError(f"{path} #{number}: unknown variable {unknown[0]!r} (known: {', '.join(VARIABLES)})")
        if any(r.title == title for r in replies):
            raise CannedRepliesError(f"{path} #{number}: title {title!r} twice")
        replies.append(CannedReply(title, text))
    return replies


def variables(customer_name: Optional[str], order_id: Optional[str], ticket_id: Optional[str]) -> Dict[str, Optional[str]]:
    """What each variable is in one conversation (None: the conversation does not say)."""
    return {CUSTOMER_NAME: customer_name or None, ORDER_ID: order_id or None, TICKET_ID: ticket_id or None}


def unfilled(text: str) -> List[str]:
    """The variables still in braces in a reply about to be sent, each once, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))
