"""The messages the review of the reader (issue 29, "Why") quoted, each exactly as the customer
wrote it, through the running servers. Kinds already covered elsewhere with these words:
「错了错了 不是这个续费的单子」 and 「算了不说故障了」 (test_only_facts.py), 「弄好了」 with nothing
uploaded (test_only_facts.py), 「我要推款」 (test_robustness.py). New wordings of each kind are in
test_reader.py and test_orders_in_words.py."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from bot.clock import CUSTOMER_TZ, utcnow
from bot.storage.schema import HandoffRow, TicketRow
from bot.storage.seed import demo_order
from harness.servers import chat_token
from tests.e2e.test_after_filing import review
from tests.e2e.test_reader import file_refund, offered
from tests.e2e.test_refund_journey import buttons_of, text_of, tickets_for
from tests.widget_client import WidgetClient, run

FOUND = "已找到您的订单 {}"


def handoffs_of(bot, sender: str) -> int:
    with bot.sessions() as db:
        return db.scalar(select(func.count()).select_from(HandoffRow).where(HandoffRow.conversation_id == sender))


def test_the_bottom_one_of_the_list_is_the_last_order(bot, sender):
    listed = [p[-18:-2] for p in (b["payload"] for b in buttons_of(bot.say(sender, "我要退款"))) if '"order_id"' in p]
    reply = bot.say(sender, "最底下那个")
    assert FOUND.format(listed[-1]) in text_of(reply), text_of(reply)


def test_a_homophone_with_a_filler_starts_a_refund(bot, sender):
    reply = bot.say(sender, "我想推款哈")
    assert "请选择要退款的订单" in text_of(reply) and offered(reply)


def test_yes_with_the_word_appeal_starts_the_appeal(bot, sender):
    ticket = file_refund(bot, "in_window")
    review(bot, ticket, "take")
    review(bot, ticket, "reject", {"reason_code": "insufficient_evidence", "note": "未见故障记录"})
    assert "申诉" in text_of(bot.say(sender, "为什么拒绝我的退款"))
    reply = text_of(bot.say(sender, "对 申诉"))
    assert "理由" in reply, reply


def test_the_eight_core_server_named_in_the_first_message(bot, sender):
    reply = bot.say(sender, "那台8核的ECS不想要了 退了吧")
    assert FOUND.format(demo_order("service_issue").order_id) in text_of(reply) and not offered(reply)


def test_the_database_charged_twice_named_in_the_first_message(bot, sender):
    reply = bot.say(sender, "我的数据库被扣了两次钱，要退款")
    assert FOUND.format(demo_order("duplicate").order_id) in text_of(reply) and not offered(reply)


def test_the_singles_day_server_by_its_price(bot, sender):
    reply = bot.say(sender, "双十一买的那个99块的轻量服务器能退吗")
    assert demo_order("promotional").order_id in text_of(reply) and not offered(reply), text_of(reply)


def test_a_customer_with_one_order_need_not_tap_it(bot):
    only = demo_order("other_customer").order_id  # c1002's one order

    async def scenario() -> str:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1002"))
        await client.start()
        answer = await client.say("我要退款", only)
        await client.stop()
        return answer

    assert FOUND.format(only) in run(scenario())


def test_the_status_of_the_ticket_named_by_its_product(bot, sender):
    database = file_refund(bot, "duplicate")
    server = file_refund(bot, "in_window")  # the newer one
    reply = text_of(bot.say(sender, "RDS那单退到哪一步了"))
    assert database in reply and server not in reply, reply


def test_how_much_for_the_server_opened_yesterday_after_looking_at_an_old_ticket(bot, sender):
    old = file_refund(bot, "standard_voucher")  # 60 days old
    assert old in text_of(bot.say(sender, f"{old}进度"))
    reply = text_of(bot.say(sender, "那我这台昨天刚开的能退多少"))
    assert demo_order("promotional").order_id in reply and old not in reply, reply


def test_a_ticket_named_by_when_it_was_filed(bot, sender):
    older = file_refund(bot, "standard_voucher")  # an order bought two months ago...
    newer = file_refund(bot, "duplicate")  # ...and one bought last month: the filing day decides
    with bot.sessions.begin() as db:
        db.get(TicketRow, older).created_at = ended_last_month()
    reply = bot.say(sender, "上个月底提的那个退款单现在啥情况了")
    assert older in text_of(reply) and newer not in text_of(reply), text_of(reply)
    assert "撤回" not in str(buttons_of(reply)), buttons_of(reply)


def ended_last_month() -> datetime:
    """An afternoon two days before the end of last month (Beijing), stored in UTC."""
    first = utcnow().astimezone(CUSTOMER_TZ).date().replace(day=1)
    day = first - timedelta(days=2)
    return datetime.combine(day, time(15), CUSTOMER_TZ).astimezone(utcnow().tzinfo)


def test_tickets_named_by_their_state(bot, sender):
    rejected = file_refund(bot, "in_window")
    review(bot, rejected, "take")
    review(bot, rejected, "reject", {"reason_code": "insufficient_evidence", "note": "未见故障记录"})
    waiting = file_refund(bot, "duplicate")
    reply = text_of(bot.say(sender, "还在审核的那个啥时候有结果"))
    assert waiting in reply and rejected not in reply, reply
    reply = text_of(bot.say(sender, "被驳回的那单是怎么回事"))
    assert rejected in reply and waiting not in reply, reply


def test_a_mis_tap_corrected_to_the_database_order(bot, sender):
    bot.say(sender, "申请退款")
    bot.say(sender, demo_order("in_window").order_id)
    reply = text_of(bot.say(sender, "啊点错了，是数据库那单"))
    assert FOUND.format(demo_order("duplicate").order_id) in reply, reply
    assert bot.tracker(sender)["slots"].get("refund_reason") is None


def test_asking_the_boss_first_files_nothing(bot, sender):
    order = demo_order("in_window").order_id
    bot.say(sender, f"{order} 退了吧 用不到了")
    reply = text_of(bot.say(sender, "等下，我先问问老板，先别提交"))
    assert "先不提交" in reply and tickets_for(bot, order) == []


def test_thanks_and_goodbye_is_not_a_handoff(bot, sender):
    reply = text_of(bot.say(sender, "好的谢啦 拜拜"))
    assert handoffs_of(bot, sender) == 0 and "转接" not in reply and "再见" in reply, reply


def test_hurry_the_review_and_ask_for_a_person_in_one_message(bot, sender):
    ticket = file_refund(bot, "in_window")
    reply = text_of(bot.say(sender, f"{ticket} 能不能快点审核，找个人工"))
    assert ticket in reply and handoffs_of(bot, sender) == 1, reply

