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


def test_answers_about_a_ticket_link_to_its_page_in_my_refunds():
    from bot.refunds.change_replies import change_filed
    from bot.refunds.pages import RefundPages
    from bot.refunds.replies import ticket_filed

    pages = RefundPages("https://support.example-cloud.cn")
    link = "(https://support.example-cloud.cn/refunds/RF202611250001)"
    quoted = Ticket(**{**bare_ticket("submitted").__dict__, "quote": {"refund": "100.00", "review_due": "2026-11-30"}})
    for text in (status_text(quoted, pages=pages), ticket_filed(quoted, pages), change_filed(quoted, pages)):
        assert link in text, text
        assert not [p for p in PLACEHOLDERS if p in text.replace(link, "")], text
    assert "](" not in status_text(quoted) + ticket_filed(quoted)  # no pages known: no link


def test_a_stage_already_chased_says_so_with_the_promised_date():
    from datetime import date

    from bot.tickets.models import TicketEvent

    moved = TicketEvent(AT, "reviewer:r1", "approved", "refunding", None, "")
    chased = TicketEvent(AT, "system:escalation", "refunding", "refunding", "escalated", "逾期催办")
    base = {**bare_ticket("refunding").__dict__, "stage_due": date(2026, 12, 7)}
    again = status_text(Ticket(**{**base, "events": (moved, chased)}))
    assert "已经为您催办过" in again and "2026年12月7日" in again
    # A chase of an earlier stage is not this one's; a new chase is said as such.
    assert "催办过" not in status_text(Ticket(**{**base, "events": (chased, moved)}))
    assert "催办过" not in status_text(Ticket(**{**base, "events": (moved, chased)}), date(2026, 12, 9))
