from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.security.passwords import hash_password, verify_password
from bot.security.tokens import (
    LoginClaim,
    TokenError,
    UploadGrant,
    issue_chat_token,
    issue_session_token,
    issue_upload_token,
    verify_chat_token,
    verify_session_token,
    verify_upload_token,
)

SECRET = "s" * 40


def test_chat_token_round_trip_and_tampering():
    token = issue_chat_token(SECRET, "c1001", "login-1")
    assert verify_chat_token(token, SECRET) == LoginClaim("c1001", "login-1")
    with pytest.raises(TokenError):
        verify_chat_token(token, "x" * 40)
    with pytest.raises(TokenError):
        verify_chat_token(token[:-2] + "aa", SECRET)
    with pytest.raises(TokenError):
        verify_chat_token(None, SECRET)


def test_expired_token_is_refused():
    old = issue_chat_token(SECRET, "c1001", "login-1", now=utcnow() - timedelta(hours=1))
    with pytest.raises(TokenError):
        verify_chat_token(old, SECRET)


def test_tokens_cannot_stand_in_for_each_other():
    session = issue_session_token(SECRET, "c1001", "login-1")
    upload = issue_upload_token(SECRET, UploadGrant("c1001", "conv", "RF202611260001"))
    with pytest.raises(TokenError):
        verify_chat_token(session, SECRET)
    with pytest.raises(TokenError):
        verify_session_token(upload, SECRET)
    assert verify_upload_token(upload, SECRET) == UploadGrant("c1001", "conv", "RF202611260001")


def test_passwords():
    stored = hash_password("demo123")
    assert verify_password("demo123", stored) and not verify_password("demo124", stored)
    assert not verify_password("demo123", None) and not verify_password("demo123", "garbage")
