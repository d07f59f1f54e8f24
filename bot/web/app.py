"""The demo website: login, the chat page with the widget, evidence uploads, the agent console
and the back-office API, each from its own route module.

Run with `python -m bot.web` (port REFUND_WEB_PORT, default 8000).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, Sanic
from sanic.exceptions import NotFound

from bot.backoffice.api import create_backoffice_api
from bot.handoff import replies as handoff_replies
from bot.settings import PROJECT_ROOT
from bot.vocabulary import HandoffKind
from bot.web import texts
from bot.web.console import create_console
from bot.web.console_api import assign_waiting
from bot.web.contact_pages import add_contact_routes
from bot.web.customer_auth import CustomerAuth
from bot.web.error_pages import SiteErrors
from bot.web.mail_link_pages import add_mail_link_routes
from bot.web.ops import add_ops_routes
from bot.web.rasa_client import RasaClient
from bot.web.refund_pages import add_refund_routes
from bot.web.site_pages import add_site_routes
from bot.web.ticket_news import customer_notifier
from bot.web.upload_pages import add_upload_routes
from bot.wiring import Services

WIDGET_BUNDLE = PROJECT_ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024  # every request body but the evidence upload's
MAX_ROW_ID = 2**31 - 1  # PostgreSQL's INTEGER: every numeric id in a route is a row id
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))


def create_app(services: Services, name: str = "refund_site") -> Sanic:
    """Build the website over `services`."""
    if not WIDGET_BUNDLE.exists():
        raise RuntimeError(f"chat widget bundle missing: {WIDGET_BUNDLE} (run `make setup`)")
    settings = services.settings
    app = Sanic(name, error_handler=SiteErrors())  # errors no page answered: in Chinese
    # Every route buffers at most a small body before its handler runs; only the upload route
    # (streamed, after checking the login) accepts a full set of evidence files.
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.config.PROXIES_COUNT = settings.trusted_proxies  # request.remote_addr honours X-Forwarded-For
    app.static("/static/webchat.js", str(WIDGET_BUNDLE), content_type="application/javascript")
    app.static("/static/chat.js", str(STATIC / "chat.js"), content_type="application/javascript")
    app.static("/static/upload.js", str(STATIC / "upload.js"), content_type="application/javascript")
    app.static("/static/session.js", str(STATIC / "session.js"), content_type="application/javascript")
    app.static("/static/refunds.js", str(STATIC / "refunds.js"), content_type="application/javascript")
    app.static("/static/site.css", str(STATIC / "site.css"), content_type="text/css")

    rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    customers = CustomerAuth(services, TEMPLATES, customer_page_policy(settings.public_rasa_url))
    add_ops_routes(app, services)
    add_site_routes(app, customers, services)
    add_contact_routes(app, customers, services)
    add_upload_routes(app, customers, services, rasa)
    add_refund_routes(app, customers, services)
    add_mail_link_routes(app, customers, services)
    app.blueprint(create_backoffice_api(services, customer_notifier(rasa, services.workflow)))
    app.blueprint(create_console(TEMPLATES, services, rasa))

    @app.on_request
    async def refuse_impossible_ids(request: Request) -> None:
        """A numeric id no row can have (25 digits in a console route) is a 404 here, before a
        database refuses to compare it (a 500)."""
        if any(isinstance(v, int) and not 0 < v <= MAX_ROW_ID for v in (request.match_info or {}).values()):
            raise NotFound(texts.NO_SUCH_RECORD)  # the site's error pages answer it (JSON for the APIs)

    @app.after_server_start
    async def start_sweeper(app_: Sanic, _loop) -> None:
        app_.add_task(expire_unclaimed_handoffs(services, rasa, settings.handoff_sweep_seconds))

    return app


def customer_page_policy(chat_url: str) -> str:
    """The customer pages' Content-Security-Policy: scripts only from this site (so no inline
    script and no `javascript:` link can run), images only from here, the chat socket only to
    the chat server."""
    parts = urlsplit(chat_url)
    socket_origin = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return (f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"font-src 'self' data:; "
            f"connect-src 'self' {parts.scheme}://{parts.netloc} {socket_origin}; frame-ancestors 'none'; "
            f"base-uri 'none'; form-action 'self'; object-src 'none'")


async def expire_unclaimed_handoffs(services: Services, rasa: RasaClient, period: float) -> None:
    """Every few seconds, one round of `sweep_handoffs`."""
    while True:
        try:
            await sweep_handoffs(services, rasa)
        except Exception:  # keep sweeping; a failed round is retried next period
            logging.getLogger(__name__).exception("handoff sweep failed")
        await asyncio.sleep(period)


async def sweep_handoffs(services: Services, rasa: RasaClient) -> None:
    """Waiting customers go to agents with room (auto-assignment on), each told who serves them;
    customers nobody claimed in time get an apology, the bot back, and the offer to leave a
    message or book a call-back (a complaint is kept as a message for the agents instead)."""
    await assign_waiting(services, rasa)
    for handoff in services.handoffs.expire_unclaimed():
        if handoff.kind == HandoffKind.MESSAGE:
            await rasa.push_bot_message(handoff.conversation_id, handoff_replies.COMPLAINT_KEPT, resume=True)
            continue
        await rasa.push_bot_message(handoff.conversation_id, handoff_replies.nobody_free(),
                                    buttons=handoff_replies.LEAVE_MESSAGE_BUTTONS, resume=True)
