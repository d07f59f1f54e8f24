"""Reading an answer before it is stored in a form slot."""
import pytest

from bot.nlu.form_answers import (
    evidence_links,
    is_only_a_time,
    looks_like_time,
)
from bot.nlu.normalize import normalize_text
from bot.nlu.reader import changed_reason, says_no_evidence, says_uploaded


@pytest.mark.parametrize("text", ["昨天下午3点", "11月20日上午", "前天晚上开始的", "一直都这样", "三点左右",
                                  "上周三", "大概两天前", "今天早上"])
def test_times(text):
    assert looks_like_time(text, has_date_entity=False)


@pytest.mark.parametrize("text", ["你好", "在吗", "谢谢", "服务器连不上", "好的"])
def test_not_times(text):
    assert not looks_like_time(text, has_date_entity=False)


def test_only_a_time_is_no_description():
    assert is_only_a_time("昨天下午三点", [(0, 6)])
    assert is_only_a_time("大概昨天下午三点开始的", [(2, 8)])
    assert not is_only_a_time("昨天下午三点开始数据库连不上", [(0, 6)])
    assert not is_only_a_time("服务器连不上", [])


def test_links_keep_their_extraction_codes():
    text = "截图在网盘 https://pan.baidu.com/s/1AbCdEf 提取码：x7k2 ，日志 https://example.com/log.txt"
    assert evidence_links(text) == ["https://pan.baidu.com/s/1AbCdEf 提取码：x7k2", "https://example.com/log.txt"]
    assert evidence_links("https://pan.example.cn/s/9 密码 ab12") == ["https://pan.example.cn/s/9 提取码：ab12"]
    assert evidence_links("https://a.cn/x?pwd=q1w2") == ["https://a.cn/x?pwd=q1w2"]


@pytest.mark.parametrize("text, current, changed", [
    ("算了不说故障了，原因改成不需要了", "service_issue", "demand_change"),
    ("原因换成买错了", "service_issue", "wrong_purchase"),
    ("不是故障，是重复扣费", "service_issue", "duplicate_payment"),
    ("其实是项目取消了", "service_issue", "demand_change"),
    ("网站打不开，ssh 也连不上", "service_issue", None),  # describes the problem
    ("打不开，后来改成用别的服务器了", "service_issue", None),  # its own reason's words
    ("原因改成不需要了", "demand_change", None),  # already that reason
])
def test_a_change_of_reason_is_read_only_when_said(text, current, changed):
    assert changed_reason(normalize_text(text), current) == changed


@pytest.mark.parametrize("text", ["好了", "弄好了", "已经传完了", "上传了", "传好了。", "搞定了", "ok"])
def test_done_uploading(text):
    assert says_uploaded(text)


@pytest.mark.parametrize("text", ["网站打不开", "好了吗", "好了" * 30, "刚" * 5000 + "x"])
def test_not_done_uploading(text):
    assert not says_uploaded(text)


@pytest.mark.parametrize("text, none", [("没有", True), ("暂时没有截图", True), ("不用了", True),
                                        ("没有问题", False), ("没有" * 30, False)])
def test_no_evidence(text, none):
    assert says_no_evidence(text) is none


def test_the_digits_of_an_id_are_not_a_time():
    assert not looks_like_time("错了错了 不是这个续费的单子，是2026092700010002", has_date_entity=False)
    assert not looks_like_time("是 ins-a1b2c3d4 这台", has_date_entity=False)
