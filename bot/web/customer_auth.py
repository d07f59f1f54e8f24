"""Who is using the website: the customer login held by the server (see page_auth.py)."""
from __future__ import annotations

from typing import Optional

from jinja2 import Environment
from sanic.request import Request

from bot.billing.models import Customer
from bot.security.login_sessions import LoginKind
from bot.security.tokens import verify_session_token
from bot.web.page_auth import PageAuth
from bot.wiring import Services

SESSION_COOKIE = "site_session"
CSRF_COOKIE = "csrf"


class CustomerAuth(PageAuth):
    kind = LoginKind.CUSTOMER
    session_cookie = SESSION_COOKIE
    csrf_cookie = CSRF_COOKIE
    cookie_path = "/"
    same_site = "Lax"
    user_name = "customer"

    def __init__(self, services: Services, templates: Environment, content_policy: str) -> None:
        super().__init__(services, templates, content_policy, verify_session_token)

    def current_user(self, request: Request) -> Optional[Customer]:
        if not hasattr(request.ctx, "customer"):
            claim = self.current_login(request)
            request.ctx.customer = self._services.customers.get(claim.subject) if claim else None
        return request.ctx.customer

    current_customer = current_user
