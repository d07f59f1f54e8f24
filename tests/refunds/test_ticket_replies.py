"""Customer texts about a ticket never show a placeholder, whatever is missing."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bot.refunds.ticket_replies import amount_text, status_text
from bot.tickets.labels import STATUS_LABELS
from bot.tickets.models import Ticket

AT = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
PLACEHOLDERS = ("None", "近期", "null", "{", "}", "（）", "：。")


def bare_ticket(status: str) -> Ticket:
    """A ticket with every optional field missing."""
    return Ticket(ticket_id="RF202611250001", customer_id="c1001", order_id="2026112400010001",
                  product_code="ecs", reason="demand_change", rule="standard", status=status,
                  manual_review=False, quoted_amount=Decimal("100.00"), quote={}, details={},
                  conversation_id=None, created_at=AT, updated_at=AT)


@pytest.mark.parametrize("status", sorted(STATUS_LABELS))
def test_no_placeholder_in_any_state_with_missing_data(status):
    ticket = bare_ticket(status)
    for text in (status_text(ticket), amount_text(ticket)):
        assert not [p for p in PLACEHOLDERS if p in text], (status, text)


def test_payment_methods_are_named_in_chinese():
    from bot.refunds.replies import payment_method_label

    assert [payment_method_label(m) for m in ("alipay", "wechat", "bank_card", "balance", "unknown")] == [
        "支付宝", "微信支付", "银行卡", "账户余额", "其他支付方式"]
