"""Where the customer's refund pages are on the website (bot/web/refund_pages.py): 「我的退款」,
a ticket's page and 「申请退款」. The assistant's answers link to them, and so do the e-mail
intake's one-time links (bot/mail/links.py: after login they open one of these pages)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote, urlencode

MY_REFUNDS = "/refunds"
APPLY = "/refunds/apply"


def ticket_path(ticket_id: str) -> str:
    return f"{MY_REFUNDS}/{quote(ticket_id, safe='')}"


def apply_path(order_id: Optional[str] = None, **more: str) -> str:
    """The application, at the order (and with `more` of what a link fills in) when given."""
    query = {key: value for key, value in {"order_id": order_id, **more}.items() if value}
    return APPLY + (f"?{urlencode(query)}" if query else "")


@dataclass(frozen=True)
class RefundPages:
    """Absolute links to the pages on the site at `site_url` (bot.settings.Settings.site_url)."""

    site_url: str

    def my_refunds(self) -> str:
        return self.site_url + MY_REFUNDS

    def apply(self, order_id: Optional[str] = None) -> str:
        return self.site_url + apply_path(order_id)

    def ticket(self, ticket_id: str) -> str:
        return self.site_url + ticket_path(ticket_id)
