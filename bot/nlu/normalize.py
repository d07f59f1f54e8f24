"""Length-preserving normalisation of customer text.

Every character maps to exactly one character, so an offset into the normalised text is the
same offset into what the customer typed: entity spans stay valid. Done: full-width ASCII to
half-width, traditional to simplified Chinese (character table shipped with
opencc-python-reimplemented), every kind of space, control and zero-width character to a
plain space.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict

import opencc

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f"}


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> Dict[int, str]:
    table: Dict[int, str] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


def _normalize_char(ch: str, table: Dict[int, str]) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if ch in _ZERO_WIDTH or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
        return " "
    return table.get(code, ch)


def normalize_text(text: str) -> str:
    """Normalise `text`; the result has exactly the same length."""
    table = _traditional_to_simplified()
    return "".join(_normalize_char(ch, table) for ch in text)
