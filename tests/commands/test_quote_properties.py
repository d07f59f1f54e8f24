"""`make quote` over generated order files: any valid order file, under any preset, for any
reason, downgrade or SLA claim, at any moment of the order's life, yields a quote or a clear
refusal with its Chinese words — never an exception. A damaged order file yields a clear error
(exit code 2 and a message), never a traceback."""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.quote import main
from bot.settings import PROJECT_ROOT
from bot.vocabulary import REFUSAL_RULES, QuoteRule, RefundReason
from tests.commands.order_files import order_files, request_times

POLICIES = sorted(str(p) for p in (PROJECT_ROOT / "policies").glob("*.yml"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_quote(data: Any, *args: str) -> Tuple[int, str, str]:
    """The command line on `data` written as an order file: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "order.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--order-file", str(path), *args])
    return code, out.getvalue(), err.getvalue()


def money(order: Dict[str, Any]) -> Decimal:
    """Everything paid in money (cash and gift credit) for the order and its changes."""
    total = Decimal(0)
    for part in [order, *order.get("changes", [])]:
        for p in part["payments"]:
            if p.get("status", "success") == "success":
                total += Decimal(p["cash"]) + Decimal(p["gift_credit"])
    return total


def check(quote: Dict[str, Any], order: Dict[str, Any]) -> None:
    assert quote["rule"] in QuoteRule.values() and quote["rule_label"].strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in quote["explanation"])
    refund = Decimal(quote["refund"])
    if not quote["eligible"]:
        assert quote["rule"] in REFUSAL_RULES and refund == 0
        return
    assert quote["rule"] not in REFUSAL_RULES and refund >= 0
    if quote["destination"] == "voucher":
        return
    assert sum(Decimal(line["amount"]) for line in quote["lines"]) == refund
    assert Decimal(quote["refund_cash"]) + Decimal(quote["refund_gift_credit"]) == refund
    assert refund <= money(order)


def actions(order: Dict[str, Any]) -> List[List[str]]:
    found = [["--reason", reason] for reason in sorted(RefundReason.values())]
    found += [["--downgrade-to", spec["spec_code"]] for spec in order["specs"]] + [["--sla-claim"]]
    return found


@SETTINGS
@given(data=st.data())
def test_any_valid_order_file_yields_a_quote_or_a_clear_refusal(data):
    order = data.draw(order_files())
    at = data.draw(request_times(order)).isoformat()
    policy = data.draw(st.sampled_from(POLICIES))
    action = data.draw(st.sampled_from(actions(order)))
    code, out, err = run_quote(order, *action, "--at", at, "--policy", policy)
    assert code == 0, err
    check(json.loads(out), order)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
FIELDS = ["order_id", "product_code", "activated_at", "expires_at", "term_months", "quantity", "items", "payments",
          "list_monthly_price", "discount_rate", "hourly_tiers", "extra_hourly", "duration_discounts", "package",
          "changes", "outages", "specs", "no_reason_refunds_this_year", "billing_mode", "order_type",
          "original_price", "transferred", "instance_id", "product_name", "resources", "no_reason_uses"]


@SETTINGS
@given(data=st.data())
def test_a_damaged_order_file_is_a_clear_error_never_a_traceback(data):
    order = data.draw(order_files())
    field = data.draw(st.sampled_from(FIELDS))
    damaged = {**order, field: data.draw(JSON_VALUES)}
    payments = damaged.get("payments")
    if data.draw(st.booleans()) and isinstance(payments, list) and payments and isinstance(payments[0], dict):
        damaged["payments"] = [{**payments[0], data.draw(st.sampled_from(["cash", "paid_at", "status"])):
                                data.draw(JSON_VALUES)}]
    action = data.draw(st.sampled_from(actions(order)))
    code, out, err = run_quote(damaged, *action, "--at", "2026-06-01T10:00:00+08:00")
    if code == 0:
        check(json.loads(out), damaged)
    else:
        assert code == 2 and err.startswith("error: ") and "Traceback" not in err
