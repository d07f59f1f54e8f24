"""Where the customer's refund pages are on the website (bot/web/refund_pages.py): 「我的退款」,
a ticket's page and 「申请退款」. The assistant's answers link to them; the e-mail intake links to
the application prefilled (`prefilled`, with a token from bot.security.tokens.issue_prefill_token)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote, urlencode

MY_REFUNDS = "/refunds"
APPLY = "/refunds/new"


def ticket_path(ticket_id: str) -> str:
    return f"{MY_REFUNDS}/{quote(ticket_id, safe='')}"


@dataclass(frozen=True)
class RefundPages:
    """Absolute links to the pages on the site at `site_url` (bot.settings.Settings.site_url)."""

    site_url: str

    def my_refunds(self) -> str:
        return self.site_url + MY_REFUNDS

    def apply(self, order_id: Optional[str] = None) -> str:
        return self.site_url + APPLY + (f"?{urlencode({'order': order_id})}" if order_id else "")

    def ticket(self, ticket_id: str) -> str:
        return self.site_url + ticket_path(ticket_id)

    def prefilled(self, token: str) -> str:
        """The application opened with what a signed prefill token carries (after login)."""
        return f"{self.site_url}{APPLY}?{urlencode({'prefill': token})}"
