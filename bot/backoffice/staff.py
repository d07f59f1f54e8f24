"""Staff accounts (agents and reviewers) and their credentials."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import FrozenSet, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.security.passwords import verify_password
from bot.storage.schema import StaffRow


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    roles: FrozenSet[str]

    def has(self, role: str) -> bool:
        return role in self.roles


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffDirectory:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def by_token(self, token: Optional[str]) -> Optional[Staff]:
        if not token:
            return None
        with self._sessions() as session:
            row = session.scalars(select(StaffRow).where(StaffRow.api_token_hash == token_hash(token))).first()
            return _staff(row) if row else None

    def by_password(self, staff_id: str, password: str) -> Optional[Staff]:
        with self._sessions() as session:
            row = session.get(StaffRow, staff_id)
            return _staff(row) if row and verify_password(password, row.password_hash) else None

    def get(self, staff_id: str) -> Optional[Staff]:
        with self._sessions() as session:
            row = session.get(StaffRow, staff_id)
            return _staff(row) if row else None


def _staff(row: StaffRow) -> Staff:
    return Staff(row.staff_id, row.name, frozenset(r.strip() for r in row.roles.split(",") if r.strip()))
