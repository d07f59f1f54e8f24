"""Typed satisfaction scores and call-back wishes become entities (bot/nlu/feedback.py)."""
import pytest

from bot.nlu.feedback import contact_choice, survey_score
from bot.nlu.form_answers import asks_a_question


@pytest.mark.parametrize("text, score", [
    ("5分", 5), ("4分吧", 4), ("打三分", 3), ("给一分", 1), ("0分都不想给", 1), ("10分满分", 5), ("8分", 4),
    ("五星好评", 5), ("挺满意的", 4), ("非常满意", 5), ("非常不满意，1分", 1), ("不太满意", 2), ("一般般", 3),
    ("差评", 1), ("评分5", 5),
])
def test_scores_in_words(text, score):
    found = survey_score(text)
    assert found is not None and found[0] == score
    assert text[found[1]:found[2]]  # a real span of the text


@pytest.mark.parametrize("text", ["用了5分钟就断了", "2026112400010001", "百分之十的手续费", "我要退款"])
def test_no_score_where_there_is_none(text):
    assert survey_score(text) is None


@pytest.mark.parametrize("text, kind", [
    ("给我回个电话", "callback"), ("让客服打电话给我", "callback"), ("预约电话回访", "callback"),
    ("我要留言", "message"), ("帮我留个言", "message"),
])
def test_contact_wishes(text, kind):
    assert contact_choice(text)[0] == kind


def test_a_statement_misread_at_low_confidence_is_not_a_question():
    assert not asks_a_question("ask_refund_policy", 0.23, "我有云监控截图，证明那几天实例一直不可用")
    assert asks_a_question("ask_refund_policy", 0.23, "为什么要提供截图")
    assert asks_a_question("ask_refund_status", 0.8, "退款到哪一步了")
    assert not asks_a_question("inform", 0.9, "截图在网盘里吗")


@pytest.mark.parametrize("text", ["退款一般多久到账", "这个机器性能还行但是不需要了", "对审核结果不满意，我要申诉一下这个工单"])
def test_rating_words_inside_a_sentence_are_no_score(text):
    assert survey_score(text) is None
