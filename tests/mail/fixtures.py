"""Messy mail as real clients and servers write it (our own fixtures): each returns the raw
bytes of one message to the support address."""
from __future__ import annotations

import base64
import io
import zipfile
from email.header import Header
from email.utils import formataddr, make_msgid, parseaddr

SUPPORT = "support@refund.example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _b64(data: bytes) -> bytes:
    """Base64 in 76-character lines ending in CRLF, as SMTP carries them."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _headers(sender: str, subject: str, extra: str = "", message_id: str = "") -> bytes:
    message_id = message_id or make_msgid(domain="example.com")
    sender = formataddr(parseaddr(sender), charset="utf-8")  # a Chinese name as an encoded word
    return (f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"Date: Wed, 25 Nov 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n{extra}").encode("ascii")


def gbk(sender: str, tag: str) -> bytes:
    """GBK body declared as GB2312 (as many Chinese clients do) and a GB2312 encoded-word subject."""
    subject = Header(f"退款申请{tag}", "gb2312").encode()
    body = "您好：\r\n订单 2026112400010001 买错了配置，我要退款。\r\n张伟\r\n".encode("gbk")
    return (_headers(sender, subject, "Content-Type: text/plain; charset=gb2312\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n") + b"\r\n" + body)


def gb18030_qp(sender: str, tag: str) -> bytes:
    """GB18030 in quoted-printable with a character GBK does not have (𠀀), subject in Q encoding."""
    subject = Header(f"想退款{tag}", "gb18030").encode()
    text = "订单2026112400010001不需要了，想退款。𠀀"
    import quopri
    body = quopri.encodestring(text.encode("gb18030"))
    return _headers(sender, subject, "Content-Type: text/plain; charset=GB18030\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n") + b"\r\n" + body


def big5(sender: str, tag: str) -> bytes:
    """Traditional Chinese in Big5 (Taiwan, Hong Kong clients)."""
    subject = Header(f"申請退款{tag}", "big5").encode()
    body = "您好，訂單 2026112400010001 買錯了，麻煩退款，謝謝。".encode("big5")
    return _headers(sender, subject, "Content-Type: text/plain; charset=big5\r\n"
                    "Content-Transfer-Encoding: base64\r\n") + b"\r\n" + _b64(body)


def raw_utf8_headers(sender: str, tag: str) -> bytes:
    """UTF-8 bytes straight in the Subject (no encoded word) and no charset on the body."""
    return (f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: 我的退款进度{tag}\r\n"
            f"Message-ID: {make_msgid(domain='example.com')}\r\n\r\n"
            "请问我的退款到哪了？\r\n").encode("utf-8")


def html_only(sender: str, tag: str) -> bytes:
    """An HTML-only message with a style, a script and a quoted earlier mail."""
    html = ("<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
            "<div>订单 2026112400010001 买错了，请帮我退款。</div>"
            "<blockquote>上次说的订单 2026092700010002 就算了</blockquote></body></html>")
    return _headers(sender, Header(f"HTML 退款{tag}", "utf-8").encode(),
                    "Content-Type: text/html; charset=utf-8\r\n") + b"\r\n" + html.encode("utf-8")


def forwarded(sender: str, tag: str) -> bytes:
    """A forward with nothing of the customer's own above it."""
    body = ("---------- Forwarded message ---------\r\nFrom: 张伟 <zhangwei@example.com>\r\n"
            "Date: 2026年11月24日\r\nSubject: 退款\r\nTo: 财务\r\n\r\n"
            "订单 2026112400010001 买错了，需要退款。\r\n")
    return _headers(sender, Header(f"转发：退款{tag}", "utf-8").encode(),
                    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n") \
        + b"\r\n" + body.encode("utf-8")


def quoted_reply(sender: str, tag: str) -> bytes:
    """A reply quoting an earlier mail that names another order: only the new words count."""
    body = ("订单 2026112400010001 买错了，我要退款。\r\n\r\n"
            "在 2026年11月20日 10:00，云途客服 <support@refund.example.com> 写道：\r\n"
            "> 订单 2026092700010002 的情况如下……\r\n")
    return _headers(sender, Header(f"回复：退款{tag}", "utf-8").encode(),
                    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n") \
        + b"\r\n" + body.encode("utf-8")


def broken_mime(sender: str, tag: str) -> bytes:
    """A multipart message whose boundary never closes, with broken base64 and a part without headers."""
    return _headers(sender, f"broken {tag}", 'Content-Type: multipart/mixed; boundary="XYZ"\r\n') + (
        b"\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("我要投诉，退款一直没到账".encode("utf-8"))[:-3] + b"!!\r\n--XYZ\r\n\r\nno headers here\r\n")


def deep_nesting(sender: str, tag: str, depth: int = 200) -> bytes:
    """Multiparts nested far deeper than any client writes."""
    opening = b"".join(f'--B{i}\r\nContent-Type: multipart/mixed; boundary="B{i + 1}"\r\n\r\n'.encode() for i in range(depth))
    inner = f"--B{depth}\r\nContent-Type: text/plain\r\n\r\n我要人工客服\r\n--B{depth}--\r\n".encode()
    closing = b"".join(f"--B{i}--\r\n".encode() for i in reversed(range(depth)))
    head = _headers(sender, f"deep {tag}", 'Content-Type: multipart/mixed; boundary="B0"\r\n')
    return head + b"\r\n" + opening + inner + closing


def many_parts(sender: str, tag: str, parts: int = 2000) -> bytes:
    body = b"".join(b"--P\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(parts)) + b"--P--\r\n"
    return _headers(sender, f"parts {tag}", 'Content-Type: multipart/mixed; boundary="P"\r\n') + b"\r\n" + body


def with_attachments(sender: str, tag: str, files: list, text: str = "附件是截图，订单 2026112400010001 宕机了要退款",
                     extra: str = "", message_id: str = "") -> bytes:
    """A text and attachments: [(filename, bytes, declared type)], the name RFC 2047 encoded."""
    parts = [b"--A\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
             + text.encode("utf-8") + b"\r\n"]
    for name, data, declared in files:
        encoded = Header(name, "utf-8").encode()
        parts.append(f'--A\r\nContent-Type: {declared}; name="{encoded}"\r\nContent-Transfer-Encoding: base64\r\n'
                     f'Content-Disposition: attachment; filename="{encoded}"\r\n\r\n'.encode() + _b64(data))
    return (_headers(sender, Header(f"材料{tag}", "utf-8").encode(),
                     'Content-Type: multipart/mixed; boundary="A"\r\n' + extra, message_id)
            + b"\r\n" + b"".join(parts) + b"--A--\r\n")


def zip_of(entries: list) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def auto_reply(sender: str, tag: str, header: str) -> bytes:
    subject = Header(f"自动回复：退款{tag}", "utf-8").encode()
    head = _headers(sender, subject, header + "Content-Type: text/plain; charset=utf-8\r\n")
    return (head + b"\r\n" + "我正在休假，11月30日回来。订单 2026112400010001 退款".encode("utf-8"))


def bounce(our_message_id: str, tag: str) -> bytes:
    """A delivery status notification (RFC 3464) about one of our replies, from the null sender."""
    return (f"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: {SUPPORT}\r\n"
            f"Subject: Undelivered Mail Returned to Sender {tag}\r\nMessage-ID: {make_msgid(domain='mx.example.net')}\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
            "--R\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n"
            "--R\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; zhangwei@example.com\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n"
            f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{our_message_id}>\r\nSubject: x\r\n--R--\r\n").encode()
