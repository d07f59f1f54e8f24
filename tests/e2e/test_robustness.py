"""Messages as customers really type them still work."""
import pytest

from bot.storage.seed import demo_order
from harness.servers import chat_token
from tests.e2e.test_refund_journey import text_of
from tests.widget_client import WidgetClient, run

ORDER = demo_order("in_window").order_id


@pytest.mark.parametrize("message", [
    f"我要退款，訂單號{ORDER}",                      # traditional characters
    f"申请退款 {''.join(chr(ord(c) + 0xFEE0) for c in ORDER)}",  # full-width digits
    f"退款😡😡😡 订单{ORDER}",                          # emoji
    f"I want a refund，order {ORDER}",                 # English mixed in
    f"我要推款 订单{ORDER}",                            # homophone typo
])
def test_refund_starts_with_the_order(bot, sender, message):
    assert f"已找到您的订单 {ORDER}" in text_of(bot.say(sender, message))


def test_long_complaint_with_a_refund_demand_and_an_order_number(bot, sender):
    complaint = ("你们这个服务真的太让人失望了。" * 20
                 + f"上个月买的服务器，订单号{ORDER}，项目已经取消了，现在根本用不上，我要求退款！"
                 + "希望你们尽快处理，不然我会继续投诉。" * 15)
    reply = text_of(bot.say(sender, complaint))
    assert f"已找到您的订单 {ORDER}" in reply


@pytest.mark.parametrize("message", ["？？？", "🙂", "!!!!", "a" * 300])
def test_odd_messages_get_a_polite_answer(bot, sender, message):
    reply = text_of(bot.say(sender, message))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply)  # answered in Chinese


@pytest.mark.parametrize("message, expected", [
    ("   ", "空消息"), ("\u200b\u200b", "空消息"), ("\t\n", "空消息"), ("字" * 2001, "太长了")])
def test_blank_and_oversized_messages_in_the_widget(fresh_stack, message, expected):
    async def scenario():
        client = WidgetClient(fresh_stack.rasa_url, chat_token(fresh_stack.sessions, "c1001"))
        await client.start()
        try:
            return await client.say(message, wait_for=expected)
        finally:
            await client.stop()
    assert expected in run(scenario())
