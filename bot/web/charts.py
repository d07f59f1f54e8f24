"""Charts drawn on the server as SVG (no chart library in the browser): a horizontal bar per row
of a dashboard table. The table itself is on the page next to it (the text alternative)."""
from __future__ import annotations

import re
from html import escape
from typing import List, Optional

from markupsafe import Markup

from bot.backoffice.dashboard import Table

WIDTH, ROW, LABEL, GAP = 640, 26, 170, 6
BAR, TEXT = "#1f4e8c", "#1f2d3d"


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
    height = ROW * len(table.rows) + GAP
    parts: List[str] = [f'<svg class="chart" role="img" aria-labelledby="{escape(described_by)}" viewBox="0 0 {WIDTH} '
                        f'{height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">']
    for index, (row, value) in enumerate(zip(table.rows, values)):
        y = GAP + index * ROW
        width = (WIDTH - LABEL - 90) * value / top
        parts.append(f'<text x="{LABEL - 8}" y="{y + 14}" text-anchor="end" font-size="13" fill="{TEXT}">'
                     f'{escape(row[label_at][:14])}</text>')
        parts.append(f'<rect x="{LABEL}" y="{y}" width="{width:.1f}" height="{ROW - 8}" rx="3" fill="{BAR}"/>')
        parts.append(f'<text x="{LABEL + width + 6:.1f}" y="{y + 14}" font-size="13" fill="{TEXT}">'
                     f'{escape(row[value_at])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
