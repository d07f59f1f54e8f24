"""Form questions get answers that fit them: what does not fit is said and asked again, never
stored (through the running servers, in customers' words)."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import EvidenceRow
from bot.storage.seed import demo_order
from tests.e2e.test_after_filing import file_ticket, review, ticket_row
from tests.e2e.test_refund_journey import text_of, tickets_for


def test_outage_form_reads_each_answer_before_storing_it(bot, sender):
    order = demo_order("service_issue")
    bot.say(sender, "机器挂了两天，退款")
    reply = text_of(bot.say(sender, order.instance_id))
    assert "什么时候开始" in reply
    reply = text_of(bot.say(sender, "你好"))
    assert "没能从这句话里看出时间" in reply
    reply = text_of(bot.say(sender, "昨天下午三点左右"))
    assert "描述" in reply
    reply = text_of(bot.say(sender, "昨天下午三点"))  # the time again is no description
    assert "没有记作问题描述" in reply
    reply = text_of(bot.say(sender, "数据库连接一直超时，网站打不开"))
    assert "链接" in reply
    reply = text_of(bot.say(sender, "截图 https://pan.baidu.com/s/1XyZ 提取码：k3m9"))
    assert "已收到 1 个链接" in reply
    bot.say(sender, "确认提交")
    [ticket] = tickets_for(bot, order.order_id)
    assert "15:00:00+08:00" in ticket.details["incident_time"]
    with bot.sessions() as session:
        links = [e.content for e in session.scalars(select(EvidenceRow).where(
            EvidenceRow.ticket_id == ticket.ticket_id, EvidenceRow.kind == "link"))]
    assert links == ["https://pan.baidu.com/s/1XyZ 提取码：k3m9"]


def test_not_remembering_the_time_is_an_answer(bot, sender):
    order = demo_order("service_issue")
    bot.say(sender, "服务器故障申请退款")
    bot.say(sender, order.instance_id)
    reply = text_of(bot.say(sender, "具体时间不记得了"))
    assert "描述" in reply


def test_a_question_while_supplementing_is_not_sent_to_the_reviewer(bot, sender):
    ticket_id = file_ticket(bot, sender)
    review(bot, ticket_id, "take")
    review(bot, ticket_id, "request-info", {"missing": ["付款截图"], "note": "请补充付款截图"})
    bot.say(sender, "退款进度")
    reply = text_of(bot.say(sender, f"{ticket_id} 为什么被驳回"))
    assert "不是补充材料" in reply
    assert ticket_row(bot, ticket_id).status == "needs_info"
    reply = text_of(bot.say(sender, "付款截图 https://pan.example.com/s/pay999"))
    assert "已收到补充材料" in reply and ticket_row(bot, ticket_id).status == "under_review"
