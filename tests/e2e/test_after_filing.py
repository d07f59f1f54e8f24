"""After filing: each state a customer can meet, with the reviewer acting through the back-office
API between the customer's turns."""
from __future__ import annotations

import json
import urllib.request
from datetime import date

from sqlalchemy import select

from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order
from bot.tickets.store import TicketStore
from tests.e2e.test_refund_journey import text_of


def file_ticket(bot, sender) -> str:
    order = demo_order("in_window")
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, "需求变化")
    bot.say(sender, "确认")
    with bot.sessions() as db:
        return db.scalars(select(TicketRow.ticket_id).where(TicketRow.order_id == order.order_id)).one()


def review(bot, ticket_id: str, action: str, body=None) -> dict:
    request = urllib.request.Request(
        f"{bot.site_url}/api/backoffice/tickets/{ticket_id}/{action}", data=json.dumps(body or {}).encode(),
        method="POST", headers={"Authorization": "Bearer dev-token-r1", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def ticket_row(bot, ticket_id):
    with bot.sessions() as db:
        return db.get(TicketRow, ticket_id)


def test_under_review(bot, sender):
    ticket_id = file_ticket(bot, sender)
    review(bot, ticket_id, "take")
    reply = text_of(bot.say(sender, "我的退款到哪一步了"))
    assert "当前状态：审核中" in reply and "前完成审核" in reply


def test_needs_info_then_supplement(bot, sender):
    ticket_id = file_ticket(bot, sender)
    review(bot, ticket_id, "take")
    review(bot, ticket_id, "request-info", {"missing": ["付款截图"], "note": "请补充付款截图"})
    reply = text_of(bot.say(sender, "退款进度"))
    assert "待补充材料" in reply and f"需要您为工单 {ticket_id} 补充：付款截图" in reply
    reply = text_of(bot.say(sender, "截图在这里 https://pan.example.com/s/pay123"))
    assert "已收到补充材料" in reply and "重新提交审核" in reply
    row = ticket_row(bot, ticket_id)
    assert row.status == "under_review" and row.stage_due is not None


def test_approved_with_an_adjusted_amount(bot, sender):
    ticket_id = file_ticket(bot, sender)
    review(bot, ticket_id, "take")
    review(bot, ticket_id, "approve", {"amount": "1100.00", "reason": "扣除已产生的公网流量费"})
    reply = text_of(bot.say(sender, "为什么退这么少"))
    assert "1,100.00 元" in reply and "扣除已产生的公网流量费" in reply and "1,200.00 元" in reply
    reply = text_of(bot.say(sender, f"{ticket_id}进度"))
    assert "审核已通过" in reply and "前到账" in reply


def test_refunded_says_where_when_and_the_reference(bot, sender):
    ticket_id = file_ticket(bot, sender)
    for action, body in [("take", {}), ("approve", {}), ("start-payout", {}), ("mark-paid", {"payout_reference": "PAY-77"})]:
        review(bot, ticket_id, action, body)
    reply = text_of(bot.say(sender, "退款到账了吗"))
    assert "已到账" in reply and "PAY-77" in reply and "原支付渠道" in reply and "支付宝" in reply


def test_rejected_then_appeal(bot, sender):
    ticket_id = file_ticket(bot, sender)
    review(bot, ticket_id, "take")
    review(bot, ticket_id, "reject", {"reason_code": "insufficient_evidence", "note": "未见故障记录"})
    reply = text_of(bot.say(sender, "为什么拒绝我的退款"))
    assert "提供的材料不足以证明所述问题" in reply and "12315" in reply and "申诉" in reply
    reply = text_of(bot.say(sender, "好的"))
    assert "理由" in reply
    reply = text_of(bot.say(sender, "我有云监控截图，证明那几天实例一直不可用"))
    assert f"已为工单 {ticket_id} 提交申诉" in reply
    row = ticket_row(bot, ticket_id)
    assert row.status == "appealed" and "云监控截图" in row.appeal_statement


def test_overdue_is_escalated_once(bot, sender):
    ticket_id = file_ticket(bot, sender)
    with bot.sessions.begin() as db:
        db.get(TicketRow, ticket_id).stage_due = date(2026, 1, 5)  # long past
    reply = text_of(bot.say(sender, f"{ticket_id}怎么还没处理"))
    assert "我已为您催办" in reply
    again = text_of(bot.say(sender, f"催一下{ticket_id}"))
    assert "我已为您催办" not in again and "前完成审核" in again
    assert "已经为您催办过" in again  # the second chase is told the first one stands
    assert TicketStore(bot.sessions).escalation_count(ticket_id) == 1


def test_withdraw_with_confirmation(bot, sender):
    ticket_id = file_ticket(bot, sender)
    reply = text_of(bot.say(sender, "撤回退款申请"))
    assert f"确定要撤回工单 {ticket_id}" in reply
    reply = text_of(bot.say(sender, "确认"))
    assert f"已撤回工单 {ticket_id}" in reply
    assert ticket_row(bot, ticket_id).status == "withdrawn"


def test_returning_customer_hears_what_changed(bot, sender):
    ticket_id = file_ticket(bot, sender)
    bot.say(sender, "你好")  # this visit is remembered
    review(bot, ticket_id, "take")
    reply = text_of(bot.say(f"{sender}-next-day", "你好"))
    assert "自您上次来访后" in reply and f"工单 {ticket_id}：现在是「审核中」" in reply
    assert "自您上次来访后" not in text_of(bot.say(f"{sender}-later", "你好"))


def test_someone_elses_ticket_is_not_found(bot, sender):
    quote = {"rule": "standard", "refund": "1.00", "paid": "1.00"}
    from bot.clock import utcnow
    from bot.tickets.store import NewTicket
    theirs, _ = TicketStore(bot.sessions).file(
        NewTicket("c1002", demo_order("other_customer").order_id, "ecs", "demand_change", quote, {}), utcnow())
    reply = text_of(bot.say(sender, f"查一下{theirs.ticket_id}的进度"))
    assert "没有找到您名下的该退款工单" in reply and "李娜" not in reply
