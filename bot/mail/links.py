"""One-time links mailed to a customer's registered address.

A link opens the refund application form prefilled with what the e-mail said, or a ticket's
page; it does nothing by itself. It works once, for three days, and only for its own customer
after they log in on the website: whoever else opens it (a forwarded mail, a shared screen)
gets a polite refusal. The money decision is always confirmed on the website after login.

`MailLinks.redeem` is the check the website's pages call (bot/web/mail_link_pages.py).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Optional

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from bot.clock import utcnow
from bot.refunds.pages import apply_path, ticket_path
from bot.security.tokens import MAIL_LINK_TTL, TokenError, issue_mail_link_token, verify_mail_link_token
from bot.storage.schema import MailLinkRow

APPLY, TICKET = "apply", "ticket"
LINK_PATH = "/mail/link/"
PREFILL_KEYS = ("order_id", "reason", "incident_time", "description", "conversation_id")


class LinkRefused(ValueError):
    """The link cannot be used: `code` says why (forged, expired, used, not_yours)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class MailLink:
    link_id: str
    customer_id: str
    purpose: str  # apply | ticket
    ticket_id: Optional[str] = None
    prefill: Dict[str, Any] = field(default_factory=dict)

    def target(self) -> str:
        """The website path it opens: the ticket's page, or the form with the link's id (the
        form asks MailLinks.prefill for the rest) and the short fields as parameters."""
        if self.purpose == TICKET and self.ticket_id:
            return ticket_path(self.ticket_id)
        return apply_path(self.prefill.get("order_id"), reason=self.prefill.get("reason") or "", mail=self.link_id)


class MailLinks:
    def __init__(self, sessions: sessionmaker, secret: str, site_url: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._secret = secret
        self._site_url = site_url.rstrip("/")
        self.clock = clock

    def issue(self, customer_id: str, purpose: str, ticket_id: Optional[str] = None,
              prefill: Optional[Dict[str, Any]] = None) -> str:
        """A new link's full URL, for the customer's registered address only."""
        now, link_id = self.clock(), uuid.uuid4().hex
        kept = {key: value for key, value in (prefill or {}).items() if key in PREFILL_KEYS and value}
        with self._sessions.begin() as session:
            session.add(MailLinkRow(jti=link_id, customer_id=customer_id, purpose=purpose, ticket_id=ticket_id,
                                    prefill=kept, created_at=now, expires_at=now + MAIL_LINK_TTL))
        token = issue_mail_link_token(self._secret, customer_id, link_id, now)
        return f"{self._site_url}{LINK_PATH}{token}"

    def redeem(self, token: str, customer_id: str) -> MailLink:
        """Use a link once, for the logged-in `customer_id`; LinkRefused otherwise. A link
        opened by another customer stays unused (its owner can still open it)."""
        try:
            claim = verify_mail_link_token(token, self._secret)
        except TokenError as exc:
            raise LinkRefused("expired" if "expired" in str(exc).lower() else "forged") from exc
        if claim.customer_id != customer_id:
            raise LinkRefused("not_yours")
        now = self.clock()
        with self._sessions.begin() as session:
            row = session.get(MailLinkRow, claim.link_id)
            if row is None or row.customer_id != customer_id:
                raise LinkRefused("forged")
            if row.expires_at <= now:
                raise LinkRefused("expired")
            used = session.execute(update(MailLinkRow).where(MailLinkRow.jti == row.jti, MailLinkRow.used_at.is_(None))
                                   .values(used_at=now))
            if used.rowcount != 1:
                raise LinkRefused("used")
            return MailLink(row.jti, row.customer_id, row.purpose, row.ticket_id, dict(row.prefill or {}))

    def prefill(self, customer_id: str, link_id: str) -> Dict[str, Any]:
        """What a redeemed link of this customer's carries for the application form ({} for
        anyone else's, an unknown or an unused link)."""
        with self._sessions() as session:
            row = session.get(MailLinkRow, link_id) if link_id else None
            if row is None or row.customer_id != customer_id or row.used_at is None:
                return {}
            return dict(row.prefill or {})
