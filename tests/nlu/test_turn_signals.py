"""The signs in a customer's words that a conversation is going wrong (bot/nlu/turn_signals.py)."""
from __future__ import annotations

import pytest

from bot.nlu.turn_signals import read_turn


@pytest.mark.parametrize("text, earlier", [
    ("我要退款", ["我要退款"]),
    ("第3台服务器不想用了，怎么退？", ["第3台服务器不想用了，怎么退"]),  # punctuation aside, the same
    ("我想退掉那台4核的服务器", ["你好", "我要退那台4核服务器"]),  # the same request in other words
    ("我要退款！！", ["我要退款", "好的", "是的"]),  # within the last three messages
])
def test_saying_it_again_is_a_repeat(text, earlier):
    assert read_turn(text, earlier).repeat


@pytest.mark.parametrize("text, earlier", [
    ("好的", ["好的"]),  # short answers are not requests
    ("是的", ["是的"]),
    ("/affirm", ["/affirm"]),  # button clicks
    ("这个订单能退多少钱", ["退款多久到账"]),
    ("订单2026112400010002能退吗", ["我要退款，订单号2026112400010001"]),  # another order number
    ("我要退款", ["我要退款", "a", "b", "c"]),  # four messages back: not a repeat any more
])
def test_other_messages_are_not_repeats(text, earlier):
    assert not read_turn(text, earlier).repeat


@pytest.mark.parametrize("text", ["不是", "不是这个订单，我说的是另一台", "不对，我要的是退款不是降配", "我的意思是全部退掉",
                                  "你理解错了吧", "我是说那台数据库", "不是這個"])
def test_corrections(text):
    assert read_turn(text, []).correction


@pytest.mark.parametrize("text", ["这不是我买的", "我要退款", "是不是能退", "/deny"])
def test_not_corrections(text):
    assert not read_turn(text, []).correction
