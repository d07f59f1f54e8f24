"""Logins the server can end: the signed session cookie only names a row here, so logout
(or a password change, or removing a staff member) ends the session on the server at once,
whatever copy of the cookie is still around."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from bot.clock import utcnow
from bot.storage.schema import LoginSessionRow


class LoginKind(str, enum.Enum):
    CUSTOMER = "customer"
    STAFF = "staff"


class LoginSessions:
    """Start, check and end logins, stored in the database."""

    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions, self._clock = sessions, clock

    def start(self, kind: LoginKind, subject: str, ttl: timedelta) -> str:
        """A new login of `subject`; returns its id (put it in the signed cookie)."""
        session_id = secrets.token_hex(16)
        now = self._clock()
        with self._sessions.begin() as db:
            db.add(LoginSessionRow(session_id=session_id, kind=kind.value, subject=subject, created_at=now,
                                   expires_at=now + ttl))
        return session_id

    def is_live(self, session_id: Optional[str], kind: LoginKind, subject: str) -> bool:
        """True while the login exists for this subject, has not expired and was not ended."""
        if not session_id:
            return False
        with self._sessions() as db:
            row = db.get(LoginSessionRow, session_id)
            return (row is not None and row.kind == kind.value and row.subject == subject
                    and row.ended_at is None and row.expires_at > self._clock())

    def end(self, session_id: str) -> None:
        """End one login (logout); ending an ended or unknown one does nothing."""
        with self._sessions.begin() as db:
            db.execute(update(LoginSessionRow).where(LoginSessionRow.session_id == session_id,
                                                     LoginSessionRow.ended_at.is_(None))
                       .values(ended_at=self._clock()))

    def end_all(self, kind: LoginKind, subject: str) -> int:
        """End every login of `subject` (password changed, account removed); returns how many."""
        with self._sessions.begin() as db:
            result = db.execute(update(LoginSessionRow).where(LoginSessionRow.kind == kind.value,
                                                              LoginSessionRow.subject == subject,
                                                              LoginSessionRow.ended_at.is_(None))
                                .values(ended_at=self._clock()))
            return result.rowcount or 0
