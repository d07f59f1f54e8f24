"""Questions in customers' words get the answer they ask for (through the running servers)."""
from __future__ import annotations

from bot.storage.seed import demo_order
from tests.e2e.test_refund_journey import buttons_of, text_of


def test_can_a_product_be_refunded_gets_the_rules_not_the_promotion_clause(bot, sender):
    messages = bot.say(sender, "云主机能退吗")
    reply = text_of(messages)
    # Two lines: the rule for that product, and the offer to check their own orders.
    assert "云服务器" in reply and "无理由" in reply and "促销" not in reply
    assert "/request_refund" in [b["payload"] for b in buttons_of(messages)]


def test_a_complaint_goes_to_a_person_not_to_the_appeal(bot, sender):
    reply = text_of(bot.say(sender, "我要投诉"))
    assert "人工" in reply and "没有被驳回" not in reply


def test_withdrawing_a_filed_ticket_in_words(bot, sender):
    order = demo_order("in_window")
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, "需求变化")
    bot.say(sender, "确认")
    reply = text_of(bot.say(sender, "这个我不退了，帮我撤回吧"))
    assert "确定要撤回工单" in reply and "请选择要退款的订单" not in reply
    reply = text_of(bot.say(sender, "确认撤回"))
    assert "已撤回工单" in reply


def test_how_much_would_i_get_without_a_ticket_offers_a_trial_quote(bot, sender):
    reply = text_of(bot.say(sender, "包年的服务器用了两个月能退多少"))
    assert "试算" in reply and "金额明细" not in reply
