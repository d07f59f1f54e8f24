"""What the widget's Markdown renderer may receive: links to web pages only, no images.

The widget renders bot messages as Markdown, and a bot message can carry text that came from
elsewhere (an agent's reply, a ticket note). A `javascript:` or `data:` link would run in the
customer's page, and a remote image would tell a third party who reads the chat; such links
keep their label as plain text and images keep their description.
"""
from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)")
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?([^\s>]*)>?.*$", re.MULTILINE)
_SAFE_TARGET = re.compile(r"^(https?://|/(?!/))", re.IGNORECASE)


def safe_markdown(text: str) -> str:
    """`text` with images reduced to their description and unsafe link targets removed."""
    text = _REFERENCE.sub(lambda m: m.group(0) if _SAFE_TARGET.match(m.group(1)) else "", text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(0) if _SAFE_TARGET.match(m.group(2)) else m.group(1), text)
    return _AUTOLINK.sub(lambda m: m.group(0) if _SAFE_TARGET.match(m.group(1)) else m.group(1), text)
