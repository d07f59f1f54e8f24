"""read_mail: the one place mail text is read."""
import time
from datetime import datetime, timezone

from bot.mail.reading import read_mail
from bot.vocabulary import MailRequest

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def test_several_requests_and_facts():
    reading = read_mail("退款", "订单2026112400010001买错了，想退款。另外 RF202611050001 进度怎么样？我要投诉你们客服。", NOW)
    assert reading.requests == (MailRequest.REFUND, MailRequest.STATUS, MailRequest.COMPLAINT)
    assert reading.order_ids == ("2026112400010001",) and reading.ticket_ids == ("RF202611050001",)
    assert reading.reason == "wrong_purchase"


def test_traditional_chinese_and_full_width():
    reading = read_mail("", "訂單２０２６１１２４０００１０００１當機了，請退款", NOW)
    assert reading.order_ids == ("2026112400010001",) and reading.reason == "service_issue"


def test_time_of_a_fault():
    reading = read_mail("", "前天晚上8点服务器宕机，要赔偿", NOW)
    assert reading.incident_time == "2026-11-23T20:00:00+08:00"


def test_nothing_placed():
    assert not read_mail("你好", "上次那个事情怎么说", NOW).placed


def test_long_runs_cost_linear_time():
    for text in ("1" * 4000, "1 " * 2000, "一" * 4000, "12月" * 1000):
        started = time.process_time()
        read_mail("", text, NOW)
        assert time.process_time() - started < 1.5, text[:5]


def test_thousands_of_tiny_sentences_are_read_together():
    """「？1？1…」: one extraction per sentence made a 4 KB message cost 0.6 s of CPU; short
    sentences now share a piece, and what they say is still found."""
    read_mail("", "订单2026112400010001", NOW)  # the patterns are built at first use
    for text in ("？1" * 2000, "。" + "退款。" * 1000, "!a" * 2000):
        started = time.process_time()
        read_mail("", text, NOW)
        assert time.process_time() - started < 0.3, text[:5]
    reading = read_mail("", "你好。" * 50 + "订单2026112400010001。买错了。想退款。" + "谢谢。" * 50, NOW)
    assert reading.order_ids == ("2026112400010001",) and reading.reason == "wrong_purchase"


def test_ids_across_a_long_sentence_are_still_found():
    text = "很长的句子没有标点" * 30 + "2026112400010001" + "啊" * 200
    assert read_mail("", text, NOW).order_ids == ("2026112400010001",)
