"""Follow-ups that name no ticket are about the ticket the conversation is on."""
from __future__ import annotations

from bot.storage.seed import demo_order
from tests.e2e.test_refund_journey import buttons_of, text_of, tickets_for


def file(bot, sender, key, reason="需求变化"):
    order = demo_order(key)
    bot.say(sender, f"我要退款，订单{order.order_id}")
    bot.say(sender, reason)
    bot.say(sender, "确认")
    [ticket] = tickets_for(bot, order.order_id)
    return ticket.ticket_id


def test_why_the_fee_after_looking_at_one_ticket_answers_for_that_ticket(bot, sender):
    voucher = file(bot, sender, "standard_voucher")  # has a handling fee and a voucher
    newest = file(bot, f"{sender}-b", "in_window")   # filed later, elsewhere: the newest ticket
    reply = text_of(bot.say(sender, f"{voucher} 进度"))
    assert voucher in reply
    reply = text_of(bot.say(sender, "为什么扣了手续费"))
    assert voucher in reply and newest not in reply


def test_status_with_several_tickets_offers_buttons_to_pick_one(bot, sender):
    first = file(bot, sender, "standard_voucher")
    second = file(bot, sender, "in_window")
    reply = bot.say(sender, "我的退款进度")
    payloads = [b["payload"] for b in buttons_of(reply)]
    assert any(first in p for p in payloads) or any(second in p for p in payloads)
    picked = next(p for p in payloads if first in p or second in p)
    reply = text_of(bot.say(sender, picked))
    assert (first if first in picked else second) in reply
