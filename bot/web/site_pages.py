"""The customer's pages: login, logout and the chat page with the widget."""
from __future__ import annotations

from typing import Optional

from sanic import Sanic, response
from sanic.request import Request

from bot.security.login_sessions import LoginKind
from bot.security.ratelimit import login_throttle
from bot.security.tokens import SESSION_TTL, LoginClaim, issue_chat_token, issue_session_token
from bot.web import texts
from bot.web.cookies import NO_STORE
from bot.web.customer_auth import CustomerAuth
from bot.wiring import Services

# Clear-Site-Data value that empties the browser's storage for the site (the widget's chat history).
CLEAR_CHAT_HISTORY = '"storage"'
LOGIN_AGAIN = "/login?next=/chat"
LOGGED_OUT = "/login?logged_out=1"


NEXT_MAX = 2048  # a cut-off address would not work: a longer one is refused


def safe_next(target: Optional[str]) -> Optional[str]:
    """Where to go after logging in: a path on this site only (never 「//evil」 or 「/\\evil」,
    which browsers read as another host), else None. A longer one is refused, not cut short."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\") or any(c in target for c in "\r\n"):
        return None
    return target if len(target) <= NEXT_MAX else None


def add_site_routes(app: Sanic, auth: CustomerAuth, services: Services) -> None:
    settings, logins = services.settings, services.logins
    throttle = login_throttle("site_login", settings)

    @app.get("/")
    async def index(request: Request) -> response.HTTPResponse:
        return response.redirect("/chat" if auth.current_customer(request) else "/login")

    @app.get("/login")
    async def login_page(request: Request) -> response.HTTPResponse:
        return auth.page(request, "login.html", next=safe_next(request.args.get("next")),
                         logged_out=request.args.get("logged_out") == "1" and auth.current_login(request) is None)

    @app.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        after = safe_next(request.args.get("next"))
        if not auth.csrf_ok(request):
            return auth.page(request, "login.html", status=400, error=texts.PAGE_EXPIRED_LOGIN, next=after)
        customer_id = (request.form.get("customer_id") or "").strip()[:32]
        address = request.remote_addr or request.ip
        if throttle.blocked(customer_id, address):
            return auth.page(request, "login.html", status=429, error=texts.TOO_MANY_LOGINS,
                               customer_id=customer_id, next=after)
        if services.customers.by_password(customer_id, request.form.get("password") or "") is None:
            throttle.failed(customer_id, address)
            return auth.page(request, "login.html", status=401, error=texts.WRONG_LOGIN, customer_id=customer_id,
                               next=after)
        resp = response.redirect(after or "/chat")
        previous = auth.current_login(request)
        if previous is not None:  # logging in over another login ends that one
            logins.end(previous.session_id)
        session_id = logins.start(LoginKind.CUSTOMER, customer_id, SESSION_TTL)
        auth.start_login(resp, issue_session_token(settings.jwt_secret, customer_id, session_id))
        resp.headers["Clear-Site-Data"] = CLEAR_CHAT_HISTORY  # no earlier chat shows to this customer
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> response.HTTPResponse:
        """End the login on the server (every copy of the cookie stops working), then forget it.
        The login page it leads to says so, and only then tells this browser's other tabs (told
        earlier, a tab could reload while the login still held)."""
        resp = response.redirect("/login")
        login = auth.current_login(request)
        if login is not None and auth.csrf_ok(request):
            logins.end(login.session_id)
            resp = response.redirect(LOGGED_OUT)
            auth.forget_login(resp)
            # The widget keeps the conversation in the tab's storage: on a shared computer the
            # next person must not see it.
            resp.headers["Clear-Site-Data"] = CLEAR_CHAT_HISTORY
        return resp

    @app.post("/chat/typing")
    async def typing(request: Request) -> response.HTTPResponse:
        """The logged-in customer is typing: the agent holding their conversation sees 「客户正在输入…」."""
        login = auth.current_login(request)
        if login is None:
            return response.json({"error": texts.PLEASE_LOG_IN}, status=401)
        if not auth.csrf_ok(request):
            return response.json({"error": texts.PAGE_EXPIRED_LOGIN}, status=403)
        return response.json({"shown": services.handoffs.customer_typing(login.subject)})

    def socket_url(login: Optional[LoginClaim]) -> str:
        """The chat server's address for the widget, with a fresh chat token when logged in."""
        if login is None:
            return settings.public_rasa_url
        return settings.public_rasa_url + "/?token=" + issue_chat_token(settings.jwt_secret, login.subject,
                                                                        login.session_id)

    @app.get("/chat")
    async def chat(request: Request) -> response.HTTPResponse:
        login = auth.current_login(request)
        # A session cookie the server no longer honours: the login expired or ended elsewhere.
        expired = login is None and auth.had_login(request)
        return auth.page(request, "chat.html", socket_url=socket_url(login), login_expired=expired,
                         signed_out=request.args.get("signed_out") == "1",
                         message_delay=settings.widget_message_delay_ms,
                         support_hours=services.handoffs.support.current().describe())

    @app.get("/chat/token")
    async def chat_token(request: Request) -> response.HTTPResponse:
        """A fresh chat token for the widget of a page open longer than a token lives, while the
        website login (of the customer that page belongs to, `?for=`) still holds."""
        login = auth.current_login(request)
        if login is None:
            return response.json({"error": texts.LOGIN_EXPIRED, "login_url": LOGIN_AGAIN}, status=401, headers=NO_STORE)
        if request.args.get("for") != login.subject:  # another customer logged in since
            return response.json({"error": texts.SIGNED_IN_ELSEWHERE, "login_url": LOGIN_AGAIN}, status=409,
                                 headers=NO_STORE)
        return response.json({"socket_url": socket_url(login), "customer_id": login.subject}, headers=NO_STORE)
