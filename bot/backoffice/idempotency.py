"""Idempotent back-office requests: a request sent again with the same `Idempotency-Key` gets the
first answer, however many copies arrive at once and on whichever instance.

The key is claimed *before* the action runs (a row in `idempotency_records` with status 0,
"in progress"); only its claimer runs the action and records the answer. Copies that find the
key claimed wait for that answer and replay it. Claiming afterwards instead let four
simultaneous copies each run: one got 200, three got 409, and whichever stored first decided
what every later retry replayed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.storage.schema import IdempotencyRow

IN_PROGRESS = 0  # the status of a claimed key whose answer is not recorded yet
# A claim older than this is taken to be abandoned (its process died mid-request).
ABANDONED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class Recorded:
    """What a key already stands for: the request's fingerprint and, once known, its answer."""

    request_hash: str
    status: int
    body: Any

    @property
    def done(self) -> bool:
        return self.status != IN_PROGRESS


class IdempotencyKeys:
    """Claims, answers and replays of (actor, Idempotency-Key)."""

    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def claim(self, actor: str, key: str, request_hash: str) -> Optional[Recorded]:
        """Claim the key for this request: None if the caller now owns it (and must `finish`
        or `release` it), else what the key already holds."""
        try:
            with self._sessions.begin() as session:
                session.add(IdempotencyRow(actor=actor, key=key, request_hash=request_hash, status=IN_PROGRESS,
                                           body={}, created_at=self._clock()))
            return None
        except IntegrityError:
            pass
        seen = self.recorded(actor, key)
        if seen is not None and not seen.done and seen.request_hash == request_hash and self._take_over(actor, key):
            return None
        return seen if seen is not None else self.claim(actor, key, request_hash)

    def recorded(self, actor: str, key: str) -> Optional[Recorded]:
        with self._sessions() as session:
            row = session.get(IdempotencyRow, (actor, key))
            return Recorded(row.request_hash, row.status, row.body) if row is not None else None

    def finish(self, actor: str, key: str, status: int, body: Any) -> None:
        """Record the answer of a claimed key: every later copy replays it."""
        with self._sessions.begin() as session:
            session.execute(update(IdempotencyRow)
                            .where(IdempotencyRow.actor == actor, IdempotencyRow.key == key)
                            .values(status=status, body=body))

    def release(self, actor: str, key: str) -> None:
        """Give up a claim whose request failed unexpectedly (nothing was recorded)."""
        with self._sessions.begin() as session:
            session.execute(delete(IdempotencyRow).where(IdempotencyRow.actor == actor, IdempotencyRow.key == key,
                                                         IdempotencyRow.status == IN_PROGRESS))

    def _take_over(self, actor: str, key: str) -> bool:
        """Claim a key whose claimer vanished long ago; False if it is still fresh (or another
        copy took it over first)."""
        now = self._clock()
        with self._sessions.begin() as session:
            taken = session.execute(update(IdempotencyRow)
                                    .where(IdempotencyRow.actor == actor, IdempotencyRow.key == key,
                                           IdempotencyRow.status == IN_PROGRESS,
                                           IdempotencyRow.created_at < now - ABANDONED_AFTER)
                                    .values(created_at=now))
            return bool(taken.rowcount)
