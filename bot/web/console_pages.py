"""Console pages: staff login and logout, the queue, one conversation."""
from __future__ import annotations

from datetime import datetime

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.staff import Staff
from bot.clock import format_customer_time
from bot.handoff.replies import CANNED_REPLIES
from bot.security.login_sessions import LoginKind
from bot.security.ratelimit import login_throttle
from bot.security.tokens import CONSOLE_TTL, issue_console_token
from bot.web.console_views import finished_row
from bot.web.cookies import new_csrf_nonce
from bot.web.staff_auth import COOKIE, CSRF, LOGIN_PAGE, StaffAuth
from bot.wiring import Services

LOGIN_TEMPLATE = "console_login.html"
QUEUE_TEMPLATE = "console_queue.html"


def add_page_routes(console: Blueprint, auth: StaffAuth, services: Services) -> None:
    throttle = login_throttle("console_login", services.settings)
    logins, handoffs = services.logins, services.handoffs

    @console.get("/login")
    async def login_page(request: Request) -> response.HTTPResponse:
        return auth.page(request, LOGIN_TEMPLATE)

    @console.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        if not auth.csrf_ok(request):
            return auth.page(request, LOGIN_TEMPLATE, status=400, error=labels.PAGE_EXPIRED)
        staff_id, address = (request.form.get("staff_id") or "").strip()[:32], request.remote_addr or request.ip
        if throttle.blocked(staff_id, address):
            return auth.page(request, LOGIN_TEMPLATE, status=429, error=labels.TOO_MANY_LOGINS)
        staff = services.staff.by_password(staff_id, request.form.get("password") or "")
        if staff is None:
            throttle.failed(staff_id, address)
            return auth.page(request, LOGIN_TEMPLATE, status=401, error=labels.WRONG_LOGIN)
        previous = auth.current_login(request)
        if previous is not None:
            logins.end(previous.session_id)
        resp = response.redirect("/console")
        session_id = logins.start(LoginKind.STAFF, staff.staff_id, CONSOLE_TTL)
        auth.set_cookie(resp, COOKIE, issue_console_token(services.settings.jwt_secret, staff.staff_id, session_id))
        auth.set_cookie(resp, CSRF, new_csrf_nonce())
        return resp

    @console.post("/logout")
    async def logout(request: Request) -> response.HTTPResponse:
        """End the login on the server (every copy of the cookie stops working), then forget it."""
        resp = response.redirect(LOGIN_PAGE)
        login = auth.current_login(request)
        if login is not None and auth.csrf_ok(request):
            logins.end(login.session_id)
            auth.set_cookie(resp, COOKIE, "", max_age=0)
        return resp

    @console.get("/")
    @auth.required(page=True)
    async def queue_page(request: Request, staff: Staff) -> response.HTTPResponse:
        finished = handoffs.recently_finished(20)
        names = services.customers.names(h.customer_id for h in finished if h.customer_id)
        surveys = [{**s, "at_local": format_customer_time(datetime.fromisoformat(s["at"]))} for s in handoffs.surveys(20)]
        return auth.page(request, QUEUE_TEMPLATE, surveys=surveys,
                         finished=[finished_row(h, names.get(h.customer_id or "")) for h in finished])

    @console.get("/handoffs/<handoff_id:int>")
    @auth.required(page=True)
    async def conversation_page(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        if handoffs.get(handoff_id) is None:
            return auth.page(request, QUEUE_TEMPLATE, status=404, error=labels.NO_SUCH_CONVERSATION, surveys=[],
                             finished=[])
        return auth.page(request, "console_conversation.html", handoff_id=handoff_id, canned=CANNED_REPLIES)
