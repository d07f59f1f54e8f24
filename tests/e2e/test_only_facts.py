"""Only facts are stored, in customers' words through the running servers: a correction of the
order or a change of reason typed where the form asks for a time changes that answer (it is not
saved as the time), 「弄好了」 with nothing uploaded is not evidence, a claim keeps the time and
symptom the customer gave, and 「已记录」 is said only when a record exists."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.storage.schema import EvidenceRow, HandoffRow
from bot.storage.seed import demo_order
from harness.servers import chat_token
from tests.e2e.test_refund_journey import text_of, tickets_for
from tests.widget_client import WidgetClient, run

RENEWAL = demo_order("unstarted_renewal")  # c1001's renewal that has not started
PRORATED = demo_order("standard_voucher")  # c1001's ECS, 60 days old
NEW = demo_order("in_window")  # c1001's ECS bought two days ago


def slots(bot, sender: str) -> dict:
    return bot.tracker(sender)["slots"]


def test_a_corrected_order_at_the_time_question_changes_the_order(bot, sender):
    bot.say(sender, f"我要退款，订单{RENEWAL.order_id}")
    asked = text_of(bot.say(sender, "服务器老是出故障"))
    assert "什么时候" in asked, asked
    answer = text_of(bot.say(sender, f"错了错了 不是这个续费的单子，是{PRORATED.order_id}"))
    state = slots(bot, sender)
    assert state["order_id"] == PRORATED.order_id, (answer, state)
    assert not state.get("incident_time"), state
    assert PRORATED.order_id in answer, answer


def test_a_changed_reason_at_the_time_question_changes_the_reason(bot, sender):
    bot.say(sender, f"我要退款，订单{NEW.order_id}")
    bot.say(sender, "服务器老是出故障")
    answer = text_of(bot.say(sender, "算了不说故障了，原因改成不需要了"))
    state = slots(bot, sender)
    assert state["refund_reason"] == "demand_change", (answer, state)
    assert not state.get("incident_time"), state
    assert "预计可退" in answer, answer  # the new reason's quote, asked again


def test_done_with_nothing_uploaded_is_not_evidence(bot, sender):
    bot.say(sender, f"我要退款，订单{NEW.order_id}")
    bot.say(sender, "服务器故障，用不了")
    bot.say(sender, "昨天下午三点")
    asked = text_of(bot.say(sender, "网站打不开，ssh 也连不上"))
    assert "上传" in asked, asked
    more = text_of(bot.say(sender, "重启了好几次也没用"))  # more about the problem: kept, asked again
    state = slots(bot, sender)
    assert not state.get("evidence_links") and "重启了好几次" in state["incident_description"], (more, state)
    assert "补充到问题描述" in more and "上传" in more, more
    answer = text_of(bot.say(sender, "弄好了"))
    assert not slots(bot, sender).get("evidence_links"), answer
    assert "还没有收到" in answer, answer
    assert "预计可退" in text_of(bot.say(sender, "暂时没有截图"))
    assert slots(bot, sender)["evidence_links"] == "无"


def test_a_claim_keeps_the_time_and_symptom_the_customer_gave(bot):
    down = demo_order("sla_claim")  # c1004's server down 9 hours two days ago

    async def scenario() -> None:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1004"))
        await client.start()
        await client.say("前天下午服务器宕机了三个小时，网站全挂了，服务器我还要用，给个补偿", "确认提交补偿申请吗")
        await client.say("确认", "已提交")
        await client.stop()

    run(scenario())
    [ticket] = tickets_for(bot, down.order_id)
    with bot.sessions() as db:
        words = " ".join(db.scalars(select(EvidenceRow.content).where(EvidenceRow.ticket_id == ticket.ticket_id)))
    assert "宕机" in words and "三个小时" in words, words


def test_recorded_is_said_only_with_a_record(bot, sender):
    answer = text_of(bot.say(sender, "你们这服务太差了，我要投诉"))
    with bot.sessions() as db:
        recorded = db.scalar(select(func.count()).select_from(HandoffRow).where(HandoffRow.conversation_id == sender))
    assert ("已记录" in answer) == bool(recorded), (answer, recorded)
