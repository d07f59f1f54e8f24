"""The intake's records: every received message (whole, the raw bytes on disk under their
SHA-256), what was done about it, and the outbox of replies, whose Message-IDs find threads."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.clock import utcnow
from bot.storage.schema import MailMessageRow, MailOutboxRow

PENDING, SENT, FAILED, BOUNCED = "pending", "sent", "failed", "bounced"
RETRY_AFTER = (60, 300, 900, 3600, 3600 * 3, 3600 * 6)  # seconds; then the reply is failed
TEXT_CHARS = 100_000
CLAIM_SECONDS = 300  # a claimed reply is due again after this if its sender died (longer than a send takes)


@dataclass(frozen=True)
class Thread:
    """A reply of ours that an incoming message answers."""

    outbox_id: int
    customer_id: Optional[str]
    ticket_id: Optional[str]
    handoff_id: Optional[int]


@dataclass(frozen=True)
class Outgoing:
    outbox_id: int
    message_id: str
    to_address: str
    raw: bytes
    attempts: int


@dataclass(frozen=True)
class StoredMail:
    """A received message as staff see it."""

    id: int
    from_address: Optional[str]
    envelope_from: str
    customer_id: Optional[str]
    subject: str
    received_at: datetime
    size: int
    text: str
    outcome: str
    note: str
    auth_passed: Optional[bool]
    ticket_id: Optional[str]
    handoff_id: Optional[int]
    sha256: str


class MailStore:
    def __init__(self, sessions: sessionmaker, root: Path, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self.root = Path(root)
        self.clock = clock

    # --- received ------------------------------------------------------------------------------

    def keep_raw(self, raw: bytes) -> str:
        """Write the message's bytes (atomically, once per content); their SHA-256."""
        digest = hashlib.sha256(raw).hexdigest()
        target = self.raw_path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".mail-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw)
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return digest

    def raw_path(self, digest: str) -> Path:
        return self.root / "raw" / digest[:2] / digest

    def record(self, **values: Any) -> int:
        """A received message's row (outcome and links filled in by `finish`); its id."""
        values["text"] = (values.get("text") or "")[:TEXT_CHARS]
        with self._sessions.begin() as session:
            row = MailMessageRow(received_at=self.clock(), **values)
            session.add(row)
            session.flush()
            return int(row.id)

    def finish(self, mail_id: int, outcome: str, note: str = "", ticket_id: Optional[str] = None,
               handoff_id: Optional[int] = None, customer_id: Optional[str] = None) -> None:
        values: Dict[str, Any] = {"outcome": outcome, "note": note[:200]}
        for key, value in (("ticket_id", ticket_id), ("handoff_id", handoff_id), ("customer_id", customer_id)):
            if value is not None:
                values[key] = value
        with self._sessions.begin() as session:
            session.execute(update(MailMessageRow).where(MailMessageRow.id == mail_id).values(**values))

    def received_since(self, address: str, since: datetime) -> int:
        """Messages received from `address` (From or envelope sender) since `since`."""
        address = address.lower()
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(MailMessageRow).where(
                MailMessageRow.received_at >= since,
                or_(MailMessageRow.from_address == address, MailMessageRow.envelope_from == address))))

    def delivered_before(self, message_id: Optional[str], from_address: Optional[str], before_id: int) -> bool:
        """The same message (Message-ID and sender) was received before (a relay's retry)."""
        if not message_id:
            return False
        with self._sessions() as session:
            return session.scalar(select(MailMessageRow.id).where(
                MailMessageRow.message_id == message_id[:255], MailMessageRow.from_address == from_address,
                MailMessageRow.id < before_id).limit(1)) is not None

    def get(self, mail_id: int) -> Optional[StoredMail]:
        with self._sessions() as session:
            row = session.get(MailMessageRow, mail_id)
            if row is None:
                return None
            return StoredMail(row.id, row.from_address, row.envelope_from, row.customer_id, row.subject,
                              row.received_at, row.size, row.text, row.outcome, row.note, row.auth_passed,
                              row.ticket_id, row.handoff_id, row.sha256)

    # --- threads -------------------------------------------------------------------------------

    def thread(self, message_ids: Sequence[str]) -> Optional[Thread]:
        """The newest reply of ours among the Message-IDs an incoming message answers."""
        wanted = [i[:255] for i in message_ids if i.startswith("mail-")]
        if not wanted:
            return None
        with self._sessions() as session:
            row = session.scalars(select(MailOutboxRow).where(MailOutboxRow.message_id.in_(wanted))
                                  .order_by(MailOutboxRow.id.desc()).limit(1)).first()
            return Thread(row.id, row.customer_id, row.ticket_id, row.handoff_id) if row else None

    # --- outbox --------------------------------------------------------------------------------

    def enqueue(self, message_id: str, to_address: str, subject: str, raw: bytes, customer_id: Optional[str],
                ticket_id: Optional[str] = None, handoff_id: Optional[int] = None) -> int:
        now = self.clock()
        with self._sessions.begin() as session:
            row = MailOutboxRow(message_id=message_id, to_address=to_address, subject=subject[:300], raw=raw,
                                customer_id=customer_id, ticket_id=ticket_id, handoff_id=handoff_id, status=PENDING,
                                attempts=0, next_attempt_at=now, created_at=now)
            session.add(row)
            session.flush()
            return int(row.id)

    def due(self, limit: int = 20) -> List[Outgoing]:
        with self._sessions() as session:
            rows = session.scalars(select(MailOutboxRow).where(MailOutboxRow.status == PENDING,
                                                               MailOutboxRow.next_attempt_at <= self.clock())
                                   .order_by(MailOutboxRow.id).limit(limit))
            return [Outgoing(r.id, r.message_id, r.to_address, r.raw, r.attempts) for r in rows]

    def claim(self, outgoing: Outgoing) -> bool:
        """Take a due reply for sending: True for exactly one of the senders that race for it
        (the outbox round and the round after each received message, in any process). Its next
        try moves CLAIM_SECONDS ahead, so a sender that dies mid-send leaves it due again."""
        now = self.clock()
        with self._sessions.begin() as session:
            result = session.execute(update(MailOutboxRow).where(
                MailOutboxRow.id == outgoing.outbox_id, MailOutboxRow.status == PENDING,
                MailOutboxRow.attempts == outgoing.attempts, MailOutboxRow.next_attempt_at <= now,
            ).values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)))
            return int(result.rowcount or 0) == 1

    def sent(self, outbox_id: int) -> None:
        now = self.clock()
        with self._sessions.begin() as session:
            session.execute(update(MailOutboxRow).where(MailOutboxRow.id == outbox_id).values(
                status=SENT, sent_at=now, attempts=MailOutboxRow.attempts + 1, error=None))

    def failed(self, outbox: Outgoing, error: str, permanent: bool) -> None:
        """A try that failed: tried again later, or given up after the last retry (or at once
        when the relay refused it for good)."""
        attempts = outbox.attempts + 1
        give_up = permanent or attempts > len(RETRY_AFTER)
        delay = timedelta(seconds=RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1])
        with self._sessions.begin() as session:
            session.execute(update(MailOutboxRow).where(MailOutboxRow.id == outbox.outbox_id).values(
                status=FAILED if give_up else PENDING, attempts=attempts, error=error[:200],
                next_attempt_at=self.clock() + delay))

    def bounced(self, message_ids: Sequence[str]) -> int:
        """Replies of ours a delivery report says did not arrive; how many."""
        wanted = [i[:255] for i in message_ids if i.startswith("mail-")]
        if not wanted:
            return 0
        with self._sessions.begin() as session:
            result = session.execute(update(MailOutboxRow).where(MailOutboxRow.message_id.in_(wanted))
                                     .values(status=BOUNCED))
            return int(result.rowcount or 0)

    def outbox_status(self) -> Dict[str, int]:
        with self._sessions() as session:
            return {status: int(count) for status, count in session.execute(
                select(MailOutboxRow.status, func.count()).group_by(MailOutboxRow.status))}
