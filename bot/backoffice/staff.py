"""Staff accounts (agents, reviewers, operators), their credentials and their offboarding.

A staff member logs in to the console with a password and calls the back-office API with
bearer tokens: several per person, each named, stored as its SHA-256, expiring and revocable.
A departed person is disabled, never deleted (tickets, notes and handoffs keep naming them):
from then on no password, token, console login or open stream of theirs works."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.clock import utcnow
from bot.security.passwords import hash_password, verify_password
from bot.storage.schema import StaffRow, StaffTokenRow
from bot.vocabulary import Grant, Role

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "rft_"  # recognisable in a leaked file or a secret scanner
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per token and minute


class StaffError(ValueError):
    """A staff account change that cannot be made; the message says why."""


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    roles: FrozenSet[Role]
    grants: FrozenSet[Grant] = frozenset()
    disabled_at: Optional[datetime] = None

    def has(self, role: Role) -> bool:
        """Whether the person holds `role`; a manager (主管) works tickets as a reviewer too."""
        return role in self.roles or (role == Role.REVIEWER and Role.MANAGER in self.roles)

    @property
    def reads_conversations(self) -> bool:
        """Whether they may read full transcripts and evidence files: agents and reviewers (and
        managers, who work tickets as reviewers) for their work, anyone else (an operator) only
        with the transcripts grant."""
        return self.has(Role.AGENT) or self.has(Role.REVIEWER) or Grant.TRANSCRIPTS in self.grants


@dataclass(frozen=True)
class ApiToken:
    """A token as listed (never the token itself, which is shown once when issued)."""

    token_id: int
    staff_id: str
    name: str
    created_at: datetime
    expires_at: Optional[datetime]
    last_used_at: Optional[datetime]
    revoked_at: Optional[datetime]

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffDirectory:
    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions, self.clock = sessions, clock

    def by_token(self, token: Optional[str]) -> Optional[Staff]:
        """The active staff member holding this live API token (and note when it was used)."""
        if not token or len(token) > 200:
            return None
        now = self.clock()
        with self._sessions.begin() as session:
            found = session.execute(select(StaffTokenRow, StaffRow).join(StaffRow)
                                    .where(StaffTokenRow.token_hash == token_hash(token))).first()
            if found is None:
                return None
            row, staff = found
            if not _token(row).live(now) or staff.disabled_at is not None:
                return None
            if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
                row.last_used_at = now
            return _staff(staff)

    def by_password(self, staff_id: str, password: str) -> Optional[Staff]:
        """The active staff member if the password is theirs. Unknown and disabled accounts
        take as long as a wrong password, so the answer time tells nobody which ids exist."""
        with self._sessions() as session:
            row = session.get(StaffRow, staff_id) if staff_id else None
            valid = verify_password(password, row.password_hash if row is not None else None)
            return _staff(row) if row is not None and valid and row.disabled_at is None else None

    def get(self, staff_id: str) -> Optional[Staff]:
        """An active staff member (a disabled one is nobody: every guard asks here)."""
        with self._sessions() as session:
            row = session.get(StaffRow, staff_id) if staff_id else None
            return _staff(row) if row is not None and row.disabled_at is None else None

    def all(self) -> List[Staff]:
        """Every account, disabled ones included (with when)."""
        with self._sessions() as session:
            return [_staff(row) for row in session.scalars(select(StaffRow).order_by(StaffRow.staff_id))]

    def names(self) -> Dict[str, str]:
        """Every account's id and name (disabled ones too: their work keeps naming them)."""
        with self._sessions() as session:
            return {staff_id: name for staff_id, name in session.execute(select(StaffRow.staff_id, StaffRow.name))}

    def create(self, staff_id: str, name: str, roles: Iterable[str], password: str,
               grants: Iterable[str] = ()) -> Staff:
        """A new account; the password is stored hashed."""
        staff_id, name, role_set, grant_set = staff_id.strip(), name.strip(), _roles(roles), _grants(grants)
        if not staff_id or len(staff_id) > 32 or not staff_id.isascii() or not staff_id.replace("-", "").isalnum():
            raise StaffError("staff id: 1-32 letters, digits or '-'")
        if not name or len(name) > 100:
            raise StaffError("name: 1-100 characters")
        _check_password(password)
        with self._sessions.begin() as session:
            if session.get(StaffRow, staff_id) is not None:
                raise StaffError(f"staff id {staff_id} already exists (a disabled id is never reused)")
            session.add(StaffRow(staff_id=staff_id, name=name, roles=_joined(role_set), grants=_joined(grant_set),
                                 password_hash=hash_password(password)))
        return Staff(staff_id, name, role_set, grant_set)

    def set_password(self, staff_id: str, password: str) -> None:
        _check_password(password)
        with self._sessions.begin() as session:
            self._row(session, staff_id).password_hash = hash_password(password)

    def set_grant(self, staff_id: str, grant: str, given: bool) -> Staff:
        """Give or take back one grant."""
        wanted = _grants([grant])
        with self._sessions.begin() as session:
            row = self._row(session, staff_id)
            current = _staff(row).grants
            row.grants = _joined(current | wanted if given else current - wanted)
            return _staff(row)

    def issue_token(self, staff_id: str, name: str, days: int = DEFAULT_TOKEN_DAYS) -> Tuple[ApiToken, str]:
        """A new named API token for an active staff member, valid `days`; returns it as listed
        and the token itself (shown once, stored hashed). Their other tokens keep working."""
        name = name.strip()
        if not name or len(name) > 64:
            raise StaffError("token name: 1-64 characters")
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise StaffError(f"a token lives 1-{MAX_TOKEN_DAYS} days")
        token, now = TOKEN_PREFIX + secrets.token_urlsafe(32), self.clock()
        with self._sessions.begin() as session:
            if self._row(session, staff_id).disabled_at is not None:
                raise StaffError(f"{staff_id} is disabled")
            if any(_token(t).live(now) for t in session.scalars(select(StaffTokenRow).where(
                    StaffTokenRow.staff_id == staff_id, StaffTokenRow.name == name))):
                raise StaffError(f"{staff_id} already has a live token named {name!r}")
            row = StaffTokenRow(staff_id=staff_id, name=name, token_hash=token_hash(token), created_at=now,
                                expires_at=now + timedelta(days=days))
            session.add(row)
            session.flush()
            return _token(row), token

    def tokens(self, staff_id: Optional[str] = None) -> List[ApiToken]:
        """API tokens (of one staff member, or everyone's), newest first, revoked ones included."""
        query = select(StaffTokenRow).order_by(StaffTokenRow.staff_id, StaffTokenRow.id.desc())
        if staff_id is not None:
            query = query.where(StaffTokenRow.staff_id == staff_id)
        with self._sessions() as session:
            if staff_id is not None:
                self._row(session, staff_id)
            return [_token(row) for row in session.scalars(query)]

    def revoke_token(self, token_id: int) -> ApiToken:
        """Revoke one token by its listed number (revoking it again changes nothing)."""
        with self._sessions.begin() as session:
            row = session.get(StaffTokenRow, token_id)
            if row is None:
                raise StaffError(f"no API token number {token_id}")
            row.revoked_at = row.revoked_at or self.clock()
            return _token(row)

    def disable(self, staff_id: str) -> int:
        """Offboard: the account is marked disabled and every API token of theirs revoked, in
        one transaction; nothing is deleted. Returns how many live tokens were revoked. (Their
        console logins are ended by the caller, bot.security.login_sessions.)"""
        now = self.clock()
        with self._sessions.begin() as session:
            row = self._row(session, staff_id)
            row.disabled_at = row.disabled_at or now
            revoked = session.execute(update(StaffTokenRow).where(StaffTokenRow.staff_id == staff_id,
                                                                  StaffTokenRow.revoked_at.is_(None))
                                      .values(revoked_at=now))
            return revoked.rowcount or 0

    def enable(self, staff_id: str, password: str) -> None:
        """Take a disabled person back, with a new password (old tokens stay revoked)."""
        _check_password(password)
        with self._sessions.begin() as session:
            row = self._row(session, staff_id)
            row.disabled_at, row.password_hash = None, hash_password(password)

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


def _grants(grants: Iterable[str]) -> FrozenSet[Grant]:
    names = {g.strip() for g in grants if g.strip()}
    if names - Grant.values():
        raise StaffError(f"grants must be among {', '.join(g.value for g in Grant)}")
    return frozenset(Grant(name) for name in names)


def _joined(values: Iterable[str]) -> str:
    return ",".join(sorted(str(v) for v in values))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def _staff(row: StaffRow) -> Staff:
    return Staff(row.staff_id, row.name, frozenset(Role(r.strip()) for r in row.roles.split(",") if r.strip()),
                 frozenset(Grant(g.strip()) for g in (row.grants or "").split(",") if g.strip()), row.disabled_at)


def _token(row: StaffTokenRow) -> ApiToken:
    return ApiToken(row.id, row.staff_id, row.name, row.created_at, row.expires_at, row.last_used_at, row.revoked_at)
