"""Daily counts for the operator dashboard, kept by the chat servers: which conversations had
customer messages on a (Beijing) day, and how many messages and fallbacks each day had.

Counting happens in memory for every message; the database is written off the event loop at
most every `FLUSH_SECONDS` (and when a new conversation-day has waited that long), so a message
costs a dictionary update. A process that stops loses at most that window's counts."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date, datetime
from typing import Callable, Dict, List, Set, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import to_customer_time, utcnow
from bot.storage.schema import ConversationDayRow, MessageDayRow

FLUSH_SECONDS = 10.0
REMEMBERED = 100_000  # conversation-days known to be stored already (oldest forgotten first)


class ConversationActivity:
    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions, self.clock = sessions, clock
        self._lock = threading.Lock()
        self._stored: "OrderedDict[Tuple[date, str], None]" = OrderedDict()
        self._new: Set[Tuple[date, str]] = set()
        self._counts: Dict[date, List[int]] = {}
        self._flushed = time.monotonic()

    def saw(self, conversation_id: str, fallback: bool) -> bool:
        """Count one customer message; True when the counts should be written now (`flush`)."""
        day = to_customer_time(self.clock()).date()
        key = (day, conversation_id[:128])
        with self._lock:
            counts = self._counts.setdefault(day, [0, 0])
            counts[0] += 1
            counts[1] += int(fallback)
            if key not in self._stored:
                self._new.add(key)
            return time.monotonic() - self._flushed >= FLUSH_SECONDS

    def flush(self) -> None:
        """Write what was counted since the last flush (safe from several threads and processes)."""
        with self._lock:
            new, counts = self._new, self._counts
            self._new, self._counts, self._flushed = set(), {}, time.monotonic()
        with self._sessions.begin() as session:
            for day, (messages, fallbacks) in counts.items():
                _add(session, day, messages, fallbacks)
            known = {(d, c) for d, c in session.execute(
                select(ConversationDayRow.day, ConversationDayRow.conversation_id).where(
                    ConversationDayRow.conversation_id.in_({c for _, c in new}))) if (d, c) in new} if new else set()
        for day, conversation in sorted(new - known):
            try:
                with self._sessions.begin() as session:
                    session.add(ConversationDayRow(day=day, conversation_id=conversation))
            except IntegrityError:  # another process stored it first
                pass
        with self._lock:
            for key in new:
                self._stored[key] = None
            while len(self._stored) > REMEMBERED:
                self._stored.popitem(last=False)


def _add(session: Session, day: date, messages: int, fallbacks: int) -> None:
    more = {"messages": MessageDayRow.messages + messages, "fallbacks": MessageDayRow.fallbacks + fallbacks}
    if session.execute(update(MessageDayRow).where(MessageDayRow.day == day).values(**more)).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(MessageDayRow(day=day, messages=messages, fallbacks=fallbacks))
    except IntegrityError:  # created meanwhile by another process: add to it
        session.execute(update(MessageDayRow).where(MessageDayRow.day == day).values(**more))
