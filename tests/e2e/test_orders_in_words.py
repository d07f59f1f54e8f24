"""Customers name their order the way they think of it, through the running servers."""
from __future__ import annotations

from bot.storage.seed import demo_order
from tests.e2e.test_refund_journey import buttons_of, text_of, tickets_for


def offered(reply):
    return [b["payload"] for b in buttons_of(reply)]


def test_by_size(bot, sender):
    bot.say(sender, "我要退款")
    reply = bot.say(sender, "就8核16G那台")
    assert f"已找到您的订单 {demo_order('service_issue').order_id}" in text_of(reply)
    assert "退款的原因" in text_of(reply)


def test_vague_then_narrowed(bot, sender):
    bot.say(sender, "我想退订云主机")
    reply = bot.say(sender, "4核8G那台")
    assert "有 2 个订单符合" in text_of(reply)
    payloads = offered(reply)
    assert len(payloads) == 2 and all("2026092700010002" in p or "2026112000010003" in p for p in payloads)
    reply = bot.say(sender, "续费的那个")
    assert f"已找到您的订单 {demo_order('unstarted_renewal').order_id}" in text_of(reply)


def test_promotion_and_price(bot, sender):
    bot.say(sender, "退款")
    reply = bot.say(sender, "双十一抢的那个99块的轻量服务器")
    assert demo_order("promotional").order_id in text_of(reply)


def test_by_position_in_the_list(bot, sender):
    listed = offered(bot.say(sender, "我要退款"))
    reply = bot.say(sender, "第一个")
    assert f"已找到您的订单 {listed[0][-18:-2]}" in text_of(reply)


def test_spaced_id_in_the_first_message(bot, sender):
    order = demo_order("in_window")
    reply = bot.say(sender, "申请退款，订单 2026 1124 0001 0001")
    assert f"已找到您的订单 {order.order_id}" in text_of(reply)


def test_two_ids_in_one_message_are_asked_about(bot, sender):
    first, second = demo_order("in_window").order_id, demo_order("service_issue").order_id
    bot.say(sender, "我要退款")
    reply = bot.say(sender, f"{first}，{second}")
    assert "有 2 个订单符合" in text_of(reply) and len(offered(reply)) == 2
    reply = bot.say(sender, f'/inform{{"order_id": "{second}"}}')
    assert f"已找到您的订单 {second}" in text_of(reply)


def test_a_description_that_fits_nothing_says_so_and_offers_the_list(bot, sender):
    bot.say(sender, "我要退款")
    reply = bot.say(sender, "32核64G那台")
    assert "没有找到符合这个描述的" in text_of(reply) and offered(reply)


def test_changing_their_mind_because_of_the_fee_cancels(bot, sender):
    order = demo_order("standard_voucher")
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, "需求变化")
    reply = bot.say(sender, "算了，扣这么多不退了")
    assert "已为您取消本次退款申请" in text_of(reply)
    assert tickets_for(bot, order.order_id) == []
