"""Every message read once, in context (bot/nlu/reader.py), through the running servers: orders
named in the first message, corrections, changed reasons, stops and pauses inside the form, yes
and no to the question still pending, tickets picked from a list by their order, several requests
in one message. The wordings are new ones of each kind (not the conversation set's)."""
from __future__ import annotations

import uuid

from bot.storage.seed import demo_order
from tests.e2e.test_refund_journey import buttons_of, text_of, tickets_for


def offered(reply):
    return sorted(p for p in (b["payload"] for b in buttons_of(reply)) if '"order_id"' in p)


def file_refund(bot, key: str) -> str:
    """A ticket for the demo order `key`, filed in a conversation of its own; its id."""
    sender = f"e2e-setup-{uuid.uuid4().hex[:8]}"
    order = demo_order(key).order_id
    bot.say(sender, f"{order} 申请退款 不需要了")
    bot.say(sender, "确认")
    (ticket,) = [t for t in tickets_for(bot, order) if t.status == "submitted"]
    return ticket.ticket_id


def test_a_partial_size_and_a_reason_in_the_first_message_go_straight_to_the_quote(bot, sender):
    reply = bot.say(sender, "内存16G的那台帮我退掉吧，闲置好几个月了")
    text = text_of(reply)
    assert f"已找到您的订单 {demo_order('service_issue').order_id}" in text
    assert "确认提交" in str(buttons_of(reply)) and not offered(reply)


def test_a_purchase_day_that_fits_two_orders_offers_exactly_those(bot, sender):
    day_orders = sorted(demo_order(k).order_id for k in ("promotional", "quota_used"))
    reply = bot.say(sender, "昨天下单买的 退一下")
    assert "有 2 个订单符合" in text_of(reply)
    assert [p[-18:-2] for p in offered(reply)] == day_orders
    reply = bot.say(sender, "流量包那个")
    assert f"已找到您的订单 {demo_order('quota_used').order_id}" in text_of(reply)


def test_a_size_no_order_has_is_said_and_the_list_follows(bot, sender):
    reply = bot.say(sender, "那台十六核的给我退了")
    assert "没有找到符合这个描述的" in text_of(reply) and offered(reply)


def test_an_order_taken_back_at_the_reason_question(bot, sender):
    bot.say(sender, "申请退款")
    bot.say(sender, demo_order("in_window").order_id)
    reply = bot.say(sender, "哎呀搞错了 不是这个 是RDS的那个")
    assert f"已找到您的订单 {demo_order('duplicate').order_id}" in text_of(reply)
    assert "原因" in text_of(reply)


def test_a_reason_changed_while_the_fault_is_asked_about(bot, sender):
    order = demo_order("service_issue").order_id
    bot.say(sender, f"{order} 要退款")
    reply = bot.say(sender, "实例出故障了")
    assert "什么时候开始" in text_of(reply)
    reply = bot.say(sender, "还是算了 故障说不清楚 理由改成用不上了")
    assert "确认提交" in str(buttons_of(reply))
    bot.say(sender, "确认")
    (ticket,) = tickets_for(bot, order)
    assert ticket.reason == "demand_change"


def test_stopping_at_the_order_question_leaves_nothing_pending(bot, sender):
    bot.say(sender, "我要退款")
    reply = bot.say(sender, "噢 那不要了")
    assert "取消" in text_of(reply)
    assert (bot.tracker(sender).get("active_loop") or {}).get("name") is None


def test_a_pause_before_filing_files_nothing_until_told(bot, sender):
    order = demo_order("in_window").order_id
    bot.say(sender, f"{order} 退了吧 用不到了")
    reply = bot.say(sender, "稍等 我先问问财务 先别提交")
    assert "先不提交" in text_of(reply) and tickets_for(bot, order) == []
    bot.say(sender, "财务说可以 那就提交")
    assert len(tickets_for(bot, order)) == 1


def test_a_fault_described_with_the_request_is_not_asked_again(bot, sender):
    order = demo_order("in_window").order_id
    reply = bot.say(sender, f"{order} 要退款 前天晚上开始一直ping不通 网站打不开")
    assert "上传" in text_of(reply)
    assert "描述一下出现了什么问题" not in text_of(reply)


def test_a_status_question_and_a_refund_in_one_message_are_both_answered(bot, sender):
    ticket = file_refund(bot, "duplicate")
    order = demo_order("in_window").order_id
    reply = bot.say(sender, f"{ticket}现在什么状态了？还有{order}也帮我退掉 不需要了")
    assert ticket in text_of(reply) and "确认提交" in str(buttons_of(reply))


def test_a_timing_question_with_a_refund_request(bot, sender):
    reply = bot.say(sender, "退回来要几天？2核4G那台退了吧 用不着了")
    assert "工作日" in text_of(reply) and "确认提交" in str(buttons_of(reply))


def test_a_ticket_picked_from_the_withdraw_list_by_its_product(bot, sender):
    kept = file_refund(bot, "in_window")
    withdrawn = file_refund(bot, "quota_used")
    reply = bot.say(sender, "申请撤回")
    assert kept in text_of(reply) or kept in str(buttons_of(reply))
    reply = bot.say(sender, "流量包的那个")
    assert withdrawn in text_of(reply)
    bot.say(sender, "好的")
    assert tickets_for(bot, demo_order("quota_used").order_id)[0].status == "withdrawn"
    assert tickets_for(bot, demo_order("in_window").order_id)[0].status == "submitted"


def test_declining_a_withdrawal_in_words_leaves_no_question_pending(bot, sender):
    file_refund(bot, "in_window")
    bot.say(sender, "把退款申请撤销")
    bot.say(sender, "想了想还是不撤了")
    assert not (bot.tracker(sender).get("slots") or {}).get("withdraw_ticket")
    bot.say(sender, "好的")
    assert tickets_for(bot, demo_order("in_window").order_id)[0].status == "submitted"


def test_an_order_described_in_a_policy_question_gets_its_own_answer(bot, sender):
    reply = bot.say(sender, "一千二那单还能退不")
    assert demo_order("in_window").order_id in text_of(reply)


# ---- Kinds the second conversation batch found (wordings of our own) ------------------------

def test_a_correction_at_the_quote_means_another_order_and_keeps_the_kind_ruled_out(bot, sender):
    first, meant = demo_order("in_window").order_id, demo_order("standard_voucher").order_id
    reply = bot.say(sender, "2核4G那台退掉吧 不想用了")
    assert f"已找到您的订单 {first}" in text_of(reply)
    reply = bot.say(sender, "哎不对 我要退的是另外一台 4核8G 不是续费的那个")
    assert f"已找到您的订单 {meant}" in text_of(reply), text_of(reply)
    bot.say(sender, "确认提交")
    assert tickets_for(bot, first) == [] and len(tickets_for(bot, meant)) == 1


def test_a_correction_that_fits_several_offers_exactly_those(bot, sender):
    both = sorted(demo_order(k).order_id for k in ("standard_voucher", "unstarted_renewal"))
    bot.say(sender, "2核4G那台退掉吧 不想用了")
    reply = bot.say(sender, "搞错了 应该是另一台 4核8G的")
    assert [p[-18:-2] for p in offered(reply)] == both, text_of(reply)
    assert tickets_for(bot, demo_order("in_window").order_id) == []


def test_a_pause_to_ask_someone_then_their_yes_files(bot, sender):
    order = demo_order("in_window").order_id
    bot.say(sender, f"{order} 不需要了 退款")
    reply = bot.say(sender, "等一会儿 我跟领导商量下")
    assert "先不提交" in text_of(reply) and tickets_for(bot, order) == []
    bot.say(sender, "领导同意了 退吧")
    assert len(tickets_for(bot, order)) == 1


def test_a_fault_told_at_the_quote_becomes_the_reason(bot, sender):
    order = demo_order("service_issue").order_id
    bot.say(sender, "16G内存那台用不着了 退款")
    reply = bot.say(sender, "其实是你们机器出问题 前天下午开始ssh一直超时连不上")
    assert "上传" in text_of(reply), text_of(reply)
    reply = bot.say(sender, "没有截图 当时只顾着重启了")
    assert "免收手续费" in text_of(reply) or "确认提交" in str(buttons_of(reply)), text_of(reply)
    bot.say(sender, "确认")
    (ticket,) = tickets_for(bot, order)
    assert ticket.reason == "service_issue"


def test_an_order_and_a_money_back_reason_without_a_refund_word_start_the_refund(bot, sender):
    reply = bot.say(sender, "RDS那个数据库 付款时付了两遍")
    assert demo_order("duplicate").order_id in text_of(reply), text_of(reply)


def test_a_refund_word_typed_as_a_homophone_with_a_described_order(bot, sender):
    reply = bot.say(sender, "轻量那台99的 腿款")
    assert demo_order("promotional").order_id in text_of(reply), text_of(reply)


def test_a_yes_that_names_the_refund_files_it(bot, sender):
    order = demo_order("in_window").order_id
    reply = bot.say(sender, f"{order} 不想用了 退掉")
    assert "确认提交" in str(buttons_of(reply))
    reply = bot.say(sender, "那就确认退订")
    [ticket] = [t for t in tickets_for(bot, order) if t.status == "submitted"]
    assert ticket.ticket_id in text_of(reply)


def test_a_refund_with_a_question_not_ours_answers_both(bot, sender):
    reply = bot.say(sender, "2核4G那台退了吧 用不上了，对了专票怎么开")
    assert "发票" in text_of(reply) and "确认提交" in str(buttons_of(reply))


def test_a_chase_with_a_question_not_ours_chases_and_answers(bot, sender):
    from datetime import date

    from bot.storage.schema import TicketRow

    ticket = file_refund(bot, "in_window")
    with bot.sessions.begin() as db:
        db.get(TicketRow, ticket).stage_due = date(2026, 1, 5)  # long past
    reply = text_of(bot.say(sender, "退款都拖了半个月了帮我催下，另外账户余额能提现吗"))
    assert "我已为您催办" in reply and "提现" in reply


def test_a_status_with_a_refund_of_another_order_goes_on_to_that_order(bot, sender):
    ticket = file_refund(bot, "duplicate")
    reply = bot.say(sender, f"{ticket}到哪一步了 还有8核那台能不能也退掉")
    assert ticket in text_of(reply)
    assert f"已找到您的订单 {demo_order('service_issue').order_id}" in text_of(reply)


def test_another_ticket_named_after_a_status_gets_its_status(bot, sender):
    first = file_refund(bot, "in_window")
    second = file_refund(bot, "duplicate")
    bot.say(sender, "我的退款进度呢")  # the newest told of, the other one offered
    reply = text_of(bot.say(sender, "那台云服务器的呢"))
    assert f"工单 {first}" in reply
    reply = text_of(bot.say(sender, "RDS那个呢"))  # back to the one told of first
    assert f"工单 {second}" in reply


def test_two_orders_named_together_are_filed_one_after_the_other_with_the_reason_said_once(bot, sender):
    light, cdn = demo_order("in_window").order_id, demo_order("quota_used").order_id
    reply = bot.say(sender, "那台2核4G的还有CDN的流量包 都用不上了 退掉吧")
    assert "2 个订单" in text_of(reply) and cdn in text_of(reply) and light in text_of(reply), text_of(reply)
    reply = bot.say(sender, "确认")
    assert "接下来办理" in text_of(reply), text_of(reply)
    first = [t for o in (cdn, light) for t in tickets_for(bot, o)]
    assert len(first) == 1
    reply = bot.say(sender, "嗯 流量包那个也退")
    assert "确认提交" in str(buttons_of(reply)), text_of(reply)
    bot.say(sender, "确认")
    (a,), (b,) = tickets_for(bot, cdn), tickets_for(bot, light)
    assert a.reason == b.reason == "demand_change"


def test_a_yes_goes_on_with_the_next_order_and_a_stop_forgets_it(bot, sender):
    light, cdn = demo_order("in_window").order_id, demo_order("quota_used").order_id
    bot.say(sender, "2核4G的跟1T的流量包 都不想要了")
    bot.say(sender, "提交")
    reply = bot.say(sender, "好的")
    assert cdn in text_of(reply) and "确认提交" in str(buttons_of(reply)), text_of(reply)
    bot.say(sender, "算了 这个先不退了")
    assert tickets_for(bot, cdn) == [] and len(tickets_for(bot, light)) == 1
    reply = bot.say(sender, "好的")
    assert cdn not in text_of(reply), text_of(reply)
