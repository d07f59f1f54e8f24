"""Reading real-world mail: charsets, encoded words, HTML, quotes and forwards, caps."""
import time

import pytest

from bot.mail.parse import MAX_ATTACHMENTS, decode_bytes, decode_header_value, html_to_text, own_words, parse
from tests.mail import fixtures

ZHANG = "张伟 <ZhangWei@Example.com>"


def test_addresses_are_read_and_lower_cased():
    mail = parse(fixtures.gbk(ZHANG, "x"))
    assert mail.from_address == "zhangwei@example.com" and mail.from_name == "张伟"
    assert mail.subject == "退款申请x"


@pytest.mark.parametrize("raw_from", ["a@x.com, b@y.com", "not an address", "", "<>"])
def test_no_single_from_address_is_none(raw_from):
    raw = f"From: {raw_from}\r\nSubject: s\r\n\r\nbody".encode()
    assert parse(raw).from_address is None


def test_two_from_headers_are_none():
    assert parse(b"From: a@x.com\r\nFrom: b@y.com\r\n\r\nx").from_address is None


@pytest.mark.parametrize("build", [fixtures.gbk, fixtures.gb18030_qp, fixtures.big5, fixtures.raw_utf8_headers])
def test_charsets_are_decoded(build):
    mail = parse(build(ZHANG, "t"))
    assert "\ufffd" not in mail.text + mail.subject
    assert mail.subject.endswith("t")


def test_gb2312_declared_gbk_content_is_read():
    assert decode_bytes("镕".encode("gbk"), "gb2312") == "镕"  # 镕 is GBK, not GB2312


def test_undeclared_bytes_are_guessed():
    assert decode_bytes("退款".encode("gb18030")) == "退款"
    assert decode_bytes("退款".encode("utf-8")) == "退款"


def test_encoded_words_in_several_charsets():
    assert decode_header_value("=?gb2312?B?zcu/7g==?= =?utf-8?Q?=E7=94=B3=E8=AF=B7?=") == "退款申请"
    assert decode_header_value("=?bogus?Q?abc?=") == "abc"


def test_html_is_read_without_scripts_and_quotes_are_marked():
    text = html_to_text("<p>订单<b>123</b></p><script>x()</script><blockquote>旧内容</blockquote><div>新</div>")
    assert "x()" not in text and "> 旧内容" in text and "订单123" in text


def test_own_words_leave_out_quotes_and_signature():
    words, forwarded = own_words("我要退款\n> 旧的\n-- \n张伟\n")
    assert words == "我要退款" and not forwarded
    words, _ = own_words("新的\n\nOn Mon, 1 Dec 2026 at 10:00, 客服 <s@x.com> wrote:\n> 旧的")
    assert words == "新的"
    words, _ = own_words("新的\n\n张伟 于 2026年11月20日 周五 10:00 写道：\n> 旧的")
    assert words == "新的"


def test_outlook_header_block_starts_the_quote():
    words, _ = own_words("请退款\n\n发件人: 云途客服\n发送时间: 2026年11月20日\n收件人: 张伟\n主题: 退款\n\n旧的")
    assert words == "请退款"


def test_a_pure_forward_is_read_from_what_it_forwards():
    words, forwarded = own_words("---------- Forwarded message ---------\nFrom: a@x.com\nDate: x\n\n订单 1 要退款")
    assert forwarded and words == "订单 1 要退款"


def test_html_only_message():
    mail = parse(fixtures.html_only(ZHANG, "h"))
    assert "2026112400010001" in mail.own_text and "2026092700010002" not in mail.own_text
    assert "alert" not in mail.text


def test_attachments_are_capped():
    files = [(f"f{i}.png", fixtures.PNG, "image/png") for i in range(MAX_ATTACHMENTS + 5)]
    mail = parse(fixtures.with_attachments(ZHANG, "a", files))
    assert len(mail.attachments) == MAX_ATTACHMENTS and mail.dropped_attachments == 5
    assert mail.attachments[0].filename == "f0.png" and mail.attachments[0].data == fixtures.PNG


def test_an_unencoded_chinese_attachment_name_is_read():
    """Raw UTF-8 in Content-Disposition (clients that skip RFC 2231/2047): the stdlib hands the
    header over as a Header object; the message is read, the attachment kept with its name."""
    raw = ("From: zhangwei@example.com\r\nSubject: 材料\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/mixed; boundary="A"\r\n\r\n'
           "--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n订单 2026112400010001 宕机了要退款\r\n"
           '--A\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="监控截图.png"\r\n'
           "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAAA\r\n--A--\r\n").encode("utf-8")
    mail = parse(raw)
    assert "宕机了要退款" in mail.text
    assert [a.filename for a in mail.attachments] == ["监控截图.png"]


def test_broken_base64_is_read_as_far_as_it_goes():
    mail = parse(fixtures.broken_mime(ZHANG, "b"))
    assert "我要投诉" in mail.text and "base64" in mail.defects


@pytest.mark.parametrize("build", [fixtures.deep_nesting, fixtures.many_parts])
def test_absurd_structure_is_cut_short(build):
    started = time.process_time()
    mail = parse(build(ZHANG, "d"))
    assert time.process_time() - started < 2
    assert {"too_deep", "too_many_parts"} & set(mail.defects)


def test_work_is_linear_in_size():
    """Doubling a long message about doubles the time (no super-linear step)."""
    def cost(lines: int) -> float:
        body = ("在 2026年11月20日 于某处写道：" * 3 + "> 引用\r\n" + "于" * 200 + "\r\n") * lines
        raw = fixtures.quoted_reply(ZHANG, "x") + body.encode("utf-8")
        started = time.process_time()
        parse(raw)
        return time.process_time() - started
    small, large = cost(500), cost(2000)
    assert large < small * 8 + 0.05
