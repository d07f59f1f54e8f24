"""Reading an answer before it is stored in a form slot."""
import pytest

from bot.nlu.form_answers import evidence_links, is_only_a_time, looks_like_time


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
