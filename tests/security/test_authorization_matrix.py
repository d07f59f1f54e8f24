"""Who may use what: every HTTP route of the website (site, agent console, back-office API)
and every custom action, for each role: guest, customer, other customer, agent, reviewer,
manager (主管: works tickets as a reviewer, and alone approves above the limit), operator, and an
operator with the transcripts grant.

A route or action without a row in the matrix fails the test, so new ones get one."""
from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

import pytest
from sanic import Sanic
from sqlalchemy import select

from bot.clock import utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.mail.links import APPLY, MailLinks
from bot.mail.store import MailStore
from bot.nlu.review_inbox import ReviewInbox
from bot.security.identity import sign_identity
from bot.security.tokens import UploadGrant, issue_upload_token
from bot.settings import PROJECT_ROOT
from bot.storage.schema import HandoffRow, TicketEventRow, TicketRow
from bot.storage.seed import DEMO_ORDERS, demo_order
from bot.uploads.store import UploadStore
from bot.vocabulary import MailOutcome
from harness.servers import ACTION_HEADER, ACTION_TOKEN, JWT_SECRET, TOKEN, free_port, wait_for

ROLES = ("guest", "customer", "other_customer", "agent", "reviewer", "manager", "operator", "granted_operator")
ALL: FrozenSet[str] = frozenset(ROLES)
STAFF = frozenset({"agent", "reviewer", "manager", "operator", "granted_operator"})
CUSTOMER = frozenset({"customer"})  # the owner of the resource (c1001); other_customer is c1002
AGENT = frozenset({"agent"})
REVIEWER = frozenset({"reviewer", "manager"})  # a manager works tickets as a reviewer too
OPERATOR = frozenset({"operator", "granted_operator"})
# Full conversations and evidence files: agents and reviewers for their work; an operator only
# with the transcripts grant (o2), else they see the masked dashboard and review inbox alone.
CONVERSATIONS = frozenset({"agent", "reviewer", "manager", "granted_operator"})
CREDENTIALS = {"customer": ("c1001", "demo123"), "other_customer": ("c1002", "demo123"),
               "agent": ("a1", "staff123"), "reviewer": ("r1", "staff123"), "manager": ("m1", "staff123"),
               "operator": ("o1", "staff123"), "granted_operator": ("o2", "staff123")}

# (method, route as the app names it) -> roles that get past authorisation. Everything else
# must be refused (401/403, or sent to a login page).
HTTP_MATRIX: Dict[Tuple[str, str], FrozenSet[str]] = {
    ("GET", "/"): frozenset({"customer", "other_customer"}),  # to the chat; everyone else to the login
    ("GET", "/health"): ALL,
    ("GET", "/ready"): ALL,
    ("GET", "/metrics"): ALL,  # internal port only: the public proxy answers 404 (tests/deploy)
    ("GET", "/static/webchat.js"): ALL,
    ("GET", "/static/chat.js"): ALL,
    ("GET", "/static/upload.js"): ALL,
    ("GET", "/static/session.js"): ALL,
    ("GET", "/static/refunds.js"): ALL,
    ("GET", "/static/site.css"): ALL,
    ("GET", "/login"): ALL,
    ("POST", "/login"): ALL,  # the authentication endpoints themselves: see AUTH_ENDPOINTS
    ("POST", "/logout"): ALL,
    ("GET", "/chat"): ALL,  # guests chat as guests: policy questions only
    ("GET", "/contact"): ALL,  # leaving a message works for guests too (they give a number)
    ("POST", "/contact"): ALL,
    ("GET", "/upload/<token:str>"): CUSTOMER,
    ("POST", "/upload/<token:str>"): CUSTOMER,
    # 「我的退款」 and 「申请退款」: every customer has their own; a ticket (and its files) only its owner.
    ("GET", "/refunds"): frozenset({"customer", "other_customer"}),
    ("GET", "/refunds/apply"): frozenset({"customer", "other_customer"}),
    ("POST", "/refunds/apply"): frozenset({"customer", "other_customer"}),
    ("POST", "/refunds/apply/confirm"): frozenset({"customer", "other_customer"}),
    ("GET", "/refunds/<ticket_id:str>"): CUSTOMER,
    ("GET", "/refunds/<ticket_id:str>/files/<upload_id:int>"): CUSTOMER,
    ("POST", "/refunds/<ticket_id:str>/supplement"): CUSTOMER,
    ("POST", "/refunds/<ticket_id:str>/appeal"): CUSTOMER,
    ("POST", "/refunds/<ticket_id:str>/withdraw"): CUSTOMER,
    ("POST", "/refunds/<ticket_id:str>/chase"): CUSTOMER,
    # A one-time link mailed to a registered address: only its customer, logged in, may open it.
    ("GET", "/mail/link/<token:str>"): CUSTOMER,
    ("GET", "/console/login"): ALL,
    ("POST", "/console/login"): ALL,
    ("POST", "/console/logout"): ALL,
    ("GET", "/console"): CONVERSATIONS,
    ("GET", "/console/handoffs/<handoff_id:int>"): CONVERSATIONS,
    ("GET", "/console/api/queue"): CONVERSATIONS,
    ("GET", "/console/api/stream"): CONVERSATIONS,
    ("GET", "/console/history"): CONVERSATIONS,
    # A conversation's transcript by its id (the dashboard's and the NLU inbox's links).
    ("GET", "/console/conversations/<conversation_id:str>"): CONVERSATIONS,
    # A received e-mail whole, and its original: it is a customer's conversation.
    ("GET", "/console/mail/<mail_id:int>"): CONVERSATIONS,
    ("GET", "/console/mail/<mail_id:int>/raw"): CONVERSATIONS,
    ("POST", "/chat/typing"): frozenset({"customer", "other_customer"}),  # marks only their own conversation
    ("GET", "/chat/token"): frozenset({"customer", "other_customer"}),  # a fresh chat token for their own login only
    ("GET", "/console/api/handoffs/<handoff_id:int>"): CONVERSATIONS,
    ("GET", "/console/uploads/<upload_id:int>"): CONVERSATIONS,
    ("POST", "/console/api/handoffs/<handoff_id:int>/claim"): AGENT,
    ("POST", "/console/api/handoffs/<handoff_id:int>/reply"): AGENT,
    ("POST", "/console/api/handoffs/<handoff_id:int>/note"): AGENT,
    ("POST", "/console/api/handoffs/<handoff_id:int>/typing"): AGENT,
    ("POST", "/console/api/handoffs/<handoff_id:int>/handback"): AGENT,
    ("POST", "/console/api/handoffs/<handoff_id:int>/close"): AGENT,
    ("POST", "/console/api/handoffs/<handoff_id:int>/ticket"): CONVERSATIONS,
    ("POST", "/console/api/handoffs/<handoff_id:int>/<move:transfer|takeover>"): CONVERSATIONS,
    # Messages and call-backs left for the agents: take, record a call, reply, close.
    ("POST", "/console/api/handoffs/<handoff_id:int>/item/<step:take|call|reply|close>"): AGENT,
    ("POST", "/console/api/tickets/<ticket_id:str>/<action:str>"): REVIEWER,
    ("GET", "/console/tickets"): REVIEWER,
    ("GET", "/console/tickets/<ticket_id:str>"): REVIEWER,
    ("POST", "/console/tickets/<ticket_id:str>/<action:str>"): REVIEWER,
    ("POST", "/console/tickets/bulk-approve"): REVIEWER,
    ("GET", "/console/nlu"): OPERATOR,
    ("POST", "/console/nlu/<item_id:int>/<decision:label|dismiss>"): OPERATOR,
    ("GET", "/console/nlu/export.yml"): OPERATOR,
    ("GET", "/console/dashboard"): OPERATOR,
    ("GET", "/console/dashboard/csv/<key:[a-z_]+>"): OPERATOR,
    # Agents see a customer's tickets in the conversations they handle, not the whole back office.
    ("GET", "/api/backoffice/tickets"): REVIEWER,
    ("GET", "/api/backoffice/tickets/<ticket_id:str>"): REVIEWER,
    ("POST", "/api/backoffice/tickets/<ticket_id:str>/<action:str>"): REVIEWER,
}


# Logging in and out is for everyone; a 401 there means wrong credentials, not "forbidden".
AUTH_ENDPOINTS = {("POST", "/login"), ("POST", "/logout"), ("POST", "/console/login"), ("POST", "/console/logout")}
# A customer's own ticket: another customer gets the answer an unknown ticket gets (404), which
# says nothing about whether it exists.
OWNED_BY_A_CUSTOMER = {route for route in HTTP_MATRIX if route[1].startswith("/refunds/<ticket_id")}


def app_routes() -> set:
    from bot.settings import load_settings
    from bot.storage.database import make_engine, session_factory
    from bot.web.app import create_app
    from bot.wiring import build_services

    Sanic.test_mode = True
    app = create_app(build_services(load_settings(), session_factory(make_engine("sqlite://"))), name="matrix_probe")
    return {(method, "/" + route.path.strip("/")) for route in app.router.routes
            for method in route.methods if method in ("GET", "POST")}


def test_every_route_has_a_row_in_the_matrix():
    assert app_routes() == set(HTTP_MATRIX)


class Visitor:
    """One role's browser: cookies, CSRF token and (staff) bearer token."""

    def __init__(self, site_url: str, role: str) -> None:
        self.site_url, self.role = site_url, role
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.bearer: Optional[str] = None
        self.tokens: Dict[str, str] = {}
        if role in ("customer", "other_customer"):
            self.login("/login", {"customer_id": CREDENTIALS[role][0], "password": CREDENTIALS[role][1]}, "/chat")
        elif role in STAFF:
            self.login("/console/login", {"staff_id": CREDENTIALS[role][0], "password": CREDENTIALS[role][1]},
                        "/console")
            self.bearer = f"dev-token-{CREDENTIALS[role][0]}"
        self.request("GET", "/chat")  # a token for the site as well
        self.request("GET", "/console/login")

    def csrf(self, path: str = "/") -> str:
        """The CSRF token the last page of that area (site or console) carried: it is bound to
        the browser's nonce cookie and its login."""
        return self.tokens.get("console" if path.startswith("/console") else "site", "")

    def login(self, path: str, form: Dict[str, str], landing: str) -> None:
        self.request("GET", path)
        status, _, _ = self.request("POST", path, form={**form, "csrf": self.csrf(path)})
        assert status == 302, f"{self.role} could not log in"
        self.request("GET", landing)  # the login changed the CSRF token: read the new one

    def request(self, method: str, path: str, form: Optional[Dict[str, str]] = None,
                body: Optional[dict] = None) -> Tuple[int, str, Message]:
        headers = {"X-CSRF-Token": self.csrf(path)}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif method == "POST":
            data = json.dumps(body or {}).encode()
            headers["Content-Type"] = "application/json"
        if self.bearer and path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.bearer}"
            headers["Idempotency-Key"] = f"matrix-{self.role}-{path}"
        request = urllib.request.Request(self.site_url + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                # A live stream (the console's server-sent events) never ends: its first line will do.
                streamed = response.headers.get_content_type() == "text/event-stream"
                raw = response.readline() if streamed else response.read()
                status, text, received = response.status, raw.decode("utf-8", "replace"), response.headers
        except urllib.error.HTTPError as exc:
            status, text, received = exc.code, exc.read().decode("utf-8", "replace"), exc.headers
        token = re.search(r'name="csrf(?:-token)?" (?:value|content)="([^"]+)"', text)
        if token:
            self.tokens["console" if path.startswith("/console") else "site"] = token.group(1)
        return status, text, received


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def refused(status: int, headers: Message, owned: bool = False) -> bool:
    """401/403, or a redirect to a login page (or, for a customer's own ticket, 404)."""
    location = headers.get("Location", "")
    return status in (401, 403) or (status in (301, 302, 303) and "login" in location) or (owned and status == 404)


@pytest.fixture(scope="module")
def resources(stack):
    """A waiting handoff and an upload link of customer c1001, and one of c1001's tickets."""
    from bot.storage.seed import seed_demo
    from harness.servers import write_support

    seed_demo(stack.sessions, reset=True)
    write_support(stack.support_file)
    handoffs = HandoffService(stack.sessions, SupportSettings(stack.support_file))
    queued = handoffs.request("matrix-conversation", "c1001", "requested", None, {"customer_said": ["你好"]})
    with stack.sessions() as db:
        ticket_id = db.scalars(select(TicketRow.ticket_id).where(TicketRow.customer_id == "c1001")).first()
    inbox = ReviewInbox(stack.sessions)
    inbox.record("这个东西咋整啊", "nlu_fallback", 0.1)
    review_item = inbox.items()[0].id
    grant = UploadGrant("c1001", "matrix-conversation", None)
    store = UploadStore(stack.sessions, Path(stack.env["REFUND_UPLOAD_DIR"]), 1024 * 1024, 10)
    # Sent for the ticket: its owner may download it from their ticket page, staff from the console.
    upload = store.save(UploadGrant("c1001", "matrix-conversation", ticket_id), "付款截图.png",
                        b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, utcnow())
    mails = MailStore(stack.sessions, Path(stack.env["REFUND_MAIL_DIR"]))
    raw = "From: zhangwei@example.com\r\nSubject: 退款\r\n\r\n想退款".encode()
    mail_id = mails.record(envelope_from="zhangwei@example.com", from_address="zhangwei@example.com",
                           subject="退款", size=len(raw), sha256=mails.keep_raw(raw), text="想退款",
                           outcome=MailOutcome.WORK_ITEM, customer_id="c1001")
    mail_link = MailLinks(stack.sessions, JWT_SECRET, stack.site_url).issue("c1001", APPLY)
    return {"handoff_id": str(queued.handoff.id), "ticket_id": ticket_id, "upload_id": str(upload.upload_id),
            "token": issue_upload_token(JWT_SECRET, grant), "action": "take", "item_id": str(review_item),
            "decision": "dismiss", "key": "daily", "mail_id": str(mail_id), "conversation_id": "matrix-conversation",
            "step": "take", "move": "transfer",
            "mail_link": mail_link.rsplit("/", 1)[1]}


def concrete(path: str, values: Dict[str, str]) -> str:
    if path.startswith("/mail/link/"):  # its token is a mailed link's, not an upload link's
        values = {**values, "token": values["mail_link"]}
    return re.sub(r"<(\w+)(:[^>]+)?>", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("route", sorted(HTTP_MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_each_role_gets_exactly_what_the_matrix_says(stack, resources, route):
    method, path = route
    url = concrete(path, resources)
    outcomes = {}
    for role in ROLES:
        visitor = Visitor(stack.site_url, role)
        form = {"csrf": visitor.csrf(path)} if path in ("/logout", "/console/logout", "/upload/<token:str>") else None
        status, body, headers = visitor.request(method, url, form=form, body={"text": "您好", "reason": "x"})
        assert status < 500, f"{role}: {method} {url} -> {status} {body[:200]}"
        outcomes[role] = route in AUTH_ENDPOINTS or not refused(status, headers, route in OWNED_BY_A_CUSTOMER)
    assert {role for role, allowed in outcomes.items() if allowed} == HTTP_MATRIX[route], outcomes


@pytest.mark.parametrize("route", [r for r in sorted(HTTP_MATRIX) if r[0] == "POST" and r[1].startswith("/console/")
                                   and r not in AUTH_ENDPOINTS],
                         ids=lambda r: r[1])
def test_console_changes_need_the_csrf_token(stack, resources, route):
    role = next(iter(HTTP_MATRIX[route]))
    visitor = Visitor(stack.site_url, role)
    url = stack.site_url + concrete(route[1], resources)
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    try:
        visitor.opener.open(request, timeout=30)
        pytest.fail("accepted without a CSRF token")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403


@pytest.mark.parametrize("route", [r for r in sorted(HTTP_MATRIX) if r[0] == "POST" and r[1].startswith("/refunds")],
                         ids=lambda r: r[1])
def test_customer_changes_need_the_csrf_token(stack, resources, route):
    """The customer's refund pages refuse a change without the login's CSRF token (403) and
    change nothing, whatever the form says."""
    visitor = Visitor(stack.site_url, "customer")
    url = stack.site_url + concrete(route[1], resources)
    form = urllib.parse.urlencode({"confirm": "1", "text": "补充说明", "order_id": OWNER_ORDER.order_id,
                                   "kind": "refund", "reason": "demand_change"}).encode()
    before = owner_state(stack.sessions)
    request = urllib.request.Request(url, data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused_change:
        visitor.opener.open(request, timeout=30)
    assert refused_change.value.code == 403
    assert owner_state(stack.sessions) == before


def test_cookies_are_httponly_samesite_and_secure_over_https(stack, tmp_path):
    """A website configured for https marks every cookie Secure (and HttpOnly, SameSite)."""
    port = free_port()
    env = {**stack.env, "REFUND_WEB_PORT": str(port), "REFUND_SITE_URL": "https://support.example-cloud.cn"}
    log = tmp_path / "web-https.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", process, log)
        site = Visitor(f"http://127.0.0.1:{port}", "guest")
        for path, samesite in (("/login", "lax"), ("/console/login", "strict")):
            _, _, headers = site.request("GET", path)
            cookie = headers["Set-Cookie"].lower()
            assert "secure" in cookie and "httponly" in cookie and f"samesite={samesite}" in cookie, cookie
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- custom actions -----------------------------------------------------------------------------

OWNER_ORDER = demo_order("in_window")


def action_call(name: str, role: str, ticket_id: str) -> dict:
    """An action call as Rasa makes it. The customer roles carry the identity claim our channels
    sign; "forged" claims the owner's id the way Rasa's stock channels would pass it through
    from a client (input_channel and metadata), with no claim."""
    user = {"customer": "c1001", "other_customer": "c1002"}.get(role)
    slots = {"order_id": OWNER_ORDER.order_id, "ticket_id": ticket_id, "withdraw_ticket": ticket_id,
             "appeal_ticket": ticket_id, "supplement_ticket": ticket_id, "refund_reason": "demand_change",
             "refund_confirmed": True, "customer_known": True, "appeal_statement": "我不同意",
             "supplement_content": "补充说明", "requested_slot": None,
             "pending_change": f"downgrade:{OWNER_ORDER.order_id}:ecs.1c2g"}
    sender = f"matrix-{role}"
    if role == "forged":
        metadata = {"user_id": "c1001", "auth_verified": True}
    else:
        metadata = {"user_id": user, "auth_verified": user is not None,
                    **sign_identity(JWT_SECRET, sender, user, "refund_socket")}
    return {"next_action": name, "sender_id": f"matrix-{role}", "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": f"matrix-{role}", "slots": slots, "latest_message": {
                "text": "/affirm", "intent": {"name": "affirm", "confidence": 1.0}, "entities": [],
                "metadata": metadata},
                "events": [{"event": "user", "text": "/affirm", "parse_data": {"intent": {"name": "affirm"}},
                            "input_channel": "refund_socket", "metadata": metadata}],
                "latest_input_channel": "refund_socket", "active_loop": {}, "latest_action_name": "action_listen"}}


def owner_state(sessions) -> list:
    with sessions() as db:
        tickets = [(t.ticket_id, t.status) for t in db.scalars(select(TicketRow).where(TicketRow.customer_id == "c1001"))]
        events = len(list(db.scalars(select(TicketEventRow.id))))
        handoffs = [(h.id, h.status) for h in db.scalars(select(HandoffRow).where(HandoffRow.customer_id == "c1001"))]
    return [tickets, events, handoffs]


def owner_markers(sessions) -> list:
    """What only customer c1001's data contains: their name, and the ids of their orders and
    instances other than the one every slot names (which a reply may echo back)."""
    from bot.storage.schema import OrderRow

    with sessions() as db:
        orders = list(db.scalars(select(OrderRow).where(OrderRow.customer_id == "c1001")))
    return ["张伟", *(o.order_id for o in orders if o.order_id != OWNER_ORDER.order_id),
            *(o.instance_id for o in orders if o.instance_id and o.order_id != OWNER_ORDER.order_id)]


# Every custom action, and the roles for whom it may act on or show customer c1001's data.
# Only c1001 themself: guests are asked to log in, and another customer naming c1001's order
# or ticket is told it is not theirs / not found, whatever the slots say.
ACTION_MATRIX: Dict[str, FrozenSet[str]] = {name: CUSTOMER for name in (
    "action_answer_yes", "action_read_turn",
    "action_appeal_rejection", "action_ask_appeal_statement", "action_ask_callback_phone",
    "action_ask_contact_choice", "action_ask_duplicate_confirmed", "action_ask_evidence_links",
    "action_ask_incident_description", "action_ask_incident_instance", "action_ask_incident_time",
    "action_ask_leave_message", "action_ask_order_id", "action_ask_refund_confirmed", "action_ask_refund_reason",
    "action_ask_supplement_content", "action_ask_survey_comment", "action_ask_survey_score",
    "action_check_customer", "action_clear_refund_form", "action_complain", "action_fallback", "action_greet",
    "action_downgrade", "action_sla_claim", "action_confirm_change", "action_decline_change",
    "action_handle_inform", "action_leave_message_stopped", "action_offer_resume", "action_out_of_scope",
    "action_pause_release", "action_payout_account", "action_refund_amount",
    "action_refund_channel", "action_refund_policy", "action_refund_status",
    "action_request_human", "action_resume_refund", "action_submit_appeal", "action_submit_leave_message", "action_submit_refund",
    "action_submit_supplement", "action_submit_survey", "action_withdraw_prompt", "action_withdraw_ticket",
    "validate_appeal_form", "validate_leave_message_form", "validate_refund_form", "validate_supplement_form",
    "validate_survey_form")}


def registered_actions(stack) -> set:
    request = urllib.request.Request(stack.action_url.replace("/webhook", "/actions"),
                                     headers={ACTION_HEADER: ACTION_TOKEN})
    with urllib.request.urlopen(request, timeout=30) as response:
        return {entry["name"] for entry in json.loads(response.read())}


def test_every_action_has_a_row_in_the_matrix(stack):
    assert registered_actions(stack) == set(ACTION_MATRIX)


def answer_text(result: dict) -> str:
    parts = []
    for item in result.get("responses", []):
        parts.append(item.get("text") or "")
        parts.extend(f"{b.get('title')} {b.get('payload')}" for b in item.get("buttons") or [])
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(ACTION_MATRIX))
def test_each_action_shows_and_changes_only_what_the_role_may(stack, resources, name):
    for role in ("guest", "forged", "other_customer", "customer"):
        before = owner_state(stack.sessions)
        try:
            result = stack.call_action(action_call(name, role, resources["ticket_id"]))
        except urllib.error.HTTPError as exc:
            assert exc.code < 500, f"{name} as {role}: {exc.code} {exc.read()[:300]!r}"
            continue
        if role in ACTION_MATRIX[name]:
            continue  # the owner may see and change their own data
        text = answer_text(result)
        leaked = [marker for marker in owner_markers(stack.sessions) if marker in text]
        assert not leaked, f"{name} showed {role} c1001's {leaked}: {text[:300]}"
        assert owner_state(stack.sessions) == before, f"{name} as {role} changed c1001's data"


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN], ids=["none", "empty", "wrong", "rasa-api-token"])
def test_the_action_server_refuses_every_call_without_its_secret(stack, resources, token):
    """Only Rasa (which holds REFUND_ACTION_TOKEN) may run or list actions; probes stay open."""
    base = stack.action_url.replace("/webhook", "")
    headers = {"Content-Type": "application/json", **({ACTION_HEADER: token} if token is not None else {})}
    before = owner_state(stack.sessions)
    for name in sorted(ACTION_MATRIX):
        request = urllib.request.Request(f"{base}/webhook", headers=headers, method="POST",
                                         data=json.dumps(action_call(name, "customer", resources["ticket_id"])).encode())
        with pytest.raises(urllib.error.HTTPError) as refused_call:
            urllib.request.urlopen(request, timeout=30)
        assert refused_call.value.code == 401, name
    with pytest.raises(urllib.error.HTTPError) as listing:
        urllib.request.urlopen(urllib.request.Request(f"{base}/actions", headers=headers), timeout=30)
    assert listing.value.code == 401
    assert owner_state(stack.sessions) == before
    for probe in ("/health", "/ready", "/metrics"):
        with urllib.request.urlopen(base + probe, timeout=30) as response:
            assert response.status == 200, probe


# --- the development REST channel ---------------------------------------------------------------

@pytest.mark.parametrize("claimed", ["refund_socket", "socketio", "rest", None])
def test_the_rest_channel_ignores_identity_sent_by_the_client(stack, resources, claimed):
    """Whatever channel and metadata a REST client claims, it is the demo customer of
    development (c1001), never the customer it names (c1002)."""
    body = {"sender": f"matrix-rest-{claimed}", "message": "我要退款",
            "metadata": {"user_id": "c1002", "auth_verified": True,
                         "refund_identity": "not-a-signed-claim"}}
    if claimed:
        body["input_channel"] = claimed
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = answer_text({"responses": json.loads(response.read())})
    assert demo_order("other_customer").order_id not in text and "李娜" not in text, text
    own = [o.order_id for o in DEMO_ORDERS if o.customer_id == "c1001"]
    assert any(order_id in text for order_id in own), text  # the development demo customer's own orders
    latest = [e for e in stack.tracker(body["sender"])["events"] if e["event"] == "user"][-1]
    assert latest["input_channel"] == "rest" and "c1002" not in json.dumps(latest["metadata"])


@pytest.mark.parametrize("action", ["manager-approve", "manager-return"])
def test_only_a_manager_approves_above_the_limit(stack, resources, action):
    """The ticket actions of the second approval need the manager role, on the API and the
    console alike: every other role is refused (a manager gets past, here to a 409: the ticket
    is not waiting for a manager)."""
    outcomes = {}
    for role in ROLES:
        visitor = Visitor(stack.site_url, role)
        for path in (f"/api/backoffice/tickets/{resources['ticket_id']}/{action}",
                     f"/console/api/tickets/{resources['ticket_id']}/{action}"):
            status, body, headers = visitor.request("POST", path, body={"note": "核对无误"})
            assert status < 500, (role, path, status, body[:200])
            outcomes[(role, path.split("/")[1])] = not refused(status, headers)
    assert {role for (role, _), allowed in outcomes.items() if allowed} == {"manager"}, outcomes


def test_evidence_is_served_to_staff_as_an_inert_download(stack, resources):
    reviewer = Visitor(stack.site_url, "reviewer")
    status, body, headers = reviewer.request("GET", f"/console/uploads/{resources['upload_id']}")
    assert status == 200 and headers.get("Content-Type") == "image/png", (status, headers, body[:200])
    assert headers["Content-Disposition"].startswith("attachment;") and "filename*=UTF-8''" in headers["Content-Disposition"]
    assert headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in headers["Content-Security-Policy"]
    for probe in ("/console/uploads/999999", "/console/uploads/..%2f..%2fetc%2fpasswd",
                  "/console/uploads/%2e%2e/%2e%2e/etc/passwd", "/console/uploads/-1"):
        status, body, _ = reviewer.request("GET", probe)
        assert status == 404 and "root:" not in body, probe
