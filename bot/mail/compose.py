"""A reply as a MIME message: plain text with an HTML alternative, threaded under the message it
answers (In-Reply-To, References), marked as automatic (RFC 3834 Auto-Submitted) and with our
loop header, so no robot of ours or theirs answers it in turn."""
from __future__ import annotations

import html
import re
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Optional, Sequence

from bot.clock import utcnow
from bot.mail.parse import ParsedMail
from bot.mail.robots import LOOP_HEADER
from bot.mail.texts import SENDER_NAME, SIGNATURE, SIGNATURE_UNKNOWN, Reply, agent_signature, greeting

MAX_REFERENCES = 10
URL = re.compile(r"https?://[^\s<>\"'）]+")


def new_message_id(support_address: str) -> str:
    """An unguessable Message-ID (a reply to it proves the sender read our mail)."""
    return f"mail-{uuid.uuid4().hex}@{support_address.rsplit('@', 1)[1]}"


def compose(reply: Reply, to_address: str, support_address: str, message_id: str, name: Optional[str],
            answering: Optional[ParsedMail], signed_by: Optional[str] = None) -> EmailMessage:
    """The reply to send to `to_address`: the registered address of the customer `name`, or an
    unknown sender's own (no name; replying to it achieves nothing more). `signed_by`: an agent
    wrote it (signed with their name, and not marked as sent automatically)."""
    signature = agent_signature(signed_by) if signed_by else SIGNATURE if name else SIGNATURE_UNKNOWN
    paragraphs = [greeting(name), *reply.paragraphs, signature]
    message = EmailMessage()
    message["From"] = formataddr((SENDER_NAME, support_address))
    message["To"] = to_address
    message["Subject"] = reply.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{message_id}>"
    if not signed_by:
        message["Auto-Submitted"] = "auto-replied"
    message[LOOP_HEADER] = "1"
    message["Content-Language"] = "zh-CN"
    if answering is not None and answering.message_id:
        message["In-Reply-To"] = f"<{answering.message_id}>"
        message["References"] = " ".join(f"<{i}>" for i in _references(answering))
    message.set_content("\n\n".join(paragraphs), charset="utf-8", cte="quoted-printable")
    message.add_alternative(as_html(paragraphs), subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _references(answering: ParsedMail) -> Sequence[str]:
    chain = [*answering.references, answering.message_id or ""]
    return [i for i in dict.fromkeys(chain) if i][-MAX_REFERENCES:]


def as_html(paragraphs: Sequence[str]) -> str:
    """The same paragraphs as HTML: escaped, line breaks kept, our URLs as links."""
    blocks = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph)
        linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        blocks.append(f"<p>{linked.replace(chr(10), '<br>')}</p>")
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>'
            '<body style="font-family: sans-serif; line-height: 1.6">' + "".join(blocks) + "</body></html>")
