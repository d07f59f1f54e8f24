"""Staff accounts (agents and reviewers) and their credentials."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import FrozenSet, Iterable, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.security.passwords import hash_password, verify_password
from bot.storage.schema import StaffRow
from bot.vocabulary import Role

MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    """A staff account change that cannot be made; the message says why."""


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    roles: FrozenSet[Role]

    def has(self, role: Role) -> bool:
        """Whether the person holds `role`; a manager (主管) works tickets as a reviewer too."""
        return role in self.roles or (role == Role.REVIEWER and Role.MANAGER in self.roles)


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

    def all(self) -> List[Staff]:
        with self._sessions() as session:
            return [_staff(row) for row in session.scalars(select(StaffRow).order_by(StaffRow.staff_id))]

    def create(self, staff_id: str, name: str, roles: Iterable[str], password: str) -> Staff:
        """A new account; the password is stored hashed."""
        staff_id, name, role_set = staff_id.strip(), name.strip(), _roles(roles)
        if not staff_id or len(staff_id) > 32 or not staff_id.isascii() or not staff_id.replace("-", "").isalnum():
            raise StaffError("staff id: 1-32 letters, digits or '-'")
        if not name or len(name) > 100:
            raise StaffError("name: 1-100 characters")
        _check_password(password)
        with self._sessions.begin() as session:
            if session.get(StaffRow, staff_id) is not None:
                raise StaffError(f"staff id {staff_id} already exists")
            session.add(StaffRow(staff_id=staff_id, name=name, roles=",".join(sorted(role_set)),
                                 password_hash=hash_password(password)))
        return Staff(staff_id, name, frozenset(role_set))

    def set_password(self, staff_id: str, password: str) -> None:
        _check_password(password)
        with self._sessions.begin() as session:
            self._row(session, staff_id).password_hash = hash_password(password)

    def new_api_token(self, staff_id: str) -> str:
        """A new back-office API token (the old one stops working); shown once, stored hashed."""
        token = secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            self._row(session, staff_id).api_token_hash = token_hash(token)
        return token

    def remove(self, staff_id: str) -> None:
        """Delete an account that has no conversation history (else lock it with a new password)."""
        try:
            with self._sessions.begin() as session:
                session.delete(self._row(session, staff_id))
        except IntegrityError as exc:
            raise StaffError(f"{staff_id} has handled conversations and is kept for the record; "
                             "set a new password to lock the account") from exc

    @staticmethod
    def _row(session, staff_id: str) -> StaffRow:
        row = session.get(StaffRow, staff_id)
        if row is None:
            raise StaffError(f"no staff account {staff_id}")
        return row


def _roles(roles: Iterable[str]) -> FrozenSet[Role]:
    names = {r.strip() for r in roles if r.strip()}
    if not names or names - Role.values():
        raise StaffError(f"roles must be one or more of {', '.join(r.value for r in Role)}")
    return frozenset(Role(name) for name in names)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def _staff(row: StaffRow) -> Staff:
    return Staff(row.staff_id, row.name, frozenset(Role(r.strip()) for r in row.roles.split(",") if r.strip()))
