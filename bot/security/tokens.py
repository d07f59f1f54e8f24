"""Short-lived signed tokens (HS256 JWT).

* chat token: the website vouches for a logged-in customer to the chat channel;
* upload token: an evidence-upload link bound to a customer and a conversation;
* site session and console session: the login cookies;
* mail link: a one-time link mailed to a customer's registered address (bot/mail/links.py).
Each kind has its own audience, so one can never be used as another. Session, console and chat
tokens name their login (`sid`, bot.security.login_sessions): the server ends a login there,
and every token naming it stops working.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

import jwt

from bot.clock import utcnow

ISSUER = "cloud-refund-site"
CHAT_AUDIENCE = "refund-chat"
UPLOAD_AUDIENCE = "refund-upload"
SESSION_AUDIENCE = "refund-site-session"
CHAT_TOKEN_TTL = timedelta(minutes=30)
UPLOAD_TOKEN_TTL = timedelta(hours=24)
SESSION_TTL = timedelta(hours=8)


class TokenError(ValueError):
    """The token is missing, forged, expired or meant for something else."""


class TokenExpired(TokenError):
    """The token was good but its time is up (the widget can ask the site for a fresh one)."""


@dataclass(frozen=True)
class LoginClaim:
    """Who a session, console or chat token vouches for, and the login it belongs to."""

    subject: str
    session_id: str


@dataclass(frozen=True)
class UploadGrant:
    customer_id: str
    conversation_id: str
    ticket_id: Optional[str]
    # When the link was issued: a link issued before filing belongs to the ticket filed next in
    # its conversation (bot.uploads.store.UploadStore.ticket_of).
    issued_at: Optional[datetime] = field(default=None, compare=False)


def _encode(secret: str, audience: str, subject: str, ttl: timedelta, now: Optional[datetime],
            extra: Optional[Dict[str, Any]] = None) -> str:
    issued = now or utcnow()
    claims = {"iss": ISSUER, "aud": audience, "sub": subject, "iat": issued,
              "exp": issued + ttl, "jti": uuid.uuid4().hex, **(extra or {})}
    return jwt.encode(claims, secret, algorithm="HS256")


def _decode(token: Optional[str], secret: str, audience: str) -> Dict[str, Any]:
    if not token:
        raise TokenError("no token")
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], audience=audience, issuer=ISSUER,
                          options={"require": ["exp", "sub", "aud", "iss"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired(str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc


def _login_claim(token: Optional[str], secret: str, audience: str) -> LoginClaim:
    claims = _decode(token, secret, audience)
    if not isinstance(claims.get("sid"), str) or not isinstance(claims.get("sub"), str):
        raise TokenError("token without a login")
    return LoginClaim(claims["sub"], claims["sid"])


def issue_chat_token(secret: str, customer_id: str, session_id: str, now: Optional[datetime] = None) -> str:
    """The widget's ticket to the chat channel, for the customer of login `session_id`."""
    return _encode(secret, CHAT_AUDIENCE, customer_id, CHAT_TOKEN_TTL, now, {"sid": session_id})


def verify_chat_token(token: Optional[str], secret: str) -> LoginClaim:
    """The customer (and login) the token vouches for; TokenError otherwise."""
    return _login_claim(token, secret, CHAT_AUDIENCE)


def issue_upload_token(secret: str, grant: UploadGrant, now: Optional[datetime] = None) -> str:
    return _encode(secret, UPLOAD_AUDIENCE, grant.customer_id, UPLOAD_TOKEN_TTL, now,
                   {"conv": grant.conversation_id, "ticket": grant.ticket_id})


def verify_upload_token(token: Optional[str], secret: str) -> UploadGrant:
    claims = _decode(token, secret, UPLOAD_AUDIENCE)
    if not isinstance(claims.get("conv"), str):
        raise TokenError("upload token without a conversation")
    issued = claims.get("iat")
    return UploadGrant(claims["sub"], claims["conv"], claims.get("ticket"),
                       datetime.fromtimestamp(issued, timezone.utc) if isinstance(issued, (int, float)) else None)


def issue_session_token(secret: str, customer_id: str, session_id: str, now: Optional[datetime] = None) -> str:
    return _encode(secret, SESSION_AUDIENCE, customer_id, SESSION_TTL, now, {"sid": session_id})


def verify_session_token(token: Optional[str], secret: str) -> LoginClaim:
    return _login_claim(token, secret, SESSION_AUDIENCE)


CONSOLE_AUDIENCE = "refund-console"
CONSOLE_TTL = timedelta(hours=10)


def issue_console_token(secret: str, staff_id: str, session_id: str, now: Optional[datetime] = None) -> str:
    return _encode(secret, CONSOLE_AUDIENCE, staff_id, CONSOLE_TTL, now, {"sid": session_id})


def verify_console_token(token: Optional[str], secret: str) -> LoginClaim:
    return _login_claim(token, secret, CONSOLE_AUDIENCE)


MAIL_LINK_AUDIENCE = "refund-mail-link"
MAIL_LINK_TTL = timedelta(days=3)


def issue_mail_link_token(secret: str, customer_id: str, link_id: str, now: Optional[datetime] = None) -> str:
    """A link mailed to a customer's registered address (bot/mail/links.py): it names the link
    record (`jti`, which says what it opens and is used once) and works only for its customer,
    after they log in on the website."""
    issued = now or utcnow()
    claims = {"iss": ISSUER, "aud": MAIL_LINK_AUDIENCE, "sub": customer_id, "iat": issued,
              "exp": issued + MAIL_LINK_TTL, "jti": link_id}
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass(frozen=True)
class MailLinkClaim:
    customer_id: str
    link_id: str


def verify_mail_link_token(token: Optional[str], secret: str) -> MailLinkClaim:
    """The customer and link record a mail link names; TokenError when forged, expired or
    another kind of token."""
    claims = _decode(token, secret, MAIL_LINK_AUDIENCE)
    if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("sub"), str):
        raise TokenError("mail link without an id")
    return MailLinkClaim(claims["sub"], claims["jti"])


# --- the website's refund application (bot/web/refund_pages.py) -----------------------------------

CONFIRM_AUDIENCE = "refund-web-confirm"
CONFIRM_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Confirmation:
    """What a customer's 「确认提交」 on the website confirms: this application (its digest) at
    this quote (its fingerprint), seen by this login, at `issued_at`."""

    customer_id: str
    session_id: str
    application: str  # digest of the application as quoted (bot.refunds.application)
    fingerprint: str  # the quote as shown (bot.refunds.service.quote_fingerprint)
    issued_at: datetime = field(default_factory=utcnow, compare=False)


def issue_confirmation_token(secret: str, confirmation: Confirmation, now: Optional[datetime] = None) -> str:
    """Signed into the quote page's confirmation form; only that page's login can use it."""
    return _encode(secret, CONFIRM_AUDIENCE, confirmation.customer_id, CONFIRM_TTL, now or confirmation.issued_at,
                   {"sid": confirmation.session_id, "app": confirmation.application, "quote": confirmation.fingerprint})


def verify_confirmation_token(token: Optional[str], secret: str) -> Confirmation:
    """The confirmation the token carries; TokenError (TokenExpired) otherwise."""
    claims = _decode(token, secret, CONFIRM_AUDIENCE)
    sid, app, quote = (claims.get(key) for key in ("sid", "app", "quote"))
    if not (isinstance(sid, str) and isinstance(app, str) and isinstance(quote, str) and sid and app and quote) \
            or not isinstance(claims.get("iat"), (int, float)):
        raise TokenError("confirmation token without its application")
    return Confirmation(claims["sub"], sid, app, quote, datetime.fromtimestamp(claims["iat"], timezone.utc))
