"""The chat channel remembers for a few seconds whether a login still holds; the answer is
remembered for that login *and* that customer, so a token naming another customer never rides
on someone else's live login."""
from datetime import timedelta

from bot.channels import refund_socket
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.settings import load_settings
from bot.wiring import build_services


def test_a_cached_login_check_counts_only_for_its_own_customer(seeded, monkeypatch):
    wired = build_services(load_settings(), seeded)
    monkeypatch.setattr(refund_socket, "services", lambda: wired)
    channel = refund_socket.RefundSocketInput()
    login = LoginSessions(seeded).start(LoginKind.CUSTOMER, "c1001", timedelta(hours=1))
    assert channel._login_live(login, "c1001")
    assert not channel._login_live(login, "c1002")  # cached "live" was c1001's answer
    assert channel._login_live(login, "c1001")
    other = LoginSessions(seeded).start(LoginKind.CUSTOMER, "c1002", timedelta(hours=1))
    assert not channel._login_live(other, "c1001") and channel._login_live(other, "c1002")
