"""The demo website: login, the chat page with the widget, and evidence uploads.

Run with `python -m bot.web` (port REFUND_WEB_PORT, default 8000).
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bot.backoffice.api import create_backoffice_api
from bot.billing.sql_adapter import SqlBillingAdapter
from bot.clock import utcnow
from bot.handoff import replies as handoff_replies
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.observability import metrics
from bot.policy.config import load_policy
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.security.passwords import verify_password
from bot.security.ratelimit import login_throttle, rate_limiter
from bot.security.tokens import (
    SESSION_TTL,
    LoginClaim,
    TokenError,
    issue_chat_token,
    issue_session_token,
    verify_session_token,
    verify_upload_token,
)
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.migrations import ensure_current
from bot.storage.schema import CustomerRow
from bot.tickets.lifecycle import FINAL_STATES
from bot.tickets.store import TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.uploads.store import ACCEPTED_EXTENSIONS, ALLOWED_DESCRIPTION, UploadRejected, UploadStore
from bot.web import cookies
from bot.web.console import create_console
from bot.web.cookies import NO_STORE, SECURITY_HEADERS, csrf_token, csrf_valid, new_csrf_nonce
from bot.web.rasa_client import RasaClient

WIDGET_BUNDLE = PROJECT_ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024  # every request body but the evidence upload's
SESSION_COOKIE = "site_session"
CSRF_COOKIE = "csrf"
# Clear-Site-Data value that empties the browser's storage for the site (the widget's chat history).
CLEAR_CHAT_HISTORY = '"storage"'
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))


def safe_next(target: Optional[str]) -> Optional[str]:
    """Where to go after logging in: a path on this site only (never 「//evil」 or 「/\\evil」,
    which browsers read as another host), else None."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\") or any(c in target for c in "\r\n"):
        return None
    return target[:500]


def create_app(settings: Settings, sessions: sessionmaker, name: str = "refund_site") -> Sanic:
    """Build the website for `settings` over the database `sessions`."""
    if not WIDGET_BUNDLE.exists():
        raise RuntimeError(f"chat widget bundle missing: {WIDGET_BUNDLE} (run `make setup`)")
    app = Sanic(name)
    # Every route buffers at most a small body before its handler runs; only the upload route
    # (streamed, after checking the login) accepts a full set of evidence files.
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    upload_body_limit = settings.upload_max_bytes * settings.upload_max_files + 1024 * 1024
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.config.PROXIES_COUNT = settings.trusted_proxies  # request.remote_addr honours X-Forwarded-For
    uploads = UploadStore(sessions, settings.upload_dir, settings.upload_max_bytes, settings.upload_max_files,
                          settings.upload_quota_bytes)
    rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    secure_cookies = settings.site_url.startswith("https://")
    message_delay = settings.widget_message_delay_ms
    login_throttle_ = login_throttle("site_login", settings)
    logins = LoginSessions(sessions)
    customer_csp = customer_page_policy(settings.public_rasa_url)
    upload_limit = rate_limiter("upload", settings.uploads_per_10_minutes, 600, settings.redis_url)
    app.static("/static/webchat.js", str(WIDGET_BUNDLE), content_type="application/javascript")
    app.static("/static/chat.js", str(STATIC / "chat.js"), content_type="application/javascript")
    app.static("/static/upload.js", str(STATIC / "upload.js"), content_type="application/javascript")
    workflow = TicketWorkflow(TicketStore(sessions), load_policy(settings.policy_file))
    handoffs = HandoffService(sessions, SupportSettings(settings.support_file))
    app.blueprint(create_backoffice_api(sessions, workflow))
    app.blueprint(create_console(TEMPLATES, sessions, settings, handoffs, workflow,
                                 SqlBillingAdapter(sessions), rasa, uploads, logins))

    @app.after_server_start
    async def start_sweeper(app_: Sanic, _loop) -> None:
        app_.add_task(expire_unclaimed_handoffs(handoffs, rasa, settings.handoff_sweep_seconds))

    def current_login(request: Request) -> Optional[LoginClaim]:
        """The customer's login from the session cookie, if the server still holds it (looked
        up once per request: pages, CSRF checks and uploads all ask)."""
        if not hasattr(request.ctx, "login"):
            try:
                claim = verify_session_token(request.cookies.get(SESSION_COOKIE), settings.jwt_secret)
                live = logins.is_live(claim.session_id, LoginKind.CUSTOMER, claim.subject)
            except TokenError:
                claim, live = None, False
            request.ctx.login = claim if live else None
        return request.ctx.login

    def current_customer(request: Request) -> Optional[CustomerRow]:
        claim = current_login(request)
        if claim is None:
            return None
        with sessions() as db:
            return db.get(CustomerRow, claim.subject)

    def render(request: Request, template: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        nonce = request.cookies.get(CSRF_COOKIE) or new_csrf_nonce()
        login = current_login(request)
        csrf = csrf_token(settings.jwt_secret, nonce, login.session_id if login else None)
        html = TEMPLATES.get_template(template).render(csrf=csrf, customer=current_customer(request), **context)
        resp = response.html(html, status=status, headers={**SECURITY_HEADERS, **NO_STORE,
                                                           "Content-Security-Policy": customer_csp})
        set_cookie(resp, CSRF_COOKIE, nonce)
        return resp

    def set_cookie(resp: response.HTTPResponse, key: str, value: str, max_age: Optional[int] = None) -> None:
        cookies.set_cookie(resp, key, value, secure=secure_cookies, samesite="Lax", path="/", max_age=max_age)

    def csrf_ok(request: Request) -> bool:
        login = current_login(request)
        return csrf_valid(settings.jwt_secret, request.form.get("csrf") if request.form else None,
                          request.cookies.get(CSRF_COOKIE), login.session_id if login else None)

    @app.get("/")
    async def index(request: Request) -> response.HTTPResponse:
        return response.redirect("/chat" if current_customer(request) else "/login")

    @app.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        """Liveness: the process answers."""
        return response.json({"status": "ok"})

    @app.get("/ready")
    async def ready(request: Request) -> response.HTTPResponse:
        """Readiness: the database answers and its schema is current."""
        try:
            with sessions() as session:
                session.execute(text("SELECT 1"))
            ensure_current(sessions.kw["bind"])
        except Exception as exc:  # any failure means: do not route traffic here
            return response.json({"status": "unavailable", "reason": type(exc).__name__}, status=503)
        return response.json({"status": "ready"})

    metrics_registry = metrics.database_registry(sessions)

    @app.get("/metrics")
    async def prometheus(request: Request) -> response.HTTPResponse:
        """Prometheus metrics (internal port; the public proxy does not forward this path)."""
        return response.raw(metrics.render(metrics_registry), content_type=metrics.CONTENT_TYPE)

    @app.on_request
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def record(request: Request, resp: response.HTTPResponse) -> None:
        route = request.route.path if request.route else "unmatched"
        metrics.HTTP_REQUESTS.labels(route=route, status=f"{resp.status // 100}xx").inc()
        started = getattr(request.ctx, "started", None)
        if started is not None:
            metrics.HTTP_SECONDS.labels(route=route).observe(time.perf_counter() - started)

    @app.get("/login")
    async def login_page(request: Request) -> response.HTTPResponse:
        return render(request, "login.html", next=safe_next(request.args.get("next")))

    @app.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        if not csrf_ok(request):
            return render(request, "login.html", status=400, error="页面已过期，请刷新后重新登录。",
                          next=safe_next(request.args.get("next")))
        customer_id = (request.form.get("customer_id") or "").strip()[:32]
        password = request.form.get("password") or ""
        address = request.remote_addr or request.ip
        if login_throttle_.blocked(customer_id, address):
            return render(request, "login.html", status=429, error="登录失败次数过多，请 10 分钟后再试。",
                          customer_id=customer_id, next=safe_next(request.args.get("next")))
        with sessions() as db:
            customer = db.get(CustomerRow, customer_id) if customer_id else None
            valid = customer is not None and verify_password(password, customer.password_hash)
        if not valid:
            login_throttle_.failed(customer_id, address)
            return render(request, "login.html", status=401, error="账号或密码不正确。", customer_id=customer_id,
                          next=safe_next(request.args.get("next")))
        resp = response.redirect(safe_next(request.args.get("next")) or "/chat")
        previous = current_login(request)
        if previous is not None:  # logging in over another login ends that one
            logins.end(previous.session_id)
        session_id = logins.start(LoginKind.CUSTOMER, customer_id, SESSION_TTL)
        set_cookie(resp, SESSION_COOKIE, issue_session_token(settings.jwt_secret, customer_id, session_id))
        set_cookie(resp, CSRF_COOKIE, new_csrf_nonce())
        resp.headers["Clear-Site-Data"] = CLEAR_CHAT_HISTORY  # no earlier chat shows to this customer
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> response.HTTPResponse:
        """End the login on the server (every copy of the cookie stops working), then forget it."""
        resp = response.redirect("/login")
        login = current_login(request)
        if login is not None and csrf_ok(request):
            logins.end(login.session_id)
            set_cookie(resp, SESSION_COOKIE, "", max_age=0)
            # The widget keeps the conversation in the tab's storage: on a shared computer the
            # next person must not see it.
            resp.headers["Clear-Site-Data"] = CLEAR_CHAT_HISTORY
        return resp

    @app.get("/chat")
    async def chat(request: Request) -> response.HTTPResponse:
        login = current_login(request)
        socket_url = settings.public_rasa_url
        if login is not None:
            socket_url += "/?token=" + issue_chat_token(settings.jwt_secret, login.subject, login.session_id)
        return render(request, "chat.html", socket_url=socket_url, message_delay=message_delay)

    def upload_context(request: Request, token: str):
        """(grant, error page) for an upload link: it must belong to the logged-in customer."""
        customer = current_customer(request)
        if customer is None:
            return None, response.redirect(f"/login?next=/upload/{token}")
        try:
            grant = verify_upload_token(token, settings.jwt_secret)
        except TokenError:
            return None, render(request, "upload.html", status=403, error="上传链接无效或已过期，请回到聊天窗口重新获取。")
        if grant.customer_id != customer.customer_id:
            return None, render(request, "upload.html", status=403, error="该上传链接不属于当前登录的账号。")
        if grant.ticket_id:
            ticket = workflow.store.get(grant.customer_id, grant.ticket_id)
            if ticket is None or ticket.status in FINAL_STATES:
                return None, render(request, "upload.html", status=403,
                                    error="该工单已结束（已撤回、已退款或申诉已结束），不能再上传材料。如有新的问题，请回到聊天窗口咨询。")
        return grant, None

    def upload_page(request: Request, grant, status: int = 200, **context: Any) -> response.HTTPResponse:
        return render(request, "upload.html", status=status, grant=grant, allowed=ALLOWED_DESCRIPTION,
                      accept=ACCEPTED_EXTENSIONS,
                      max_mb=settings.upload_max_bytes // (1024 * 1024), max_files=settings.upload_max_files,
                      existing=uploads.for_conversation(grant.customer_id, grant.conversation_id), **context)

    @app.get("/upload/<token>")
    async def upload_form(request: Request, token: str) -> response.HTTPResponse:
        grant, error = upload_context(request, token)
        return error or upload_page(request, grant)

    @app.post("/upload/<token>", stream=True)
    async def upload(request: Request, token: str) -> response.HTTPResponse:
        # A streamed route: the body is read only once the login and the link are checked,
        # and only here may it be as large as a full set of evidence files.
        grant, error = upload_context(request, token)
        if error:
            return error
        if request.stream is not None:  # always set on a streamed route
            request.stream.request_max_size = upload_body_limit
        try:
            await request.receive_body()
        except PayloadTooLarge:
            return upload_page(request, grant, status=413,
                               error=f"上传内容过大：一次最多 {settings.upload_max_files} 个文件、每个不超过 "
                                     f"{settings.upload_max_bytes // (1024 * 1024)} MB。")
        if not csrf_ok(request):
            return upload_page(request, grant, status=400, error="页面已过期，请刷新后重新上传。")
        if not upload_limit.allow(f"customer:{grant.customer_id}"):
            return upload_page(request, grant, status=429, error="上传过于频繁，请稍后再试。")
        files = request.files.getlist("files") if request.files else []
        files = [f for f in (files or []) if f.name]
        if not files:
            return upload_page(request, grant, status=400, error="请先选择要上传的文件。")
        accepted, rejected = [], []
        for file in files:
            try:
                accepted.append(uploads.save(grant, file.name, file.body, utcnow()))
            except UploadRejected as exc:
                rejected.append(exc.message)
        logging.getLogger(__name__).info("upload: %d accepted, %d rejected", len(accepted), len(rejected),
                                         extra={"conversation_id": grant.conversation_id,
                                                "customer_id": grant.customer_id, "ticket_id": grant.ticket_id})
        if accepted:
            names = "、".join(f.filename for f in accepted)
            await rasa.push_bot_message(grant.conversation_id, f"已收到您上传的 {len(accepted)} 个文件：{names}。")
        return upload_page(request, grant, status=200 if accepted else 400, accepted=accepted, rejected=rejected)

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


async def expire_unclaimed_handoffs(handoffs: HandoffService, rasa: RasaClient, period: float) -> None:
    """Every few seconds: customers nobody claimed in time get an apology, the bot back, and
    the offer to leave a message or book a call-back."""
    while True:
        try:
            for handoff in handoffs.expire_unclaimed():
                await rasa.push_bot_message(handoff.conversation_id, handoff_replies.nobody_free(),
                                            buttons=handoff_replies.LEAVE_MESSAGE_BUTTONS, resume=True)
        except Exception:  # keep sweeping; a failed round is retried next period
            logging.getLogger(__name__).exception("handoff sweep failed")
        await asyncio.sleep(period)
