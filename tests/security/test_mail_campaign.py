"""The bad-input campaign against the mail intake, through real SMTP to `python -m bot.mail`
(replies read from the relay's aiosmtpd sink): seeded hostile SMTP sessions (commands out of
order, overlong and binary lines, relay attempts, odd envelope addresses) and hostile messages
(markup, SQL, control and right-to-left characters, header injection in encoded words, forged
From, Reply-To and Sender, other customers' orders and tickets, several From addresses, huge
and malformed parts, hostile attachment names and types) from strangers and from a registered
address.

Pass: every SMTP command gets a 2xx/4xx/5xx answer and the server keeps serving; every message
the server accepted is kept whole (its bytes on disk under their SHA-256) and finished (none left
"processing"); every reply goes to one address, which is either the registered address of the
customer the From names or the envelope sender of a stranger, never a Reply-To, Sender or any
address the probe chose otherwise; a stranger's reply says how to apply and nothing of any
account; no reply carries an injected header or live markup; a stranger's attachments are not
kept as anyone's files."""
from __future__ import annotations

import hashlib
import random
import re
import smtplib
import socket
import time
import unicodedata
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from email.header import Header
from typing import List, Optional, Tuple

import pytest
from sqlalchemy import select

from bot.storage.schema import MailMessageRow, UploadRow
from bot.storage.seed import DEMO_EMAILS, DEMO_ORDERS
from tests.mail.conftest import SUPPORT, mail_service
from tests.security.campaign import CONTROL, EMOJI, MARKUP, RTL, RTL_TEXT, SQL, ZERO_WIDTH
from tests.security.form_campaign import PNG, PROGRAM

SEED = 20261204
MESSAGES = 160
SESSIONS = 60
REGISTERED = DEMO_EMAILS["c1001"]  # 张伟
STRANGERS = ["mallory@attacker.example.net", "eve@evil.example.org", "x@[127.0.0.1]", "postmaster@example.net"]
# What no stranger may read in a reply (unless they typed it themselves).
ACCOUNT_SECRETS = (["张伟", "李娜", "王芳", "刘洋", "/mail/link/", "RF2026", "c1001", "c1002", " 元"]
                   + [o.order_id for o in DEMO_ORDERS] + list(DEMO_EMAILS.values()))
LIVE_MARKUP = re.compile(r"<script>alert|<img src=x onerror|<svg/onload|<iframe src=//evil|<a href='javascript:")
EXPECTED_HEADERS = {"from", "to", "subject", "message-id", "date", "mime-version", "content-type",
                    "content-transfer-encoding", "in-reply-to", "references", "auto-submitted", "x-refund-mail",
                    "x-auto-response-suppress", "precedence", "content-language", "reply-to"}


@dataclass
class MailProbe:
    kind: str
    raw: bytes
    envelope_from: str
    registered: bool  # the From names the registered address
    typed: str = ""  # what the probe wrote (may come back quoted)
    chosen: List[str] = field(default_factory=list)  # addresses the probe asked replies to go to


def hostile(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.25:
        return rng.choice(MARKUP)
    if pick < 0.4:
        return rng.choice(SQL)
    if pick < 0.55:
        return "".join(rng.choice(CONTROL + ZERO_WIDTH + RTL) for _ in range(rng.randint(1, 12))) + "退款"
    if pick < 0.65:
        return rng.choice(RTL_TEXT) + rng.choice(EMOJI)
    if pick < 0.8:
        others = [o.order_id for o in DEMO_ORDERS if o.customer_id != "c1001"]
        return f"请退款订单 {rng.choice(others)}，工单 RF202611050001 到哪了，李娜的退款也查一下"
    return rng.choice(["退", "a", "😀"]) * rng.choice((5000, 200_000))


def header_value(rng: random.Random, text: str) -> str:
    """A header value as hostile clients write it: raw, an encoded word hiding CR/LF, or broken."""
    pick = rng.random()
    if pick < 0.3:
        return Header(text[:200] + "\r\nBcc: victim@example.com\r\nX-Injected: 1", "utf-8").encode()
    if pick < 0.5:
        return "=?utf-8?b?" + "!!!not base64" + "?="
    if pick < 0.6:
        return "=?x-unknown-charset?q?=E9=80=80=E6=AC=BE?="
    return Header(text[:500], "utf-8").encode()


def message(rng: random.Random, sender_header: str, subject: str, body: str, extra: str = "",
            attachments: Optional[List[Tuple[str, bytes, str]]] = None) -> bytes:
    head = (f"From: {sender_header}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{rng.getrandbits(64):016x}.campaign@example.net>\r\nMIME-Version: 1.0\r\n{extra}")
    if not attachments:
        return (head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode(
            "utf-8", "surrogatepass") + body.encode("utf-8", "surrogatepass").replace(b"\n", b"\r\n") + b"\r\n"
    parts = [b"--M\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
             + body.encode("utf-8", "surrogatepass") + b"\r\n"]
    import base64
    for name, data, declared in attachments:
        encoded = Header(name, "utf-8").encode() if rng.random() < 0.5 else name
        parts.append(f'--M\r\nContent-Type: {declared}; name="{encoded}"\r\nContent-Transfer-Encoding: base64\r\n'
                     f'Content-Disposition: attachment; filename="{encoded}"\r\n\r\n'.encode("utf-8", "surrogatepass")
                     + base64.encodebytes(data).replace(b"\n", b"\r\n"))
    return ((head + 'Content-Type: multipart/mixed; boundary="M"\r\n\r\n').encode("utf-8", "surrogatepass")
            + b"".join(parts) + b"--M--\r\n")


def attachments(rng: random.Random) -> List[Tuple[str, bytes, str]]:
    names = ["../../../../etc/passwd", "..\\..\\windows\\system32.png", "\u202egnp.exe", "a" * 3000 + ".png",
             "截图\x00.png", "<img src=x onerror=alert(1)>.png", "'; DROP TABLE uploads; --.png", "", "CON"]
    return [(rng.choice(names), rng.choice([PNG, PROGRAM, b"", b"PK\x03\x04" + b"\x00" * 40]),
             rng.choice(["image/png", "application/octet-stream", "text/html", "message/rfc822"]))
            for _ in range(rng.randint(1, 4))]


def generate(seed: int, count: int) -> List[MailProbe]:
    rng = random.Random(seed)
    probes: List[MailProbe] = []
    for _ in range(count):
        text, subject_text = hostile(rng), hostile(rng)
        subject = header_value(rng, subject_text)
        stranger = rng.choice(STRANGERS)
        roll = rng.random()
        if roll < 0.3:  # a stranger, plainly
            raw = message(rng, f"{Header(hostile(rng)[:60], 'utf-8').encode()} <{stranger}>", subject, text)
            probes.append(MailProbe("stranger", raw, stranger, False, text + subject_text))
        elif roll < 0.5:  # the registered address forged by a stranger who asks for the answer elsewhere
            extra = f"Reply-To: {stranger}\r\nSender: {stranger}\r\nReturn-Path: <{stranger}>\r\n"
            raw = message(rng, f"=?utf-8?b?5byg5Lyf?= <{REGISTERED}>", subject, text, extra)
            probes.append(MailProbe("forged", raw, stranger, True, text + subject_text, [stranger]))
        elif roll < 0.62:  # From lines that try to be two people, or the customer in a display name
            sender = rng.choice([f"{REGISTERED}, {stranger}", f'"{REGISTERED}" <{stranger}>', f"<{stranger}> <{REGISTERED}>",
                                 f"{stranger} ({REGISTERED})", f'"{REGISTERED}"@attacker.example.net',
                                 f"=?utf-8?q?{REGISTERED}?= <{stranger}>", f"{REGISTERED}\r\n\tBcc: {stranger}"])
            raw = message(rng, sender, subject, text)
            probes.append(MailProbe("two_froms", raw, stranger, False, text + subject_text + sender, [stranger]))
        elif roll < 0.8:  # hostile attachments, from a stranger or the customer
            registered = rng.random() < 0.5
            sender = REGISTERED if registered else stranger
            files = attachments(rng)
            raw = message(rng, sender, subject, text[:2000], attachments=files)
            probes.append(MailProbe("attachments", raw, sender, registered, text + subject_text + "".join(f[0] for f in files)))
        elif roll < 0.9:  # malformed structure
            raw = rng.choice([
                f"From: {stranger}\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all\r\n".encode(),
                f"From: {stranger}\r\nContent-Type: multipart/mixed; boundary=\"Z\"\r\n\r\n--Z\r\n".encode() + b"\xff\xfe" * 500,
                f"From: {stranger}\r\nSubject: {'x' * 20000}\r\n\r\nbody\r\n".encode(),
                f"From: {stranger}\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!====@@@@\r\n".encode(),
                f"From: {stranger}\r\n" + "X-H: v\r\n" * 3000 + "\r\nbody\r\n",
                b"\r\n\r\n\r\n",
                f"From: {stranger}\r\nContent-Type: text/plain; charset=\"../../etc\"\r\n\r\n\xe9\x80\x80\r\n".encode("latin-1"),
            ])
            raw = raw if isinstance(raw, bytes) else raw.encode()
            probes.append(MailProbe("malformed", raw, stranger, False, raw.decode("utf-8", "replace")))
        else:  # the registered customer, with hostile words (a real customer's mail gets a real answer)
            raw = message(rng, f"张伟 <{REGISTERED}>", subject, text)
            probes.append(MailProbe("customer", raw, REGISTERED, True, text + subject_text))
    return probes


def smtp_session(rng: random.Random) -> List[bytes]:
    """One hostile SMTP conversation, line by line."""
    junk = [b"HELO", b"EHLO " + b"a" * 2000, b"MAIL FROM:<a@b>", b"RCPT TO:<" + SUPPORT.encode() + b">", b"DATA",
            b"RCPT TO:<victim@gmail.com>", b"RCPT TO:<support@refund.example.com@evil.example>",
            b"RCPT TO:<\"support@refund.example.com\"@evil.example>", b"MAIL FROM:<" + b"x" * 600 + b"@e.com>",
            b"MAIL FROM:<>", b"MAIL FROM:<a@b> SIZE=99999999999", b"MAIL FROM:<a@b> SMTPUTF8 BODY=8BITMIME",
            b"MAIL FROM:<\xe5\xbc\xa0@example.com>", b"AUTH PLAIN AGFkbWluAHBhc3N3b3Jk", b"STARTTLS", b"VRFY root",
            b"EXPN support", b"\x00\x01\x02\xff", b"X" * 5000, b"RSET", b"NOOP", b"HELP", b"QUIT extra",
            b"MAIL FROM:<a@b>\r\nRCPT TO:<x@y>", b"rcpt to:<SUPPORT@REFUND.EXAMPLE.COM>", b"BDAT 100 LAST"]
    return [b"EHLO campaign.example"] + [rng.choice(junk) for _ in range(rng.randint(3, 15))]


def run_session(port: int, lines: List[bytes]) -> List[int]:
    """Send the lines; every answer's code (a server that hangs up is also an answer)."""
    codes: List[int] = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        reader = sock.makefile("rb")

        def answer() -> Optional[int]:
            while True:
                line = reader.readline()
                if not line:
                    return None
                if len(line) >= 4 and line[3:4] == b"-":
                    continue
                return int(line[:3])

        assert answer() == 220
        for line in lines:
            try:
                sock.sendall(line + b"\r\n")
            except OSError:
                break
            code = answer()
            if code is None:
                break
            codes.append(code)
            if line.startswith(b"DATA") and code == 354:
                sock.sendall(b"Subject: half\r\n\r\n")  # and then nothing: the connection closes mid-message
                break
    return codes


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    with mail_service(tmp_path_factory.mktemp("mail-campaign"), REFUND_MAIL_PER_SENDER_PER_HOUR="100000",
                      REFUND_MAIL_MAX_BYTES=str(512 * 1024)) as running:
        yield running


def test_hostile_smtp_sessions_get_answers_and_the_server_keeps_serving(intake):
    rng = random.Random(SEED)
    seen: Counter = Counter()
    for _ in range(SESSIONS):
        codes = run_session(intake.smtp_port, smtp_session(rng))
        assert all(200 <= code < 600 for code in codes), codes
        seen.update(code // 100 for code in codes)
    print(f"\nSMTP sessions: {SESSIONS}, answers by class {dict(seen)}")
    assert seen[5] > 0 and seen[2] > 0
    with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=30) as client:  # still serving
        assert client.noop()[0] == 250
        refused = client.sendmail("a@example.org", ["victim@gmail.com", SUPPORT], b"Subject: relay?\r\n\r\nx\r\n")
        assert list(refused) == ["victim@gmail.com"]  # nobody else's mail is relayed
    with intake.sessions() as db:
        assert all(r.note != "processing" for r in db.scalars(select(MailMessageRow)))  # the half message: not kept


def test_hostile_messages_are_kept_whole_and_answered_safely(intake):
    probes = generate(SEED, MESSAGES)
    assert [p.raw for p in probes] == [p.raw for p in generate(SEED, MESSAGES)]  # reproducible
    with intake.sessions() as db:
        first_id = max([0, *db.scalars(select(MailMessageRow.id))])
    sink_before = len(intake.sink.messages)
    results: Counter = Counter()
    accepted: List[str] = []  # sha256 of each message the server took
    for probe in probes:
        try:
            with smtplib.SMTP("127.0.0.1", intake.smtp_port, timeout=60) as client:
                client.sendmail(probe.envelope_from, [SUPPORT], probe.raw)
            results[(probe.kind, 250)] += 1
            accepted.append(hashlib.sha256(probe.raw).hexdigest())
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as refused:  # e.g. too large: the sending
            # server tells the sender (at MAIL FROM with SIZE=, or after DATA)
            assert 400 <= refused.smtp_code < 600
            results[(probe.kind, refused.smtp_code)] += 1
    print(f"\nmail campaign: {len(probes)} messages; {dict(results)}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every message handled
        with intake.sessions() as db:
            rows = list(db.scalars(select(MailMessageRow).where(MailMessageRow.id > first_id)))
        if len(rows) >= len(accepted) and all(r.note != "processing" for r in rows):
            break
        time.sleep(0.5)
    assert len(rows) == len(accepted)
    for row in rows:
        assert row.note != "processing", row.id  # nothing left half-handled
        kept = intake.workdir / "mail"
        path = next(kept.rglob(row.sha256), None)
        assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert Counter(r.sha256 for r in rows) == Counter(accepted)  # each message kept byte for byte
    time.sleep(12)  # the outbox's next round
    replies = intake.sink.messages[sink_before:]
    strangers = {p.envelope_from for p in probes if not p.registered}
    chosen = {address for p in probes for address in p.chosen}
    failures: List[str] = []
    for reply in replies:
        to = reply.rcpt_tos
        subject = str(reply.message["Subject"])
        if len(to) != 1 or to[0] not in strangers | {REGISTERED}:
            failures.append(f"reply to {to}: {subject[:80]!r}")
        if to[0] in chosen and to[0] not in strangers:
            failures.append(f"reply to an address a probe chose: {to}")
        if reply.message["To"] is None or to[0] not in str(reply.message["To"]):
            failures.append(f"To header {reply.message['To']!r} is not the recipient {to}")
        names = {k.lower() for k in reply.message.keys()}
        if not names <= EXPECTED_HEADERS:
            failures.append(f"unexpected headers {names - EXPECTED_HEADERS} in {subject[:60]!r}")
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in subject) or len(subject) > 200:
            failures.append(f"control or direction characters, or no end, in the subject {subject[:80]!r}")
        plain, html = reply.plain, reply.html
        if LIVE_MARKUP.search(html):  # (plain text shows markup as the characters typed)
            failures.append(f"live markup in the reply's HTML {subject[:60]!r}: "
                            f"{html[max(0, LIVE_MARKUP.search(html).start() - 80):][:200]!r}")
        if to[0] != REGISTERED:
            quoted = " ".join(p.typed for p in probes if p.envelope_from == to[0])
            for secret in ACCOUNT_SECRETS:
                if secret in plain + html and secret not in quoted:
                    failures.append(f"{secret!r} told to the stranger {to[0]} ({subject[:60]!r})")
            if "/refunds/apply" not in plain:
                failures.append(f"the stranger {to[0]} was not told how to apply")
    assert failures == [], "\n".join(failures[:30])
    # A stranger's attachments are nobody's files.
    with intake.sessions() as db:
        stranger_mails = {f"mail-{r.id}" for r in rows if r.customer_id is None}
        kept_for = set(db.scalars(select(UploadRow.conversation_id)))
    assert not stranger_mails & kept_for
    with urllib.request.urlopen(f"http://127.0.0.1:{intake.http_port}/ready", timeout=10) as ready:
        assert ready.status == 200
    errors = [line for line in intake.log.read_text(encoding="utf-8").splitlines() if '"level": "ERROR"' in line]
    assert errors == [], errors[:3]  # hostile mail is handled, not an error an operator is paged for
    answered = sum(1 for r in replies if r.rcpt_tos == [REGISTERED])
    print(f"replies: {len(replies)} ({answered} to the registered address, the rest to strangers' envelopes)")
