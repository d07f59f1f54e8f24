"""What is not ours gets a short true answer and a way to a person, never a refund form, a refund
quote or a refund ticket (through the running servers). The wordings are new: none is in data/nlu."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.storage.schema import TicketRow
from tests.e2e.test_refund_journey import buttons_of, text_of

# (what the customer says, what the answer must say)
QUESTIONS = [
    ("昨晚往账户里打了两千块，到现在余额还是老样子", "充值和到账"),
    ("公司对公打款给你们了，帮忙看下入账没", "充值和到账"),
    ("余额里的钱想提到卡上，多久能到", "提现"),
    ("上个月那张增值税票抬头打错了，要重新开", "发票"),
    ("作废的那张票退回去以后能重开一张普票吗", "发票"),
    ("机器下周到期，想再续两年怎么弄", "续费和关闭自动续费"),
    ("这个月账单比上个月多出三百，都花哪了", "扣费明细"),
    ("为什么我账户欠费了一块二", "扣费明细"),
    ("网站今天早上开始502，是不是你们节点挂了", "技术支持"),
    ("对象存储传文件一直报超时", "技术支持"),
    ("天天给我推送活动短信，怎么关掉", "短信"),
    ("拼多多上买的耳机退了一周钱还没回来", "其他平台"),
    ("12306改签失败了，票钱能退吗", "其他平台"),
    ("证书申请提交三天了还是验证失败", "审核"),
    ("换了手机号登不上控制台了", "账号问题"),
    ("想再买一台4核8G的，现在有活动吗", "选购"),
]
REFUND_MARKERS = ("请选择要退款的订单", "可退金额", "退款工单已提交", "确认提交")


def ticket_count(bot) -> int:
    with bot.sessions() as session:
        return session.scalar(select(func.count()).select_from(TicketRow))


@pytest.mark.parametrize("said, answer", QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_other_topics_get_their_answer_and_no_refund(bot, sender, said, answer):
    before = ticket_count(bot)
    messages = bot.say(sender, said)
    reply = text_of(messages)
    assert answer in reply, reply
    assert not any(marker in reply for marker in REFUND_MARKERS), reply
    assert not (bot.tracker(sender).get("active_loop") or {}).get("name")
    assert ticket_count(bot) == before


def test_a_person_is_one_tap_away(bot, sender):
    messages = bot.say(sender, "发票寄出去了没有，快递单号给我一下")
    assert "人工" in text_of(messages)
    assert "/request_human" in [b["payload"] for b in buttons_of(messages)]


def test_answers_come_from_the_policy(bot, sender):
    reply = text_of(bot.say(sender, "开过票的单子退订的话发票咋处理"))
    assert "账户余额" in reply  # policies/default.yml: invoiced orders are refunded to the balance


def test_a_side_question_inside_the_refund_form_is_answered_and_the_form_goes_on(bot, sender):
    assert "请选择要退款的订单" in text_of(bot.say(sender, "我要退款"))
    reply = text_of(bot.say(sender, "对了，顺便问下充值一般多久能到"))
    assert "充值和到账" in reply and "请选择要退款的订单" in reply


def test_everyday_chatter_gets_the_general_answer_without_a_person_button(bot, sender):
    messages = bot.say(sender, "周末适合去哪里爬山")
    assert "超出了我的服务范围" in text_of(messages) and not buttons_of(messages)
