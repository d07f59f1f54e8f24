"""The outbox sends each reply once, although several rounds run at the same time (the round
after each received message, the periodic one, other intake processes): a round claims a reply
before handing it to the relay (a real aiosmtpd sink here)."""
from __future__ import annotations

import threading
from collections import Counter

from aiosmtpd.controller import Controller

from bot.mail.sender import MailRelay, deliver_due
from bot.mail.store import SENT, MailStore
from bot.settings import MailSettings
from bot.storage.schema import MailOutboxRow
from harness.servers import free_port
from tests.mail.conftest import Sink

REPLIES, ROUNDS = 12, 6


def test_rounds_running_together_send_each_reply_once(seeded, tmp_path):
    sink = Sink()
    relay = Controller(sink, hostname="127.0.0.1", port=free_port())
    relay.start()
    try:
        store = MailStore(seeded, tmp_path / "mail")
        for n in range(REPLIES):
            raw = (f"From: support@refund.example.com\r\nTo: zhangwei@example.com\r\nSubject: reply {n}\r\n"
                   f"Message-ID: <mail-{n}@refund.example.com>\r\n\r\nbody {n}\r\n").encode()
            store.enqueue(f"mail-{n}@refund.example.com", "zhangwei@example.com", f"reply {n}", raw, "c1001")
        sender = MailRelay(MailSettings(relay=f"127.0.0.1:{relay.port}", dir=tmp_path / "mail"))
        start = threading.Barrier(ROUNDS)
        counts = []

        def round_() -> None:
            start.wait()
            counts.append(deliver_due(store, sender))

        threads = [threading.Thread(target=round_) for _ in range(ROUNDS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        relay.stop()
    delivered = Counter(str(m.message["Subject"]) for m in sink.messages)
    assert delivered == Counter({f"reply {n}": 1 for n in range(REPLIES)})
    assert sum(counts) == REPLIES
    with seeded() as session:
        assert {row.status for row in session.query(MailOutboxRow)} == {SENT}
