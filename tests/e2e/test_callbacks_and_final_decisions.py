"""Through the running servers: a call-back is booked as soon as a valid number is given (what it
is about is offered, and what the customer adds next joins that call-back), a message still needs
its text, and a customer still dissatisfied after a final decision is handed to a person (out of
hours: offered a message or call-back) besides the external routes. Wordings of their own."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.schema import HandoffRow
from harness.servers import write_support
from tests.e2e.test_after_filing import file_ticket, review, ticket_row
from tests.e2e.test_refund_journey import buttons_of, text_of


def handoffs_of(bot, sender):
    with bot.sessions() as db:
        return list(db.scalars(select(HandoffRow).where(HandoffRow.conversation_id == sender)))


def test_a_number_alone_books_the_call_back_and_a_note_is_only_offered(bot, sender):
    write_support(bot.support_file, override="closed")
    bot.say(sender, "转人工")
    assert "请留下方便接听" in text_of(bot.say(sender, '/inform{"contact_choice": "callback"}'))
    reply = bot.say(sender, "我的手机号是 186-1234-5678")
    assert "已记录您的电话回访预约（尾号 5678）" in text_of(reply) and "客服上线后" in text_of(reply)
    (row,) = handoffs_of(bot, sender)
    assert (row.kind, row.callback_phone, row.message) == ("callback", "18612345678", None)  # 「我的手机号是」 is no topic
    assert "电话回访已经预约好了" in text_of(bot.say(sender, "不用了，谢谢"))
    (row,) = handoffs_of(bot, sender)
    assert (row.kind, row.message) == ("callback", None)


def test_what_follows_the_booking_joins_that_call_back(bot, sender):
    write_support(bot.support_file, override="closed")
    bot.say(sender, "转人工")
    bot.say(sender, '/inform{"contact_choice": "callback"}')
    bot.say(sender, "15098765432")
    reply = text_of(bot.say(sender, "降配以后差价一直没退回来"))
    assert "已记录" in reply and "附在您的电话回访预约上" in reply
    (row,) = handoffs_of(bot, sender)  # one call-back, not a second item
    assert (row.kind, row.callback_phone, row.message) == ("callback", "15098765432", "降配以后差价一直没退回来")


def test_a_message_still_needs_its_text(bot, sender):
    write_support(bot.support_file, override="closed")
    bot.say(sender, "转人工")
    assert "请写下需要客服帮您处理的问题" in text_of(bot.say(sender, '/inform{"contact_choice": "message"}'))
    assert handoffs_of(bot, sender) == []
    assert "已记录您的留言" in text_of(bot.say(sender, "发票抬头写错了 麻烦帮忙改一下"))
    (row,) = handoffs_of(bot, sender)
    assert (row.kind, row.message) == ("message", "发票抬头写错了 麻烦帮忙改一下")


def finally_rejected(bot, sender) -> str:
    ticket_id = file_ticket(bot, sender)
    review(bot, ticket_id, "take")
    review(bot, ticket_id, "reject", {"reason_code": "insufficient_evidence", "note": "未见故障记录"})
    bot.services.workflow.appeal(ticket_row(bot, ticket_id).customer_id, ticket_id, "那几天确实连不上")
    review(bot, ticket_id, "close-appeal", {"decision": "reject", "note": "复核后维持原决定"})
    assert ticket_row(bot, ticket_id).status == "final_rejected"
    return ticket_id


def test_still_dissatisfied_after_the_final_decision_goes_to_a_person(bot, sender):
    ticket_id = finally_rejected(bot, sender)
    reply = text_of(bot.say(sender, "复核还是维持原判？这结果我接受不了"))
    assert "12315" in reply and "转接人工客服" in reply
    (row,) = handoffs_of(bot, sender)
    assert (row.reason, row.status, row.ticket_id) == ("dissatisfied", "waiting", ticket_id)


def test_still_dissatisfied_out_of_hours_is_offered_a_message_or_call_back(bot, sender):
    ticket_id = finally_rejected(bot, sender)
    write_support(bot.support_file, override="closed")
    reply = bot.say(sender, "申诉也驳回了 你们这么处理太离谱了")
    assert "不在人工客服服务时间" in text_of(reply) and "12315" in text_of(reply)
    assert [b["title"] for b in buttons_of(reply)][:2] == ["给客服留言", "预约电话回访"]
    bot.say(sender, '/inform{"contact_choice": "callback"}')
    bot.say(sender, "13700001234")
    (row,) = handoffs_of(bot, sender)
    assert (row.kind, row.reason, row.ticket_id) == ("callback", "dissatisfied", ticket_id)
