"""Charts drawn on the server as SVG (no chart library in the browser): a horizontal bar per row
of a dashboard table. The table itself is on the page next to it (the text alternative)."""
from __future__ import annotations

import re
import unicodedata
from html import escape
from typing import List, Optional

from markupsafe import Markup

from bot.backoffice.dashboard import Table

BARS, ROW, GAP, FONT = 470, 26, 6, 13  # bar area (with room for the value), row height, font size
BAR, TEXT = "#1f4e8c", "#1f2d3d"


def text_width(text: str) -> float:
    """About how wide `text` is drawn at FONT px: a Chinese character is a full em, others about half."""
    return sum(FONT if unicodedata.east_asian_width(ch) in ("W", "F") else FONT * 0.6 for ch in text)


def number(text: str) -> Optional[float]:
    """The number a cell shows ("12", "3.5", "45.0%", "1,200.00"); None for "—"."""
    match = re.search(r"-?\d+(?:\.\d+)?", text.replace(",", ""))
    return float(match.group(0)) if match else None


def bar_chart(table: Table, described_by: str) -> Markup:
    """Bars for the table's chart columns; empty when there is nothing to draw."""
    label_at, value_at = table.chart
    if label_at == value_at or not table.rows:
        return Markup("")
    values = [number(row[value_at]) or 0.0 for row in table.rows]
    top = max(values) or 1.0
    label = max(text_width(row[label_at]) for row in table.rows) + 16  # every label whole, never clipped
    width, height = label + BARS, ROW * len(table.rows) + GAP
    parts: List[str] = [f'<svg class="chart" role="img" aria-labelledby="{escape(described_by)}" viewBox="0 0 {width:.0f} '
                        f'{height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">']
    for index, (row, value) in enumerate(zip(table.rows, values)):
        y = GAP + index * ROW
        bar = (BARS - 90) * value / top
        parts.append(f'<text x="{label - 8:.1f}" y="{y + 14}" text-anchor="end" font-size="{FONT}" fill="{TEXT}">'
                     f'{escape(row[label_at])}</text>')
        parts.append(f'<rect x="{label:.1f}" y="{y}" width="{bar:.1f}" height="{ROW - 8}" rx="3" fill="{BAR}"/>')
        parts.append(f'<text x="{label + bar + 6:.1f}" y="{y + 14}" font-size="{FONT}" fill="{TEXT}">'
                     f'{escape(row[value_at])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
