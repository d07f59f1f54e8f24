"""Canned replies as data: the shipped file loads, a bad one is refused with what is wrong,
variables are filled from the conversation and the unfilled ones found."""
import pytest

from bot.handoff.canned import CannedRepliesError, load_canned, unfilled, variables
from bot.settings import PROJECT_ROOT


def test_the_shipped_replies_load_with_titles_and_known_variables():
    replies = load_canned(PROJECT_ROOT / "config" / "canned_replies.yml")
    assert len(replies) >= 5 and len({r.title for r in replies}) == len(replies)
    used = {name for r in replies for name in unfilled(r.text)}
    assert used == {"客户姓名", "订单号", "工单号"}  # every variable has a reply that uses it


@pytest.mark.parametrize("text, message", [
    ("[]", "non-empty list"),
    ("- title: 问候\n", "exactly title and text"),
    ("- {title: 问候, text: '您好 {客户名字}'}\n", "unknown variable '客户名字'"),
    ("- {title: 问候, text: 您好}\n- {title: 问候, text: 再见}\n", "twice"),
    ("- {title: '', text: 您好}\n", "title 1-20"),
])
def test_a_bad_file_is_refused_saying_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "canned.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CannedRepliesError, match=message):
        load_canned(path)


def test_unfilled_variables_are_found_once_each_in_order():
    assert unfilled("{工单号} 和 {订单号}，还有 {工单号}") == ["工单号", "订单号"]
    assert unfilled("订单 2026112400010001 已核实，{其他} 不是变量") == []
    assert variables("张三", None, "") == {"客户姓名": "张三", "订单号": None, "工单号": None}
