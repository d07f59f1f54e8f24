"""The agent console: staff log in, watch the queue, claim a conversation, chat with the customer
in their widget, keep internal notes, act on the linked ticket, hand back or close.

The browser only talks to this server; only the server holds the Rasa token. Every POST needs
the CSRF token (X-CSRF-Token header or form field), an HMAC of the browser's nonce cookie and
the staff member's login (bot.web.cookies.csrf_token)."""
from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice.api import run_action
from bot.backoffice.serialize import ticket_json
from bot.backoffice.staff import Staff, StaffDirectory
from bot.billing.adapter import BillingAdapter
from bot.clock import format_customer_time
from bot.handoff import replies as handoff_replies
from bot.handoff.service import Handoff, HandoffService
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.security.ratelimit import login_throttle
from bot.security.tokens import CONSOLE_TTL, LoginClaim, TokenError, issue_console_token, verify_console_token
from bot.settings import Settings
from bot.storage.schema import CustomerRow
from bot.tickets.workflow import TicketWorkflow
from bot.uploads.store import EXTENSIONS, UploadStore
from bot.web.cookies import NO_STORE, SECURITY_HEADERS, csrf_token, csrf_valid, new_csrf_nonce, set_cookie
from bot.web.rasa_client import RasaClient

COOKIE = "console_session"
ROLE_LABELS = {"agent": "客服", "reviewer": "审核员"}
CSRF = "console_csrf"
CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
CANNED_REPLIES = [
    "您好，我是人工客服，已经看到您之前和智能助手的对话，我来帮您处理。",
    "请稍等，我正在核实您的订单和账单信息。",
    "您的退款申请已经加急处理，审核结果会第一时间通知您。",
    "还有其他需要帮忙的吗？",
]


def create_console(templates, sessions, settings: Settings, handoffs: HandoffService,
                   workflow: TicketWorkflow, billing: BillingAdapter, rasa: RasaClient,
                   uploads: UploadStore, logins: LoginSessions) -> Blueprint:
    console = Blueprint("console", url_prefix="/console")
    staff_directory = StaffDirectory(sessions)
    secret, secure_cookies = settings.jwt_secret, settings.site_url.startswith("https://")
    throttle = login_throttle("console_login", settings)

    def current_login(request: Request) -> Optional[LoginClaim]:
        """The staff login from the console cookie, if the server still holds it (looked up
        once per request: the guard, the CSRF check and the page all ask)."""
        if not hasattr(request.ctx, "staff_login"):
            try:
                claim = verify_console_token(request.cookies.get(COOKIE), secret)
                live = logins.is_live(claim.session_id, LoginKind.STAFF, claim.subject)
            except TokenError:
                claim, live = None, False
            request.ctx.staff_login = claim if live else None
        return request.ctx.staff_login

    def current_staff(request: Request) -> Optional[Staff]:
        claim = current_login(request)
        return staff_directory.get(claim.subject) if claim else None

    def cookie(resp: response.HTTPResponse, key: str, value: str, max_age: Optional[int] = None) -> None:
        set_cookie(resp, key, value, secure=secure_cookies, samesite="Strict", path="/console", max_age=max_age)

    def page(request: Request, template: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        nonce = request.cookies.get(CSRF) or new_csrf_nonce()
        login = current_login(request)
        csrf = csrf_token(secret, nonce, login.session_id if login else None)
        html = templates.get_template(template).render(csrf=csrf, staff=current_staff(request), **context)
        resp = response.html(html, status=status, headers={**SECURITY_HEADERS, **NO_STORE,
                                                           "Content-Security-Policy": CSP})
        cookie(resp, CSRF, nonce)
        return resp

    def csrf_ok(request: Request) -> bool:
        sent = request.headers.get("x-csrf-token") or (request.form.get("csrf") if request.form else None)
        login = current_login(request)
        return csrf_valid(secret, sent, request.cookies.get(CSRF), login.session_id if login else None)

    def guard(request: Request, need_csrf: bool = False, role: Optional[str] = None):
        """(staff, None) if the request may proceed, else (None, the refusal)."""
        staff = current_staff(request)
        if staff is None:
            return None, response.json({"error": "please log in"}, status=401)
        if need_csrf and not csrf_ok(request):
            return None, response.json({"error": "missing or wrong CSRF token"}, status=403)
        if role is not None and not staff.has(role):
            return None, response.json({"error": f"{ROLE_LABELS[role]}角色才能进行这个操作。"}, status=403)
        return staff, None

    def body_text(request: Request, key: str, limit: int = 2000) -> str:
        data = request.json if isinstance(request.json, dict) else {}
        value = data.get(key, "")
        return value.strip()[:limit] if isinstance(value, str) else ""

    @console.get("/login")
    async def login_page(request: Request) -> response.HTTPResponse:
        return page(request, "console_login.html")

    @console.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        if not csrf_ok(request):
            return page(request, "console_login.html", status=400, error="页面已过期，请刷新后重试。")
        staff_id, address = (request.form.get("staff_id") or "").strip()[:32], request.remote_addr or request.ip
        if throttle.blocked(staff_id, address):
            return page(request, "console_login.html", status=429, error="登录失败次数过多，请 10 分钟后再试。")
        staff = staff_directory.by_password(staff_id, request.form.get("password") or "")
        if staff is None:
            throttle.failed(staff_id, address)
            return page(request, "console_login.html", status=401, error="工号或密码不正确。")
        previous = current_login(request)
        if previous is not None:
            logins.end(previous.session_id)
        resp = response.redirect("/console")
        session_id = logins.start(LoginKind.STAFF, staff.staff_id, CONSOLE_TTL)
        cookie(resp, COOKIE, issue_console_token(secret, staff.staff_id, session_id))
        cookie(resp, CSRF, new_csrf_nonce())
        return resp

    @console.post("/logout")
    async def logout(request: Request) -> response.HTTPResponse:
        """End the login on the server (every copy of the cookie stops working), then forget it."""
        resp = response.redirect("/console/login")
        login = current_login(request)
        if login is not None and csrf_ok(request):
            logins.end(login.session_id)
            cookie(resp, COOKIE, "", max_age=0)
        return resp

    @console.get("/")
    async def queue_page(request: Request) -> response.HTTPResponse:
        if current_staff(request) is None:
            return response.redirect("/console/login")
        return page(request, "console_queue.html", surveys=handoffs.surveys(20))

    @console.get("/handoffs/<handoff_id:int>")
    async def conversation_page(request: Request, handoff_id: int) -> response.HTTPResponse:
        if current_staff(request) is None:
            return response.redirect("/console/login")
        if handoffs.get(handoff_id) is None:
            return page(request, "console_queue.html", status=404, error="没有这个会话。", surveys=[])
        return page(request, "console_conversation.html", handoff_id=handoff_id, canned=CANNED_REPLIES)

    @console.get("/api/queue")
    async def queue(request: Request) -> response.HTTPResponse:
        staff, denied = guard(request)
        if denied:
            return denied
        now = handoffs.clock()
        return response.json({"handoffs": [_queue_item(h, sessions, now) for h in handoffs.queue()]})

    @console.post("/api/handoffs/<handoff_id:int>/claim")
    async def claim(request: Request, handoff_id: int) -> response.HTTPResponse:
        staff, denied = guard(request, need_csrf=True, role="agent")
        if denied:
            return denied
        if not handoffs.claim(handoff_id, staff.staff_id):
            return response.json({"error": "这个会话已被其他客服接入或已结束。"}, status=409)
        handoff = handoffs.get(handoff_id)
        if handoff is None:
            return response.json({"error": "这个会话已结束。"}, status=409)
        await rasa.push_bot_message(handoff.conversation_id,
                                    f"{handoff_replies.agent_prefix(staff.name)}您好，我已接入会话，正在查看您的情况。",
                                    metadata={"agent_id": staff.staff_id})
        return response.json({"ok": True})

    @console.get("/api/handoffs/<handoff_id:int>")
    async def detail(request: Request, handoff_id: int) -> response.HTTPResponse:
        staff, denied = guard(request)
        if denied:
            return denied
        handoff = handoffs.get(handoff_id)
        if handoff is None:
            return response.json({"error": "没有这个会话。"}, status=404)
        tracker = await rasa.tracker(handoff.conversation_id)
        return response.json({
            "handoff": _handoff_json(handoff), "transcript": transcript(tracker.get("events", [])),
            "customer": _customer_panel(handoff, sessions, billing, workflow, handoffs),
            "ticket": ticket_json(t) if (t := workflow.store.get_for_staff(handoff.ticket_id or "")) else None,
            "can_review": staff.has("reviewer"), "mine": handoff.agent_id == staff.staff_id,
            "uploads": [{"id": u.upload_id, "filename": u.filename, "content_type": u.content_type, "size": u.size,
                         "url": f"/console/uploads/{u.upload_id}"}
                        for u in uploads.for_conversation_or_ticket(handoff.conversation_id, handoff.ticket_id)],
        })

    @console.get("/uploads/<upload_id:int>")
    async def evidence_file(request: Request, upload_id: int) -> response.HTTPResponse:
        """An evidence file, for staff only, as a download that the browser will not run."""
        staff, denied = guard(request)
        if denied:
            return denied
        upload = uploads.get(upload_id)
        if upload is None:
            return response.json({"error": "文件不存在，或已按数据保留期限删除。"}, status=404)
        path = uploads.path_for(upload.sha256)
        if not path.is_file():
            return response.json({"error": "文件已不在存储中。"}, status=410)
        return await response.file(path, mime_type=upload.content_type,
                                   headers=evidence_headers(upload.filename, upload.content_type))

    @console.post("/api/handoffs/<handoff_id:int>/reply")
    async def reply(request: Request, handoff_id: int) -> response.HTTPResponse:
        staff, denied = guard(request, need_csrf=True, role="agent")
        if denied:
            return denied
        handoff = handoffs.get(handoff_id)
        text = body_text(request, "text")
        if handoff is None or handoff.status != "active" or handoff.agent_id != staff.staff_id:
            return response.json({"error": "请先接入这个会话。"}, status=409)
        if not text:
            return response.json({"error": "回复内容不能为空。"}, status=422)
        ok = await rasa.push_bot_message(handoff.conversation_id,
                                         handoff_replies.agent_prefix(staff.name) + text,
                                         metadata={"agent_id": staff.staff_id, "agent_name": staff.name})
        return response.json({"ok": ok}, status=200 if ok else 502)

    @console.post("/api/handoffs/<handoff_id:int>/note")
    async def note(request: Request, handoff_id: int) -> response.HTTPResponse:
        staff, denied = guard(request, need_csrf=True, role="agent")
        if denied:
            return denied
        text = body_text(request, "text")
        if handoffs.get(handoff_id) is None:
            return response.json({"error": "没有这个会话。"}, status=404)
        if not text:
            return response.json({"error": "备注不能为空。"}, status=422)
        handoffs.add_note(handoff_id, staff.staff_id, text)
        return response.json({"ok": True})

    async def finish(request: Request, handoff_id: int, outcome: str) -> response.HTTPResponse:
        staff, denied = guard(request, need_csrf=True, role="agent")
        if denied:
            return denied
        handoff = handoffs.finish(handoff_id, staff.staff_id, outcome)
        if handoff is None:
            return response.json({"error": "只能结束自己正在接待的会话。"}, status=409)
        if outcome == "handed_back":
            # The assistant takes over, offering to resume a refund application the handoff interrupted.
            await rasa.resume_with_action(handoff.conversation_id, "action_offer_resume", handoff_replies.HANDED_BACK)
        else:
            await rasa.push_bot_message(handoff.conversation_id, "本次人工服务已结束，感谢您的耐心。", resume=True)
            await rasa.push_bot_message(handoff.conversation_id, handoff_replies.SURVEY_QUESTION,
                                        buttons=handoff_replies.SURVEY_BUTTONS)
        return response.json({"ok": True})

    @console.post("/api/handoffs/<handoff_id:int>/handback")
    async def handback(request: Request, handoff_id: int) -> response.HTTPResponse:
        return await finish(request, handoff_id, "handed_back")

    @console.post("/api/handoffs/<handoff_id:int>/close")
    async def close(request: Request, handoff_id: int) -> response.HTTPResponse:
        return await finish(request, handoff_id, "closed")

    @console.post("/api/tickets/<ticket_id>/<action>")
    async def ticket_action(request: Request, ticket_id: str, action: str) -> response.HTTPResponse:
        staff, denied = guard(request, need_csrf=True)
        if denied:
            return denied
        body = request.json if isinstance(request.json, dict) else {}
        return run_action(workflow, ticket_id, action, staff, body)

    return console


def safe_download_name(filename: str, content_type: str) -> str:
    """The customer's file name with the extension of the type its content was detected as
    (「截图.html」 that is really a PNG downloads as 「截图.png」): the saved file never opens
    as something it is not."""
    stem = PurePosixPath(filename.replace("\\", "/")).name.rsplit(".", 1)[0].strip(" .") or "evidence"
    return stem[:100] + EXTENSIONS.get(content_type, ".bin")


def evidence_headers(filename: str, content_type: str) -> Dict[str, str]:
    """Serve customer files inertly: always a download, never sniffed, framed or run."""
    name = safe_download_name(filename, content_type)
    return {**SECURITY_HEADERS,
            "Content-Disposition": f"attachment; filename=\"evidence{EXTENSIONS.get(content_type, '.bin')}\"; "
                                   f"filename*=UTF-8''{quote(name, safe='')}",
            "Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "private, no-store",
            "Cross-Origin-Resource-Policy": "same-origin", "X-Content-Type-Options": "nosniff"}


def transcript(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Customer, assistant and agent messages told apart (texts are escaped by the page)."""
    lines = []
    for event in events:
        if event.get("event") == "user" and event.get("text"):
            text = event["text"]
            if text == "/greet":
                continue  # the widget's silent opening payload
            if text.startswith("/"):
                text = f"（点选按钮）{text}"
            lines.append({"who": "customer", "text": text, "at": event.get("timestamp")})
        elif event.get("event") == "bot" and event.get("text"):
            agent = (event.get("metadata") or {}).get("agent_id")
            lines.append({"who": "agent" if agent else "assistant", "text": event["text"],
                          "at": event.get("timestamp")})
    return lines[-200:]


def _handoff_json(h: Handoff) -> Dict[str, Any]:
    return {"id": h.id, "conversation_id": h.conversation_id, "customer_id": h.customer_id, "reason": h.reason,
            "ticket_id": h.ticket_id, "summary": h.summary, "status": h.status, "agent_id": h.agent_id,
            "kind": h.kind, "message": h.message, "callback_phone": h.callback_phone,
            "created_at": h.created_at.isoformat(), "notes": h.notes}


def _queue_item(h: Handoff, sessions, now: datetime) -> Dict[str, Any]:
    with sessions() as session:
        customer = session.get(CustomerRow, h.customer_id) if h.customer_id else None
    return {**_handoff_json(h), "customer_name": customer.name if customer else "访客",
            "waiting_seconds": int((now - h.created_at).total_seconds()),
            "created_local": format_customer_time(h.created_at)}


def _customer_panel(h: Handoff, sessions, billing: BillingAdapter, workflow: TicketWorkflow,
                    handoffs: HandoffService) -> Dict[str, Any]:
    if not h.customer_id:
        return {"name": "访客（未登录）", "orders": [], "tickets": [], "handoffs": []}
    with sessions() as session:
        customer = session.get(CustomerRow, h.customer_id)
    return {
        "name": customer.name if customer else h.customer_id, "customer_id": h.customer_id,
        "orders": [{"order_id": o.order_id, "product": o.product_name, "mode": o.billing_mode,
                    "paid": f"{o.primary_payment.amount:.2f}" if o.primary_payment else "0.00", "status": o.status}
                   for o in billing.orders_for(h.customer_id)],
        "tickets": [{"ticket_id": t.ticket_id, "status": t.status_label, "order_id": t.order_id,
                     "amount": f"{t.quoted_amount:.2f}"} for t in workflow.store.for_customer(h.customer_id)],
        "handoffs": [{"id": x.id, "status": x.status, "reason": x.reason, "at": format_customer_time(x.created_at)}
                     for x in handoffs.for_customer(h.customer_id) if x.id != h.id],
    }
