"""What the widget's Markdown renderer may receive: links to web pages only, no images.

The widget renders bot messages as Markdown, and a bot message can carry text that came from
elsewhere (an agent's reply, a ticket note). A `javascript:` or `data:` link would run in the
customer's page, and a remote image would tell a third party who reads the chat; such links
keep their label as plain text and images keep their description.
"""
from __future__ import annotations

import re
from typing import Callable, List

# Each pass is linear in the text. Labels hold no "[" (as remark balances brackets, a match
# starts at the last "[" before its "]", so a run of "[" costs one scan, not one per "[").
# "(...)" and "[...]" are looked for only up to the last ")" or "]" of the text, and autolinks
# word by word up to the word's last ">": there every scan that starts also closes (past it, a
# regex would scan to the end once per start). Definitions are read by `_definitions`.
_IMAGE_INLINE = re.compile(r"!\[([^\[\]]*)\]\([^)]*\)")
_IMAGE_REFERENCE = re.compile(r"!\[([^\[\]]*)\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^)]*)\)")
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
_DEFINITION_START = re.compile(r"^[ \t]{0,3}\[", re.MULTILINE)
_DEFINITION_TARGET = re.compile(r"[ \t]*<?([^\s>]*)")
_SAFE_TARGET = re.compile(r"^(https?://|/(?!/))", re.IGNORECASE)


def safe_markdown(text: str) -> str:
    """`text` with images reduced to their description and unsafe link targets removed."""
    text = _definitions(text)
    text = _up_to_last(")", _IMAGE_INLINE, lambda m: m.group(1), text)
    text = _up_to_last("]", _IMAGE_REFERENCE, lambda m: m.group(1), text)
    text = _up_to_last(")", _LINK, lambda m: m.group(0) if _SAFE_TARGET.match(_destination(m.group(2))) else m.group(1),
                       text)
    return "".join(_up_to_last(">", _AUTOLINK, lambda m: m.group(0) if _SAFE_TARGET.match(m.group(1)) else m.group(1),
                               part) for part in re.split(r"(\s+)", text))


def _definitions(text: str) -> str:
    """`text` without the reference definitions (`[label]: target ...` on a line of its own;
    the label runs to the first "]", across lines and over "[") whose target is unsafe."""
    kept: List[str] = []
    done = 0  # text before this is decided
    close = -1  # the first "]" after the latest label start
    for start in _DEFINITION_START.finditer(text):
        if start.start() < done:
            continue
        if close < start.end():
            close = text.find("]", start.end())
            if close == -1:
                break
        if close == start.end() or not text.startswith(":", close + 1):
            continue
        line_end = text.find("\n", close)
        line_end = len(text) if line_end == -1 else line_end
        target = _DEFINITION_TARGET.match(text, close + 2)
        if target is not None and not _SAFE_TARGET.match(target.group(1)):
            kept.append(text[done:start.start()])
            done = line_end
        else:
            kept.append(text[done:line_end])
            done = line_end
    return "".join(kept) + text[done:]


def _up_to_last(closing: str, pattern: "re.Pattern[str]", replace: Callable[["re.Match[str]"], str], text: str) -> str:
    """`pattern.sub(replace, ...)` over `text` up to its last `closing` character; no match can end after it."""
    end = text.rfind(closing) + 1
    return pattern.sub(replace, text[:end]) + text[end:]


def _destination(inside: str) -> str:
    """Where a link in `[label](inside)` points: `<...>` or what stands before the first space
    (a title may follow)."""
    inside = inside.strip()
    if inside.startswith("<"):
        return inside[1:].split(">", 1)[0]
    return inside.split(None, 1)[0] if inside else ""
