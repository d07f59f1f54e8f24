"""Mail no one should answer (RFC 3834): auto-replies, bounces and delivery reports, mailing
lists and bulk mail, and loops (our own replies coming back). Such a message is kept, never
answered."""
from __future__ import annotations

import re
from typing import Optional

from bot.mail.parse import ParsedMail

LOOP_HEADER = "X-Refund-Mail"  # on every reply we send: seeing it come back is a loop
MAX_HOPS = 30                  # more Received lines than a real path has: a loop somewhere
ROBOT_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|noreply-.*|bounces?(?:[+-].*)?)@",
                           re.IGNORECASE)
AUTO_SUBJECTS = re.compile(
    r"^\s*(?:自动回复|自動回覆|自动答复|系统退信|退信|休假|外出|auto(?:matic)?[ -]?(?:reply|response)|auto:|"
    r"out of (?:the )?office|undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery (?:failed|failure|system)|returned mail|failure notice)", re.IGNORECASE)
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}


def robot_reason(mail: ParsedMail, envelope_from: str, support_address: str) -> Optional[str]:
    """Why this message must not be answered (the header that says so), or None for a person."""
    checks = (
        ("null_sender", not envelope_from.strip("<> ")),
        ("loop", bool(mail.header(LOOP_HEADER.lower()))),
        ("loop", mail.from_address == support_address or envelope_from.lower() == support_address),
        ("loop", mail.received_hops > MAX_HOPS),
        ("auto_submitted", mail.header("auto-submitted").split(";")[0].strip().lower() not in ("", "no")),
        ("report", mail.content_type == "multipart/report" or bool(mail.header("x-failed-recipients"))),
        ("autoreply_header", any(mail.header(h) for h in ("x-autoreply", "x-autorespond"))),
        ("suppress", bool(re.search(r"\b(?:all|autoreply|oof)\b", mail.header("x-auto-response-suppress"), re.I))),
        ("precedence", mail.header("precedence").strip().lower() in BULK_PRECEDENCE),
        ("mailing_list", any(mail.header(h) for h in ("list-id", "list-unsubscribe", "list-post", "list-help"))),
        ("robot_sender", bool(ROBOT_SENDERS.match(mail.from_address or "") or ROBOT_SENDERS.match(envelope_from))),
        ("auto_subject", bool(AUTO_SUBJECTS.match(mail.subject))),
    )
    return next((reason for reason, applies in checks if applies), None)
