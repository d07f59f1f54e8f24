"""The contact page: a message or a call-back request for the agents that does not need the
assistant, linked from the widget when the chat server cannot be reached."""
from __future__ import annotations

import uuid
from typing import Dict

from sanic import Sanic, response
from sanic.request import Request

from bot.handoff import replies as handoff_replies
from bot.handoff.contact import contact_kind, message_text, mobile_number, named_ticket_numbers
from bot.security.ratelimit import rate_limiter
from bot.vocabulary import HandoffKind
from bot.web import texts
from bot.web.customer_auth import CustomerAuth
from bot.wiring import Services

TEMPLATE = "contact.html"
REASON = "web_contact"  # the queue shows it as 「网页留言」
SENDS_PER_WINDOW, WINDOW_SECONDS = 5, 600


def add_contact_routes(app: Sanic, auth: CustomerAuth, services: Services) -> None:
    handoffs = services.handoffs
    limiter = rate_limiter("contact", SENDS_PER_WINDOW, WINDOW_SECONDS, services.settings.redis_url)

    def page(request: Request, status: int = 200, **context: object) -> response.HTTPResponse:
        form: Dict[str, str] = {"kind": "message", "message": "", "phone": ""}
        return auth.page(request, TEMPLATE, status=status, hours=handoffs.support.current().describe(),
                         **{"form": form, **context})

    @app.get("/contact")
    async def contact_page(request: Request) -> response.HTTPResponse:
        return page(request)

    @app.post("/contact")
    async def leave_contact(request: Request) -> response.HTTPResponse:
        form = {key: (request.form.get(key) or "").strip()[:2100] for key in ("kind", "message", "phone")}
        if not auth.csrf_ok(request):
            return page(request, 400, error=texts.PAGE_EXPIRED_LOGIN, form=form)
        login = auth.current_login(request)
        customer_id = login.subject if login else None
        kind, message, phone = contact_kind(form["kind"]), message_text(form["message"]), mobile_number(form["phone"])
        if kind is None or message is None:
            return page(request, 422, error=texts.CONTACT_NEED_MESSAGE, form=form)
        if phone is None and (form["phone"] or kind == HandoffKind.CALLBACK or customer_id is None):
            return page(request, 422, error=texts.CONTACT_NEED_PHONE, form=form)
        if not limiter.allow(f"user:{customer_id}" if customer_id else f"ip:{request.remote_addr or request.ip}"):
            return page(request, 429, error=texts.CONTACT_TOO_OFTEN, form=form)
        # The ticket the message names, when it is this customer's own (never another's).
        named = next((t for t in named_ticket_numbers(message) if customer_id
                      and services.refunds.ticket(customer_id, t) is not None), None)
        handoffs.leave_message(f"web-contact-{uuid.uuid4().hex}", customer_id, kind, message, phone, REASON,
                               named, {"customer_said": [message[:200]]})
        next_opening = handoffs.support.current().next_opening(handoffs.clock())
        return page(request, done=handoff_replies.message_recorded(kind, next_opening))
