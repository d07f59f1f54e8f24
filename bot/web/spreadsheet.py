"""CSV files staff open in a spreadsheet, written in one place so that no cell can run as a
formula (CSV injection, as OWASP describes it): a cell whose first character, after any
whitespace, is `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which
Excel, LibreOffice and Google Sheets show as text. A plain number (「-3.5」「12%」) stays a number."""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Sequence

# A formula start, possibly after whitespace or invisible characters a spreadsheet skips.
FORMULA_START = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?%?")
BOM = "\ufeff"  # so that Excel opens the Chinese text as UTF-8


def safe_cell(value: object) -> str:
    """The cell as text that a spreadsheet will not evaluate."""
    text = "" if value is None else str(value)
    if PLAIN_NUMBER.fullmatch(text):
        return text
    return "'" + text if FORMULA_START.match(text) else text


def csv_bytes(columns: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV file (with a byte-order mark) of `columns` and `rows`, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c) for c in columns])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    return (BOM + out.getvalue()).encode("utf-8")
