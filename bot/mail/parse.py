"""A received e-mail as the intake reads it: addresses, threading, the text the customer wrote
(told apart from quoted and forwarded text), attachments, and the headers that show a robot.

Real mail is messy, so nothing here trusts the message: headers and bodies in UTF-8, GBK,
GB18030, Big5 or undeclared (RFC 2047 encoded words and raw 8-bit bytes alike), HTML-only
bodies, broken base64, missing boundaries. Work is linear in the message's size: the size is
capped before parsing (the SMTP server refuses larger messages), and so are the MIME parts, the
nesting, the attachments and the text kept.
"""
from __future__ import annotations

import base64
import binascii
import email
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Iterator, List, Optional, Tuple

MAX_PARTS = 200          # MIME parts read; the rest of a message stays in the raw copy
MAX_DEPTH = 12           # multipart nesting read
MAX_ATTACHMENTS = 20
MAX_TEXT_CHARS = 100_000  # readable text kept per message
MAX_HEADER_CHARS = 2_000  # one header value as read
MAX_IDS = 50             # Message-IDs read from References
# "GB2312" mail is nearly always GBK in practice, and GB18030 contains both; Big5 with the Hong
# Kong extensions contains Big5.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                   "gb_2312-80": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "gb18030",
                   "big5": "big5hkscs", "x-big5": "big5hkscs", "cp950": "big5hkscs",
                   "utf8": "utf-8", "unicode-1-1-utf-7": "utf-7"}
GUESSES = ("utf-8", "gb18030", "big5hkscs")
MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    declared_type: str  # what the sender claimed (the upload checks look at the bytes)


@dataclass
class ParsedMail:
    message_id: Optional[str] = None
    in_reply_to: List[str] = field(default_factory=list)
    references: List[str] = field(default_factory=list)
    from_address: Optional[str] = None  # exactly one well-formed address, lower case; else None
    from_name: str = ""
    subject: str = ""
    text: str = ""        # everything readable: the customer's words, then what they quoted or forwarded
    own_text: str = ""    # what the customer wrote this time (quotes, forwarded parts, signature left out)
    forwarded: bool = False
    attachments: List[Attachment] = field(default_factory=list)
    dropped_attachments: int = 0   # beyond MAX_ATTACHMENTS (kept in the raw copy)
    defects: List[str] = field(default_factory=list)
    headers: dict = field(default_factory=dict)  # lower-case name -> decoded value(s) joined by "\n"
    content_type: str = "text/plain"
    received_hops: int = 0
    auth_passed: Optional[bool] = None  # the nearest Authentication-Results: DKIM or DMARC pass

    def header(self, name: str) -> str:
        return str(self.headers.get(name.lower(), ""))


def decode_bytes(data: bytes, charset: Optional[str] = None) -> str:
    """Text from bytes in the declared charset (with the real-world aliases), else the first of
    UTF-8, GB18030 and Big5 that decodes cleanly; never raises."""
    if charset:
        name = CHARSET_ALIASES.get(charset.strip().strip('"').lower(), charset.strip().strip('"').lower())
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    for guess in GUESSES:
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(raw: object) -> str:
    """A header's text: RFC 2047 encoded words in any charset and raw 8-bit bytes alike."""
    # 8-bit bytes in a header reach us as a Header of charset unknown-8bit (decoded below like a body).
    value = raw if isinstance(raw, Header) else str(raw or "")[:MAX_HEADER_CHARS * 4]
    try:
        pieces = decode_header(value)
    except Exception:  # a malformed encoded word: read the value as it stands
        pieces = [(str(value), None)]
    words = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            try:  # an unencoded stretch: 8-bit bytes arrive surrogate-escaped
                chunk = chunk.encode("ascii", "surrogateescape")
            except UnicodeEncodeError:  # already text
                words.append(chunk)
                continue
        words.append(decode_bytes(chunk, charset))
    text = "".join(words)
    return re.sub(r"[\r\n\t]+", " ", text).strip()[:MAX_HEADER_CHARS]


def message_ids(value: str) -> List[str]:
    """The Message-IDs in a header (without angle brackets), at most MAX_IDS, newest last."""
    return MESSAGE_ID.findall(value or "")[-MAX_IDS:]


def parse(raw: bytes) -> ParsedMail:
    """Read a raw message (already size-capped). Never raises for a malformed message: what
    cannot be read is listed in `defects` (the raw copy keeps everything)."""
    mail = ParsedMail()
    try:
        message = email.message_from_bytes(raw)
    except Exception as exc:  # the stdlib parser is lenient; this is a last resort
        mail.defects.append(f"unparsable: {type(exc).__name__}")
        mail.text = mail.own_text = decode_bytes(raw[:MAX_TEXT_CHARS])
        return mail
    _read_headers(message, mail)
    texts: List[Tuple[str, str]] = []  # (kind, text) kind: plain | html
    for part, depth in _parts(message, mail):
        try:
            _read_part(part, depth, mail, texts)
        except Exception as exc:  # one unreadable part must not lose the message (the raw copy has it)
            mail.defects.append(f"part: {type(exc).__name__}")
    body = _choose_text(texts)
    mail.text = body[:MAX_TEXT_CHARS]
    mail.own_text, mail.forwarded = own_words(mail.text)
    return mail


def _read_headers(message: Message, mail: ParsedMail) -> None:
    for name in ("auto-submitted", "precedence", "list-id", "list-unsubscribe", "list-post", "list-help",
                 "x-autoreply", "x-autorespond", "x-auto-response-suppress", "x-refund-mail", "return-path",
                 "x-failed-recipients"):
        values = message.get_all(name) or []
        if values:
            mail.headers[name] = "\n".join(decode_header_value(v) for v in values[:5])
    mail.subject = decode_header_value(message.get("subject", ""))[:300]
    mail.message_id = next(iter(message_ids(str(message.get("message-id", "")))), None)
    mail.in_reply_to = message_ids(str(message.get("in-reply-to", "")))
    mail.references = message_ids(str(message.get("references", "")))
    mail.received_hops = len(message.get_all("received") or [])
    mail.content_type = message.get_content_type()
    _read_from(message, mail)
    results = message.get_all("authentication-results") or []
    if results:  # the nearest server's verdict is the first header (it adds it on top)
        verdict = decode_header_value(results[0]).lower()
        mail.auth_passed = bool(re.search(r"\b(dkim|dmarc)\s*=\s*pass\b", verdict))
    mail.defects.extend(type(d).__name__ for d in message.defects[:10])


def _read_from(message: Message, mail: ParsedMail) -> None:
    values = message.get_all("from") or []
    decoded = [decode_header_value(v) for v in values[:3]]
    try:
        addresses = [(name, address) for name, address in getaddresses(decoded) if address]
    except Exception:
        addresses = []
    if len(values) == 1 and len(addresses) == 1 and re.fullmatch(r"[^@\s<>]{1,64}@[^@\s<>]{1,190}", addresses[0][1]):
        mail.from_name, mail.from_address = addresses[0][0][:100], addresses[0][1].lower()
    elif values:
        mail.defects.append("from")


def _parts(message: Message, mail: ParsedMail) -> Iterator[Tuple[Message, int]]:
    """The leaf parts, depth first, within the part and depth caps (iterative: no recursion
    limit to hit whatever the nesting)."""
    stack: List[Tuple[Message, int]] = [(message, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            mail.defects.append("too_many_parts")
            return
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                mail.defects.append("too_deep")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children[:MAX_PARTS])
                             if isinstance(child, Message))
            continue
        yield part, depth


def _read_part(part: Message, depth: int, mail: ParsedMail, texts: List[Tuple[str, str]]) -> None:
    content_type = part.get_content_type()
    # A header with raw 8-bit bytes (an unencoded Chinese file name) is a Header object, not a str.
    disposition = decode_header_value(part.get("content-disposition") or "").split(";")[0].strip().lower()
    filename = _filename(part)
    data = _payload(part, mail)
    is_body = content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename
    if is_body:
        text = decode_bytes(data, part.get_content_charset())
        texts.append(("html" if content_type == "text/html" else "plain", text))
        return
    if content_type in ("message/delivery-status", "text/rfc822-headers"):
        texts.append(("report", decode_bytes(data)))
        return
    if not data:
        return
    if len(mail.attachments) >= MAX_ATTACHMENTS:
        mail.dropped_attachments += 1
        return
    mail.attachments.append(Attachment(filename or _unnamed(content_type), data, content_type))


def _payload(part: Message, mail: ParsedMail) -> bytes:
    """A leaf part's bytes, its transfer encoding undone as far as it goes (broken base64 too)."""
    if str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        return _lenient_base64(part, mail)
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:
        mail.defects.append("payload")
        return b""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    return data if isinstance(data, bytes) else b""


def _lenient_base64(part: Message, mail: ParsedMail) -> bytes:
    """Base64 read as far as it goes: junk characters are dropped and a cut-off end loses at
    most its last incomplete byte instead of the whole part."""
    raw = part.get_payload(decode=False)
    text = raw if isinstance(raw, str) else ""
    clean = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if re.search(r"[^A-Za-z0-9+/=\s]", text):
        mail.defects.append("base64")
    remainder = len(clean) % 4
    usable = clean[:-1] if remainder == 1 else clean + "=" * ((4 - remainder) % 4)
    try:
        return base64.b64decode(usable)
    except (binascii.Error, ValueError):
        mail.defects.append("base64")
        return b""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:
        name = ""
    if isinstance(name, tuple):  # an RFC 2231 value the stdlib could not collapse
        name = name[2]
    if not name or "\ufffd" in str(name):  # raw 8-bit bytes, which the stdlib turns into U+FFFD
        name = _raw_param(part, "content-disposition", "filename") or _raw_param(part, "content-type", "name") or name
    return decode_header_value(name)[:120]


def _raw_param(part: Message, header: str, param: str) -> str:
    """A parameter as the header's raw bytes wrote it (8-bit bytes surrogate-escaped, which
    decode_header_value reads like a body: UTF-8, GB18030 or Big5)."""
    for name, value in part.raw_items():
        if name.lower() == header:
            found = re.search(rf'(?:^|;)\s*{param}\s*=\s*(?:"([^"]{{0,500}})"|([^;\s]{{1,500}}))', str(value), re.I)
            if found:
                return found.group(1) if found.group(1) is not None else found.group(2)
    return ""


def _unnamed(content_type: str) -> str:
    return {"image/png": "图片.png", "image/jpeg": "图片.jpg", "image/gif": "图片.gif",
            "application/pdf": "文档.pdf", "application/zip": "附件.zip"}.get(content_type, "附件")


def _choose_text(texts: List[Tuple[str, str]]) -> str:
    """The plain-text bodies (HTML converted only when a message has no plain text), joined."""
    plain = [text for kind, text in texts if kind == "plain"]
    html = [html_to_text(text) for kind, text in texts if kind == "html"]
    reports = [text for kind, text in texts if kind == "report"]
    chosen = plain if any(p.strip() for p in plain) else html
    return "\n\n".join(t.strip("\r\n") for t in (*chosen, *reports) if t.strip())


class _TextOfHtml(HTMLParser):
    """HTML to plain text in one pass: blocks become lines, quoted blocks get "> ", scripts,
    styles and the head are dropped."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "pre", "ul", "ol"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: List[str] = []
        self.current: List[str] = []
        self.hidden = 0
        self.quoted = 0
        self.size = 0
        self._quote_tags: List[str] = []

    def _newline(self) -> None:
        line = "".join(self.current).strip()
        self.current = []
        if line or (self.lines and self.lines[-1]):
            self.lines.append(("> " if self.quoted and line else "") + line)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = " ".join(value or "" for name, value in attrs if name == "class")
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "blockquote" or "gmail_quote" in classes or "moz-cite-prefix" in classes:
            self._newline()
            self.quoted += 1
            self._quote_tags.append(tag)
        elif tag in self.BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif self.quoted and self._quote_tags and tag == self._quote_tags[-1]:
            self._newline()
            self.quoted -= 1
            self._quote_tags.pop()
        elif tag in self.BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.hidden or self.size > MAX_TEXT_CHARS:
            return
        self.size += len(data)
        self.current.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (linear; malformed HTML is read as far as it goes)."""
    parser = _TextOfHtml()
    try:
        parser.feed(html[:MAX_TEXT_CHARS * 4])
        parser.close()
    except Exception:  # HTMLParser is lenient; anything left is read as text
        return re.sub(r"<[^>]{0,2000}>", " ", html[:MAX_TEXT_CHARS])
    parser._newline()
    return "\n".join(parser.lines).strip()


# Where the quoted or forwarded part of a message starts (mail clients in Chinese and English).
_SEPARATORS = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|forwarded message|原始邮件|转发邮件|转发的邮件|邮件原文|以下为转发邮件)\s*-{2,}"
    r"|_{5,}"
    r"|on .{1,200} wrote:\s*$"
    r"|在\s*.{1,120}写道\s*[:：]\s*$"
    r"|[^于\n]{1,120}于.{1,120}写道\s*[:：]\s*$"
    r"|begin forwarded message:?\s*$)",
    re.IGNORECASE)
_HEADER_BLOCK = re.compile(r"^\s*(?:发件人|from)\s*[:：]", re.IGNORECASE)
_HEADER_FOLLOWS = re.compile(r"^\s*(?:发送时间|时间|日期|sent|date|收件人|to)\s*[:：]", re.IGNORECASE)
_SUBJECT_LINE = re.compile(r"^\s*(?:主题|subject)\s*[:：]", re.IGNORECASE)
SEPARATOR_CHARS = 300
_FORWARD_MARK = re.compile(r"forward|转发", re.IGNORECASE)


def own_words(text: str) -> Tuple[str, bool]:
    """(what the customer wrote this time, whether the message forwards another): lines quoted
    with ">", everything after a reply or forward separator and the signature are left out.
    A message that is only a forward is read from what it forwards (the customer sent it to say
    something), without the forwarded headers."""
    lines = text.splitlines()
    own: List[str] = []
    forwarded = False
    for index, line in enumerate(lines):
        if line.rstrip() == "--":
            break
        if _separates(lines, index):
            if not "".join(own).strip():
                return _forwarded_words(lines[index + 1:]), True
            forwarded = bool(_FORWARD_MARK.search(line))
            break
        if line.lstrip().startswith(">"):
            continue
        own.append(line)
    return "\n".join(own).strip(), forwarded


def _separates(lines: List[str], index: int) -> bool:
    """Whether the quoted or forwarded part starts at this line (short lines only: a separator
    is never long, and the patterns then cost at most a few hundred steps a line)."""
    line = lines[index]
    if len(line) > SEPARATOR_CHARS:
        return False
    return bool(_SEPARATORS.match(line)) or bool(_HEADER_BLOCK.match(line) and any(
        _HEADER_FOLLOWS.match(following) for following in lines[index + 1:index + 5] if len(following) <= SEPARATOR_CHARS))


def _forwarded_words(lines: List[str]) -> str:
    """A forwarded message's words, without its header lines and quote marks."""
    body = [line.lstrip("> ") for line in lines
            if not (_HEADER_BLOCK.match(line) or _HEADER_FOLLOWS.match(line) or _SUBJECT_LINE.match(line))]
    return "\n".join(body).strip()
