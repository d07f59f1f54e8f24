"""The mail intake as it runs: `python -m bot.mail` over a fresh, seeded SQLite database, its
replies going through the relay to a local aiosmtpd sink that the tests read."""
from __future__ import annotations

import email
import os
import smtplib
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator, List, Optional, Union

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import sessionmaker

from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.seed import seed_demo
from harness.servers import JWT_SECRET, free_port, wait_for

SUPPORT = "support@refund.example.com"
SITE = "http://127.0.0.1:8000"


@dataclass
class Sent:
    """A message the intake handed to the relay."""

    mail_from: str
    rcpt_tos: List[str]
    message: EmailMessage

    @property
    def plain(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class Sink:
    """aiosmtpd's handler for the relay the intake sends through: keeps every message."""

    def __init__(self) -> None:
        self.messages: List[Sent] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(Sent(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> List[Sent]:
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def wait(self, address: str, subject: str, timeout: float = 15) -> Sent:
        """The reply to `address` whose subject contains `subject` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.to(address) if subject in str(m.message["Subject"])]
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no reply to {address} about {subject!r}; sink has "
                             f"{[(m.rcpt_tos, str(m.message['Subject'])) for m in self.messages]}")

    def none(self, address: str, subject: str = "", settle: float = 1.5) -> None:
        """Nothing reaches `address` (about `subject`) within `settle` seconds."""
        time.sleep(settle)
        assert [str(m.message["Subject"]) for m in self.to(address) if subject in str(m.message["Subject"])] == []


@dataclass
class MailService:
    smtp_port: int
    http_port: int
    sessions: sessionmaker
    sink: Sink
    workdir: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def send(self, message: Union[EmailMessage, bytes], mail_from: str = "someone@example.org",
             rcpt: str = SUPPORT) -> None:
        """One SMTP transaction; raises smtplib's errors for a refusal."""
        raw = message if isinstance(message, bytes) else message.as_bytes(policy=policy.SMTP)
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as client:
            client.sendmail(mail_from, [rcpt], raw)

    def services(self):
        from bot.settings import load_settings
        from bot.wiring import build_services

        return build_services(load_settings(), self.sessions)


@contextmanager
def mail_service(workdir: Path, db: Optional[str] = None, **env: str) -> Iterator[MailService]:
    """The intake over a new seeded database (or over `db`, a running stack's), with the sink
    as its relay."""
    fresh = db is None
    db = db or f"sqlite:///{workdir / 'mail.db'}"
    engine = make_engine(db)
    sessions = session_factory(engine)
    if fresh:
        migrate(engine)
        seed_demo(sessions)
    sink = Sink()
    relay = Controller(sink, hostname="127.0.0.1", port=free_port())
    relay.start()
    smtp_port, http_port = free_port(), free_port()
    full_env = {**os.environ, "REFUND_ENV": "development", "REFUND_DB_URL": db, "PYTHONPATH": str(PROJECT_ROOT),
                "REFUND_MAIL_PORT": str(smtp_port), "REFUND_MAIL_HTTP_PORT": str(http_port),
                "REFUND_MAIL_RELAY": f"127.0.0.1:{relay.port}", "REFUND_MAIL_DIR": str(workdir / "mail"),
                "REFUND_UPLOAD_DIR": str(workdir / "uploads"), "REFUND_JWT_SECRET": JWT_SECRET,
                "REFUND_SITE_URL": SITE, "REFUND_MAIL_PER_SENDER_PER_HOUR": "1000", **env}
    log = workdir / "mail.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.mail"], cwd=PROJECT_ROOT, env=full_env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{http_port}/ready", process, log)
        yield MailService(smtp_port, http_port, sessions, sink, workdir, log, process)
    finally:
        process.terminate()
        process.wait(timeout=20)
        relay.stop()
        engine.dispose()


@pytest.fixture(scope="session")
def intake(tmp_path_factory) -> Iterator[MailService]:
    with mail_service(tmp_path_factory.mktemp("mail"), REFUND_MAIL_MAX_BYTES=str(2 * 1024 * 1024)) as running:
        yield running


def message(subject: str, body: str, sender: str = "张伟 <zhangwei@example.com>", charset: str = "utf-8",
            message_id: Optional[str] = None) -> EmailMessage:
    """A plain-text message to the support address."""
    built = EmailMessage()
    built["From"] = sender
    built["To"] = SUPPORT
    built["Subject"] = subject
    built["Message-ID"] = message_id or email.utils.make_msgid(domain="example.com")
    built.set_content(body, charset=charset)
    return built
