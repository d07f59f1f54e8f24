"""The agent console: staff log in, watch the queue, claim a conversation, chat with the customer
in their widget, keep internal notes, act on the linked ticket, hand back or close.

The browser only talks to this server; only the server holds the Rasa token. Every POST needs
the CSRF token (X-CSRF-Token header or form field), an HMAC of the browser's nonce cookie and
the staff member's login (bot.web.cookies.csrf_token). Routes: console_pages.py (HTML),
console_api.py (JSON), console_stream.py (live updates), review_pages.py (the reviewers'
tickets), nlu_review_pages.py and dashboard_pages.py (the operators' review inbox and
dashboard), console_mail_pages.py (a received e-mail, whole), all behind `StaffAuth.required` (staff_auth.py)."""
from __future__ import annotations

from jinja2 import Environment
from sanic import Blueprint

from bot.web.console_api import add_api_routes
from bot.web.console_mail_pages import add_mail_routes
from bot.web.console_pages import add_page_routes
from bot.web.console_stream import add_stream_route
from bot.web.dashboard_pages import add_dashboard_routes
from bot.web.nlu_review_pages import add_nlu_review_routes
from bot.web.rasa_client import RasaClient
from bot.web.review_pages import add_review_routes
from bot.web.staff_auth import StaffAuth
from bot.web.ticket_news import customer_notifier
from bot.wiring import Services


def create_console(templates: Environment, services: Services, rasa: RasaClient) -> Blueprint:
    console = Blueprint("console", url_prefix="/console")
    auth = StaffAuth(services, templates)
    notify = customer_notifier(rasa, services.workflow)
    add_page_routes(console, auth, services)
    add_api_routes(console, auth, services, rasa, notify)
    add_stream_route(console, auth, services, rasa)
    add_review_routes(console, auth, services, notify)
    add_nlu_review_routes(console, auth, services)
    add_dashboard_routes(console, auth, services, rasa)
    add_mail_routes(console, auth, services)
    return console
