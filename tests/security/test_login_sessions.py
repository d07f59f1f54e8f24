"""Logins the server ends: logout, expiry, another subject or kind."""
from datetime import datetime, timedelta, timezone

from bot.security.login_sessions import LoginKind, LoginSessions

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)


def test_a_login_lives_until_it_is_ended_or_expires(sessions):
    clock = [NOW]
    logins = LoginSessions(sessions, clock=lambda: clock[0])
    first = logins.start(LoginKind.CUSTOMER, "c1001", timedelta(hours=8))
    second = logins.start(LoginKind.CUSTOMER, "c1001", timedelta(hours=8))
    assert logins.is_live(first, LoginKind.CUSTOMER, "c1001")
    assert not logins.is_live(first, LoginKind.CUSTOMER, "c1002")  # not someone else's
    assert not logins.is_live(first, LoginKind.STAFF, "c1001")     # not a console login
    assert not logins.is_live(None, LoginKind.CUSTOMER, "c1001")
    assert not logins.is_live("unknown", LoginKind.CUSTOMER, "c1001")
    logins.end(first)
    logins.end(first)  # twice is harmless
    assert not logins.is_live(first, LoginKind.CUSTOMER, "c1001")
    assert logins.is_live(second, LoginKind.CUSTOMER, "c1001")  # another device stays logged in
    clock[0] = NOW + timedelta(hours=8)
    assert not logins.is_live(second, LoginKind.CUSTOMER, "c1001")


def test_end_all_ends_every_login_of_one_subject(sessions):
    logins = LoginSessions(sessions, clock=lambda: NOW)
    mine = [logins.start(LoginKind.STAFF, "a1", timedelta(hours=1)) for _ in range(2)]
    other = logins.start(LoginKind.STAFF, "a2", timedelta(hours=1))
    assert logins.end_all(LoginKind.STAFF, "a1") == 2
    assert not any(logins.is_live(m, LoginKind.STAFF, "a1") for m in mine)
    assert logins.is_live(other, LoginKind.STAFF, "a2")
