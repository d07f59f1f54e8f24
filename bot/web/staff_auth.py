"""Who is using the console: the staff login held by the server (see page_auth.py), and
`StaffAuth.required`, the guard every console route sits behind."""
from __future__ import annotations

import functools
from typing import Any, Callable, Coroutine, Optional

from jinja2 import Environment
from sanic import response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.staff import Staff
from bot.security.login_sessions import LoginKind
from bot.security.tokens import verify_console_token
from bot.vocabulary import Role
from bot.web.page_auth import PageAuth
from bot.wiring import Services

COOKIE = "console_session"
CSRF = "console_csrf"
CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
LOGIN_PAGE = "/console/login"

# A route handler; one that streams its answer (request.respond) returns None.
Handler = Callable[..., Coroutine[Any, Any, Optional[response.HTTPResponse]]]


def json_error(status: int, message: str) -> response.HTTPResponse:
    """A refusal the console's scripts show as it is (Chinese)."""
    return response.json({"error": message}, status=status)


def home_page(staff: Optional[Staff]) -> str:
    """Where a staff member starts: the queue, or the dashboard for an operator who may not
    read conversations."""
    return "/console" if staff is None or staff.reads_conversations else "/console/dashboard"


class StaffAuth(PageAuth):
    kind = LoginKind.STAFF
    session_cookie = COOKIE
    csrf_cookie = CSRF
    cookie_path = "/console"
    same_site = "Strict"
    user_name = "staff"

    def __init__(self, services: Services, templates: Environment) -> None:
        super().__init__(services, templates, CSP, verify_console_token)

    def current_user(self, request: Request) -> Optional[Staff]:
        if not hasattr(request.ctx, "staff"):
            claim = self.current_login(request)
            request.ctx.staff = self._services.staff.get(claim.subject) if claim else None
        return request.ctx.staff

    current_staff = current_user

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        staff = self.current_staff(request)
        roles = "、".join([*(labels.ROLE_LABELS[r] for r in sorted(staff.roles)),
                          *(labels.GRANT_LABELS[g] for g in sorted(staff.grants))]) if staff else ""
        return super().page(request, template, status, role_names=roles, home=home_page(staff), **context)

    def required(self, role: Optional[Role] = None, csrf: bool = False, page: bool = False,
                 conversations: bool = False) -> Callable[[Handler], Handler]:
        """Let the route run only for a logged-in staff member (with `role`; with
        `conversations`, one who may read full conversations and evidence files; and the CSRF
        token when `csrf`); the handler gets the staff member after the request. Pages send a
        stranger to the login page; the JSON API answers 401/403."""
        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def guarded(request: Request, *args: Any, **kwargs: Any) -> Optional[response.HTTPResponse]:
                staff = self.current_staff(request)
                if staff is None:
                    return response.redirect(LOGIN_PAGE) if page else json_error(401, labels.PLEASE_LOG_IN)
                if csrf and not self.csrf_ok(request):
                    return json_error(403, labels.PAGE_EXPIRED)
                refusal = (labels.role_required(role) if role is not None and not staff.has(role) else
                           labels.TRANSCRIPTS_GRANT_REQUIRED if conversations and not staff.reads_conversations
                           else None)
                if refusal is not None:
                    if page:
                        return self.page(request, "console_message.html", status=403, message=refusal)
                    return json_error(403, refusal)
                return await handler(request, staff, *args, **kwargs)
            return guarded
        return decorate
