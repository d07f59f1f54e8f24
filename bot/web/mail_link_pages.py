"""The one-time links the mail intake sends to a registered address (bot/mail/links.py): after
the customer logs in, a link opens the refund form prefilled from their e-mail, or a ticket's
page, once. It never files or changes anything by itself."""
from __future__ import annotations

from sanic import Sanic, response
from sanic.request import Request

from bot.mail.links import LINK_PATH, LinkRefused, MailLinks
from bot.web import texts
from bot.web.customer_auth import CustomerAuth
from bot.wiring import Services

TEMPLATE = "mail_link.html"
MAX_TOKEN_CHARS = 1000


def add_mail_link_routes(app: Sanic, auth: CustomerAuth, services: Services) -> None:
    links = MailLinks(services.sessions, services.settings.jwt_secret, services.settings.site_url)

    @app.get(f"{LINK_PATH}<token>")
    async def open_link(request: Request, token: str) -> response.HTTPResponse:
        if len(token) > MAX_TOKEN_CHARS:
            return auth.page(request, TEMPLATE, status=403, error=texts.MAIL_LINK_REFUSED["forged"])
        customer = auth.current_customer(request)
        if customer is None:
            return response.redirect(f"/login?next={LINK_PATH}{token}")
        try:
            link = links.redeem(token, customer.customer_id)
        except LinkRefused as refused:
            return auth.page(request, TEMPLATE, status=403, error=texts.MAIL_LINK_REFUSED[refused.code])
        return response.redirect(link.target())
