"""`make mail`: send the running mail intake a message, as a customer's mail client would.

    make mail                                  # from 张伟's registered address, a refund request
    make mail FROM=someone@example.org TEXT='我的退款到哪了？'

In development the intake writes its reply to var/mail/sent/ (no relay is set); the command
waits for it and prints it.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import smtplib
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from bot.settings import load_settings

DEFAULT_FROM = "张伟 <zhangwei@example.com>"
DEFAULT_TEXT = "你好，订单 2026112400010001 买错了配置，想退款。另外我的退款进度怎么样了？"
WAIT_SECONDS = 10


def main() -> None:
    settings = load_settings().mail
    parser = argparse.ArgumentParser(description="Send the mail intake a test message.")
    parser.add_argument("--from", dest="sender", default=DEFAULT_FROM)
    parser.add_argument("--subject", default="退款申请")
    parser.add_argument("--text", default=DEFAULT_TEXT)
    args = parser.parse_args()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = args.sender, settings.address, args.subject
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(args.text)
    sent_dir = Path(settings.dir) / "sent"
    before = set(sent_dir.glob("*.eml")) if sent_dir.is_dir() else set()
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        sys.exit(f"error: the mail intake at {settings.host}:{settings.port} did not take the message ({exc}); "
                 "is `make run` running?")
    print(f"sent to {settings.address} at {settings.host}:{settings.port}")
    if settings.relay is not None:
        print(f"the reply goes out through the relay {settings.relay}")
        return
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        new = sorted(set(sent_dir.glob("*.eml")) - before) if sent_dir.is_dir() else []
        if new:
            reply = email.message_from_bytes(new[-1].read_bytes(), policy=email.policy.default)
            body = reply.get_body(("plain",))
            print(f"reply ({new[-1]}):\nTo: {reply['To']}\nSubject: {reply['Subject']}\n")
            print(body.get_content() if body is not None else "")
            return
        time.sleep(0.3)
    print("no reply written (an automatic message, a flood, or see var/logs/mail.log)")


if __name__ == "__main__":
    main()
