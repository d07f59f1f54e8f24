"""Short-lived signed tokens (HS256 JWT).

* chat token: the website vouches for a logged-in customer to the chat channel;
* upload token: an evidence-upload link bound to a customer and a conversation;
* site session and console session: the login cookies.
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


# --- the website's refund application (bot/web/refund_pages.py) -----------------------------------

CONFIRM_AUDIENCE = "refund-web-confirm"
CONFIRM_TTL = timedelta(minutes=30)
PREFILL_AUDIENCE = "refund-prefill"
PREFILL_TTL = timedelta(days=3)
PREFILL_TEXT_MAX = 300  # a link's URL must stay short: the whole message is kept where it arrived
PREFILL_FIELDS = {"order_id": 16, "kind": 16, "reason": 32, "incident_time": 40, "description": PREFILL_TEXT_MAX,
                  "draft": 64}


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


@dataclass(frozen=True)
class Prefill:
    """What a signed link fills into the website's refund application for one customer (the
    e-mail intake mints these from a message it read): every field is optional and only
    prefilled; the customer logs in, checks, and confirms the quote on the website. `draft`
    names where files that arrived with the message wait (bot/uploads/store.py: their
    conversation id, owned by the same customer)."""

    customer_id: str
    order_id: Optional[str] = None
    kind: Optional[str] = None  # refund | downgrade | sla_claim
    reason: Optional[str] = None  # a RefundReason value
    incident_time: Optional[str] = None  # ISO 8601 with its zone
    description: Optional[str] = None  # at most PREFILL_TEXT_MAX characters
    draft: Optional[str] = None
    issued_at: datetime = field(default_factory=utcnow, compare=False)


def issue_prefill_token(secret: str, prefill: Prefill, ttl: timedelta = PREFILL_TTL,
                        now: Optional[datetime] = None) -> str:
    """The token of a link to `/refunds/new?prefill=<token>` (bot.refunds.pages.RefundPages.prefilled).
    ValueError for a field longer than it may be."""
    extra = {key: getattr(prefill, key) for key in PREFILL_FIELDS if getattr(prefill, key) is not None}
    too_long = [key for key, value in extra.items() if len(str(value)) > PREFILL_FIELDS[key]]
    if too_long:
        raise ValueError(f"prefill fields too long: {too_long}")
    return _encode(secret, PREFILL_AUDIENCE, prefill.customer_id, ttl, now or prefill.issued_at, {"fill": extra})


def verify_prefill_token(token: Optional[str], secret: str) -> Prefill:
    """The prefill the token carries; TokenError if forged, expired, or not shaped as we sign it."""
    claims = _decode(token, secret, PREFILL_AUDIENCE)
    fill = claims.get("fill")
    if not isinstance(fill, dict) or set(fill) - set(PREFILL_FIELDS) or not isinstance(claims.get("iat"), (int, float)) \
            or any(not isinstance(v, str) or len(v) > PREFILL_FIELDS[k] for k, v in fill.items()):
        raise TokenError("prefill token with unexpected fields")
    return Prefill(claims["sub"], **fill, issued_at=datetime.fromtimestamp(claims["iat"], timezone.utc))
