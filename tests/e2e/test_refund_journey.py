"""End-to-end conversations through the running Rasa server and action server."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.clock import CUSTOMER_TZ
from bot.storage.schema import EvidenceRow, TicketRow
from bot.storage.seed import demo_order


def text_of(messages) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def buttons_of(messages):
    return [b for m in messages for b in m.get("buttons", [])]


def tickets_for(bot, order_id):
    with bot.sessions() as session:
        return list(session.scalars(select(TicketRow).where(TicketRow.order_id == order_id)))


def today_prefix() -> str:
    return "RF" + datetime.now(CUSTOMER_TZ).strftime("%Y%m%d")


def test_happy_path_demand_change_with_buttons(bot, sender):
    order = demo_order("in_window")
    reply = bot.say(sender, "我要退款")
    assert "请选择要退款的订单" in text_of(reply)
    payloads = [b["payload"] for b in buttons_of(reply)]
    assert any(order.order_id in p for p in payloads)
    assert not any(demo_order("payg").order_id in p for p in payloads)

    reply = bot.say(sender, f'/inform{{"order_id": "{order.order_id}"}}')
    assert "已找到您的订单" in text_of(reply) and "退款的原因" in text_of(reply)

    reply = bot.say(sender, "项目取消了，不需要了")
    quote = text_of(reply)
    assert "五天无理由全额退订" in quote and "1,200.00 元" in quote and "确认提交" in quote

    reply = bot.say(sender, "确认")
    assert today_prefix() in text_of(reply) and "审核预计" in text_of(reply)
    [ticket] = tickets_for(bot, order.order_id)
    assert ticket.status == "submitted" and ticket.reason == "demand_change"
    assert str(ticket.quoted_amount) == "1200.00" and ticket.ticket_id in text_of(reply)


def test_order_and_reason_in_the_first_message(bot, sender):
    order = demo_order("quota_used")
    reply = bot.say(sender, f"我买错配置了，订单{order.order_id}申请退款")
    quote = text_of(reply)
    assert "已找到您的订单" in quote and "名额（1 次）已用完" in quote and "非全额退订" in quote
    reply = bot.say(sender, "是的")
    assert "已为您提交退款申请" in text_of(reply)
    assert tickets_for(bot, order.order_id)[0].reason == "wrong_purchase"


def test_full_width_and_traditional_order_number(bot, sender):
    reply = bot.say(sender, "我要退款，訂單號２０２６１１２４０００１０００１")
    assert "已找到您的订单 2026112400010001" in text_of(reply)


def test_service_issue_collects_time_description_and_evidence(bot, sender):
    order = demo_order("service_issue")
    reply = bot.say(sender, "服务器老是宕机，我要退款")
    assert "请选择要退款的订单" in text_of(reply)
    reply = bot.say(sender, order.instance_id)
    assert "已找到您的订单" in text_of(reply) and "什么时候开始" in text_of(reply)
    reply = bot.say(sender, "前天晚上8点")
    # 「老是宕机」 in the first message already says what went wrong: not asked again.
    assert "描述" not in text_of(reply) and "链接" in text_of(reply)
    reply = bot.say(sender, "截图在这 https://pan.example.com/s/abc123")
    quote = text_of(reply)
    assert "已收到 1 个链接" in quote and "SLA 补偿" in quote and "手续费" not in quote
    reply = bot.say(sender, "确认提交")
    assert "已为您提交退款申请" in text_of(reply)
    [ticket] = tickets_for(bot, order.order_id)
    assert ticket.details["incident_instance"] == order.instance_id
    assert "T20:00:00+08:00" in ticket.details["incident_time"]
    with bot.sessions() as session:
        kinds = {e.kind: e.content for e in session.scalars(
            select(EvidenceRow).where(EvidenceRow.ticket_id == ticket.ticket_id))}
    assert kinds["link"] == "https://pan.example.com/s/abc123" and "老是宕机" in kinds["text"]


def test_a_fault_only_named_is_described_step_by_step(bot, sender):
    order = demo_order("service_issue")
    bot.say(sender, f"{order.order_id} 要退款")
    bot.say(sender, "机器出故障了")
    reply = bot.say(sender, "前天晚上8点")
    assert "描述" in text_of(reply)
    reply = bot.say(sender, "网站打不开，ssh 也登录不上，控制台显示运行中")
    assert "链接" in text_of(reply)


def test_duplicate_payment_proposes_the_transactions(bot, sender):
    order = demo_order("duplicate")
    bot.say(sender, "我被重复扣费了，要退款")
    reply = bot.say(sender, f'/inform{{"order_id": "{order.order_id}"}}')
    assert "多笔扣款" in text_of(reply) and order.order_id[-8:] in text_of(reply)
    reply = bot.say(sender, "是的")
    assert "重复支付全额退还" in text_of(reply) and "800.00 元" in text_of(reply)
    reply = bot.say(sender, "确认")
    assert "已为您提交退款申请" in text_of(reply)
    [ticket] = tickets_for(bot, order.order_id)
    assert ticket.reason == "duplicate_payment" and str(ticket.quoted_amount) == "800.00"


def test_pay_as_you_go_is_refused_with_the_alternative(bot, sender):
    order = demo_order("payg")
    reply = bot.say(sender, f"申请退款 {order.order_id}")
    answer = text_of(reply)
    assert "按量付费" in answer and "释放" in answer
    assert tickets_for(bot, order.order_id) == []
    assert "您好" in text_of(bot.say(sender, "你好"))  # the form is over


def test_promotional_order_can_go_to_manual_review(bot, sender):
    order = demo_order("promotional")
    bot.say(sender, "我要退款")
    bot.say(sender, f'/inform{{"order_id": "{order.order_id}"}}')
    reply = bot.say(sender, '/inform{"refund_reason": "demand_change"}')
    assert "促销活动订单" in text_of(reply) and "提交人工复核" in [b["title"] for b in buttons_of(reply)]
    reply = bot.say(sender, "好的")
    assert "人工复核申请" in text_of(reply)
    [ticket] = tickets_for(bot, order.order_id)
    assert ticket.manual_review and str(ticket.quoted_amount) == "0.00"


def test_interruptions_are_answered_and_the_form_resumes(bot, sender):
    order = demo_order("in_window")
    bot.say(sender, "我要退款")
    bot.say(sender, f'/inform{{"order_id": "{order.order_id}"}}')
    reply = bot.say(sender, "你们的退款政策是什么")
    assert "无理由退订" in text_of(reply) and "退款的原因" in text_of(reply)
    reply = bot.say(sender, "我之前的退款进度怎么样了")
    assert "当前状态：已到账" in text_of(reply) and "退款的原因" in text_of(reply)
    reply = bot.say(sender, "明天北京天气怎么样")
    assert "超出了我的服务范围" in text_of(reply) and "退款的原因" in text_of(reply)
    reply = bot.say(sender, "买错了")
    assert "确认提交" in text_of(reply)
    bot.say(sender, "确认")
    assert len(tickets_for(bot, order.order_id)) == 1


def test_cancel_stops_cleanly_and_a_new_application_starts_fresh(bot, sender):
    order = demo_order("in_window")
    bot.say(sender, "我要退款")
    bot.say(sender, f'/inform{{"order_id": "{order.order_id}"}}')
    reply = bot.say(sender, "算了不退了")
    assert "已为您取消本次退款申请" in text_of(reply)
    assert tickets_for(bot, order.order_id) == []
    reply = bot.say(sender, "我要退款")
    assert "请选择要退款的订单" in text_of(reply)


def test_request_human_inside_the_form(bot, sender):
    bot.say(sender, "我要退款")
    reply = bot.say(sender, "转人工")
    assert "正在为您转接人工客服" in text_of(reply)
    assert bot.say(sender, "你好") == []  # handed off: the assistant stays silent
    tracker = bot.tracker(sender)
    assert tracker["paused"] and tracker["active_loop"] in ({}, None)


def test_another_customers_order_is_not_found(bot, sender):
    theirs = demo_order("other_customer")
    reply = bot.say(sender, f"我要退款，订单号 {theirs.order_id}")
    assert f"没有在您的账号下找到 {theirs.order_id}" in text_of(reply)


def test_instance_with_two_orders_asks_which(bot, sender):
    reply = bot.say(sender, f"{demo_order('standard_voucher').instance_id} 这台要退款")
    assert "多个订单" in text_of(reply) and len(buttons_of(reply)) == 2


def test_second_application_for_the_same_order_is_refused(bot, sender):
    order = demo_order("in_window")
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, "需求变化")
    bot.say(sender, "确认")
    reply = bot.say(f"{sender}-again", f"我要退款，订单{order.order_id}")
    assert "已有进行中的退款工单" in text_of(reply)
    assert len(tickets_for(bot, order.order_id)) == 1


def test_retried_submit_creates_no_duplicate(bot, sender):
    order = demo_order("in_window")
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, "需求变化")
    tracker = bot.tracker(sender)
    tracker["slots"].update({"refund_confirmed": True, "requested_slot": None})
    tracker["active_loop"] = {}
    request = {"next_action": "action_submit_refund", "sender_id": sender, "tracker": tracker,
               "domain": {}, "version": "3.6.21"}
    first, second = bot.call_action(request), bot.call_action(request)
    ids = [[r["text"] for r in result["responses"]][0] for result in (first, second)]
    assert ids[0] == ids[1] and today_prefix() in ids[0]
    assert len(tickets_for(bot, order.order_id)) == 1


def test_status_after_filing(bot, sender):
    order = demo_order("in_window")
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, "买错了")
    filed = text_of(bot.say(sender, "确认"))
    ticket_id = tickets_for(bot, order.order_id)[0].ticket_id
    assert ticket_id in filed
    reply = bot.say(sender, f"查一下{ticket_id.lower()}的进度")
    assert "已提交" in text_of(reply) and ticket_id in text_of(reply)
    reply = bot.say(sender, "RF209901010001 到哪了")
    assert "没有找到您名下的该退款工单" in text_of(reply)
