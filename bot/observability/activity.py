"""Conversations with the assistant, counted for the operator dashboard: when each started and
last had a customer message to the assistant, how many, and the signs it went wrong (fallbacks,
the customer repeating or correcting: bot/nlu/turn_signals.py); whether the customer's latest
message answered a form; and the outcomes only the actions see (a question answered, an
application stopped or a ticket withdrawn).

Messages are counted in memory; the database is written off the event loop at most every
`FLUSH_SECONDS`, so a message costs a dictionary update. A process that stops loses at most that
window's counts. The outcomes the actions report are written at once (`reached`)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Dict, Optional

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utcnow
from bot.nlu.turn_signals import TurnSignals
from bot.storage.schema import ConversationRow
from bot.vocabulary import ConversationOutcome

FLUSH_SECONDS = 10.0
ID_CHARS = 128
NO_SIGNS = TurnSignals()
# Outcomes an action reports (the others are read from the tickets and handoffs that name the conversation).
REPORTED = {ConversationOutcome.ANSWERED: "answered", ConversationOutcome.WITHDRAWN: "withdrawn"}


@dataclass
class _Counts:
    first: datetime
    last: datetime
    messages: int = 0
    fallbacks: int = 0
    repeats: int = 0
    corrections: int = 0
    form: Optional[str] = None


class ConversationActivity:
    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions, self.clock = sessions, clock
        self._lock = threading.Lock()
        self._counts: Dict[str, _Counts] = {}
        self._flushed = time.monotonic()

    def saw(self, conversation_id: str, fallback: bool, signals: TurnSignals = NO_SIGNS,
            form: Optional[str] = None) -> bool:
        """Count one customer message to the assistant (`form`: the form it answered); True when
        the counts should be written now (`flush`)."""
        now = self.clock()
        with self._lock:
            counts = self._counts.get(conversation_id[:ID_CHARS])
            if counts is None:
                counts = self._counts[conversation_id[:ID_CHARS]] = _Counts(first=now, last=now)
            counts.last = max(counts.last, now)
            counts.messages += 1
            counts.fallbacks += int(fallback)
            counts.repeats += int(signals.repeat)
            counts.corrections += int(signals.correction)
            counts.form = form
            return time.monotonic() - self._flushed >= FLUSH_SECONDS

    def flush(self) -> None:
        """Write what was counted since the last flush (safe from several threads and processes)."""
        with self._lock:
            counts, self._counts, self._flushed = self._counts, {}, time.monotonic()
        for conversation, seen in counts.items():
            with self._sessions.begin() as session:
                _add(session, conversation, seen)

    def reached(self, conversation_id: str, outcome: ConversationOutcome) -> None:
        """An action reports an outcome only it sees (answered, withdrawn); written at once."""
        column = REPORTED[outcome]
        now = self.clock()
        with self._sessions.begin() as session:
            where = ConversationRow.conversation_id == conversation_id[:ID_CHARS]
            if session.execute(update(ConversationRow).where(where).values({column: True})).rowcount:
                return
            try:
                with session.begin_nested():
                    session.add(ConversationRow(conversation_id=conversation_id[:ID_CHARS], started_at=now,
                                                last_message_at=now, messages=0, fallbacks=0, repeats=0,
                                                corrections=0, answered=column == "answered",
                                                withdrawn=column == "withdrawn"))
            except IntegrityError:  # its counts were written meanwhile by the chat server
                session.execute(update(ConversationRow).where(where).values({column: True}))


def _add(session: Session, conversation: str, seen: _Counts) -> None:
    where = ConversationRow.conversation_id == conversation
    more = {"messages": ConversationRow.messages + seen.messages,
            "fallbacks": ConversationRow.fallbacks + seen.fallbacks,
            "repeats": ConversationRow.repeats + seen.repeats,
            "corrections": ConversationRow.corrections + seen.corrections,
            "started_at": case((ConversationRow.started_at > seen.first, seen.first), else_=ConversationRow.started_at),
            "last_message_at": case((ConversationRow.last_message_at < seen.last, seen.last),
                                    else_=ConversationRow.last_message_at),
            "last_form": case((ConversationRow.last_message_at <= seen.last, seen.form),
                              else_=ConversationRow.last_form)}
    if session.execute(update(ConversationRow).where(where).values(**more)).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(ConversationRow(conversation_id=conversation, started_at=seen.first, last_message_at=seen.last,
                                        messages=seen.messages, fallbacks=seen.fallbacks, repeats=seen.repeats,
                                        corrections=seen.corrections, last_form=seen.form, answered=False,
                                        withdrawn=False))
    except IntegrityError:  # created meanwhile by another process: add to it
        session.execute(update(ConversationRow).where(where).values(**more))
