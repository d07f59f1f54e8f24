"""The holes found when probed as an attacker would (issue: spoofable channels, open action
server, living sessions, size limits, small leaks), each checked against the running stack."""
from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from bot.clock import utcnow
from bot.policy.config import load_policy
from bot.security.login_sessions import LoginSessions
from bot.security.tokens import UploadGrant, issue_upload_token
from bot.settings import PROJECT_ROOT
from bot.tickets.store import TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.uploads.store import UploadStore
from harness.servers import JWT_SECRET, chat_token
from tests.e2e.test_after_filing import file_ticket
from tests.security.test_authorization_matrix import NoRedirect
from tests.widget_client import WidgetClient, run

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Browser:
    """One browser: a cookie jar, no automatic redirects, and the CSRF token of its last page."""

    def __init__(self, site_url: str) -> None:
        self.site_url, self.jar = site_url, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.token = ""

    def open(self, method: str, path: str, form: Optional[Dict[str, str]] = None, data: Optional[bytes] = None,
             headers: Optional[Dict[str, str]] = None) -> Tuple[int, str, dict]:
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        request = urllib.request.Request(self.site_url + path, data=data, headers=headers or {}, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                status, body, received = response.status, response.read().decode("utf-8", "replace"), response.headers
        except urllib.error.HTTPError as exc:
            status, body, received = exc.code, exc.read().decode("utf-8", "replace"), exc.headers
        found = re.search(r'name="csrf(?:-token)?" (?:value|content)="([^"]+)"', body)
        if found:
            self.token = found.group(1)
        return status, body, received

    def login(self, path: str, form: Dict[str, str]) -> int:
        self.open("GET", path)
        status, _, _ = self.open("POST", path, form={**form, "csrf": self.token})
        return status

    def cookie(self, name: str) -> Optional[str]:
        return next((c.value for c in self.jar if c.name == name), None)



def copied(site_url: str, cookies: Dict[str, str]) -> Browser:
    """Another browser holding copies of these cookies (a shared computer, a stolen cookie)."""
    other = Browser(site_url)
    for name, value in cookies.items():
        host = urlsplit(site_url).hostname
        other.jar.set_cookie(http.cookiejar.Cookie(0, name, value, None, False, host, False, False, "/", True,
                                                   False, None, False, None, None, {}))
    return other


# --- 1. the REST channel ------------------------------------------------------------------------

def rest(stack, body: bytes, content_type: str = "application/json") -> Tuple[int, str]:
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_rest_channel_refuses_bodies_a_foreign_page_could_send(fresh_stack):
    """text/plain and form bodies need no CORS preflight, so any web page could send them."""
    body = json.dumps({"sender": "cross-site", "message": "我要退款"}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        assert rest(fresh_stack, body, content_type)[0] == 415, content_type
    assert "events" not in fresh_stack.tracker("cross-site") or not [
        e for e in fresh_stack.tracker("cross-site")["events"] if e["event"] == "user"]


def test_rest_channel_caps_message_length_and_stays_responsive(fresh_stack):
    started = time.monotonic()
    message = json.dumps({"sender": "long-one", "message": "退" * 300_000}, ensure_ascii=False).encode()  # 900 KB
    status, text = rest(fresh_stack, message)
    assert status == 200 and "消息太长" in json.loads(text)[0]["text"] and time.monotonic() - started < 5
    started = time.monotonic()
    status, text = rest(fresh_stack, json.dumps({"sender": "next-customer", "message": "你好"}).encode())
    assert status == 200 and time.monotonic() - started < 5


@pytest.mark.parametrize("body", [b"[]", b'{"sender": 1, "message": "hi"}', b'{"sender": "x"}', b"{" * 5000,
                                  json.dumps({"sender": "x" * 500, "message": "hi"}).encode()])
def test_rest_channel_rejects_malformed_requests_with_400(fresh_stack, body):
    assert rest(fresh_stack, body)[0] == 400


def test_rasa_refuses_request_bodies_over_a_megabyte(fresh_stack):
    status, _ = rest(fresh_stack, json.dumps({"sender": "big", "message": "x" * (2 * 1024 * 1024)}).encode())
    assert status == 413


# --- 4. logout ends the session on the server ---------------------------------------------------

def test_customer_logout_ends_the_session_everywhere(fresh_stack):
    browser = Browser(fresh_stack.site_url)
    assert browser.login("/login", {"customer_id": "c1001", "password": "demo123"}) == 302
    status, page, _ = browser.open("GET", "/chat")
    assert "张伟" in page and "token=" in page
    stolen = copied(fresh_stack.site_url, {"site_session": browser.cookie("site_session"),
                                           "csrf": browser.cookie("csrf")})
    assert "张伟" in stolen.open("GET", "/chat")[1]
    assert browser.open("POST", "/logout", form={"csrf": browser.token})[0] == 302
    for holder in (browser, stolen):
        status, page, _ = holder.open("GET", "/chat")
        assert status == 200 and "张伟" not in page and "token=" not in page  # a guest now
        # Who logged out sees the guest page; a copy of the ended login is told to log in again.
        assert ("登录已过期" in page) == (holder is stolen)
        assert holder is browser or 'href="/login?next=/chat"' in page
    link = issue_upload_token(JWT_SECRET, UploadGrant("c1001", "logout-conversation", None))
    status, _, headers = stolen.open("GET", f"/upload/{link}")
    assert status in (302, 303) and "/login" in headers["Location"]


def test_console_logout_ends_the_staff_session(fresh_stack):
    agent = Browser(fresh_stack.site_url)
    assert agent.login("/console/login", {"staff_id": "a1", "password": "staff123"}) == 302
    agent.open("GET", "/console")
    stolen = copied(fresh_stack.site_url, {"console_session": agent.cookie("console_session")})
    assert stolen.open("GET", "/console/api/queue")[0] == 200
    assert agent.open("POST", "/console/logout", form={"csrf": agent.token})[0] == 302
    assert stolen.open("GET", "/console/api/queue")[0] == 401


def test_an_open_chat_stops_acting_for_a_customer_who_logged_out(fresh_stack):
    async def scenario():
        logins = LoginSessions(fresh_stack.sessions)
        token = chat_token(fresh_stack.sessions, "c1002")
        client = WidgetClient(fresh_stack.rasa_url, token)
        await client.start()
        before = await client.say("我要退款", wait_for="订单")
        from bot.security.tokens import verify_chat_token
        logins.end(verify_chat_token(token, JWT_SECRET).session_id)  # logout in another tab
        time.sleep(6)  # the channel re-checks a login every few seconds
        after = await client.say("我要退款", wait_for="登录")
        await client.stop()
        return before, after

    before, after = run(scenario())
    assert "2026112300020001" in before
    assert "退出登录或登录已过期" in after and "2026112300020001" not in after


# --- 5. body size limits ------------------------------------------------------------------------

def test_small_body_limit_before_authentication(fresh_stack):
    browser = Browser(fresh_stack.site_url)
    browser.open("GET", "/login")
    status, _, _ = browser.open("POST", "/login", data=b"x" * (1024 * 1024),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413


def test_anonymous_upload_is_answered_before_its_body_is_read(fresh_stack):
    """The upload route checks the login first: an anonymous client announcing 50 MB gets its
    answer without sending them (before, the server read the whole body first)."""
    link = issue_upload_token(JWT_SECRET, UploadGrant("c1001", "size-conversation", None))
    parts = urlsplit(fresh_stack.site_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall((f"POST /upload/{link} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      "Content-Type: multipart/form-data; boundary=x\r\n"
                      f"Content-Length: {50 * 1024 * 1024}\r\n\r\n").encode() + b"x" * 1024)
        conn.settimeout(5)
        answer = conn.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 302") and "/login" in answer, answer[:200]


# --- 7. smaller holes ---------------------------------------------------------------------------

def test_customer_pages_are_not_cached_and_forbid_inline_script(fresh_stack):
    browser = Browser(fresh_stack.site_url)
    browser.login("/login", {"customer_id": "c1001", "password": "demo123"})
    for path in ("/chat", "/login"):
        status, page, headers = browser.open("GET", path)
        assert "no-store" in headers["Cache-Control"], path
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "img-src 'self' data:" in policy
        assert "<script>" not in page  # every script is a file the policy allows


def test_csrf_token_is_bound_to_the_login_not_a_bare_double_submit(fresh_stack):
    browser = Browser(fresh_stack.site_url)
    assert browser.login("/login", {"customer_id": "c1001", "password": "demo123"}) == 302
    browser.open("GET", "/chat")
    # An attacker who can plant a cookie (a sibling subdomain) picks both halves of a double submit.
    planted = copied(fresh_stack.site_url, {"site_session": browser.cookie("site_session"), "csrf": "planted"})
    assert planted.open("POST", "/logout", form={"csrf": "planted"})[1] == ""
    assert "张伟" in browser.open("GET", "/chat")[1]  # still logged in: the forged logout did nothing
    # A token of another login (or of the logged-out page) does not work either.
    stranger = Browser(fresh_stack.site_url)
    stranger.login("/login", {"customer_id": "c1002", "password": "demo123"})
    stranger.open("GET", "/chat")
    forged = copied(fresh_stack.site_url, {"site_session": browser.cookie("site_session"),
                                           "csrf": stranger.cookie("csrf")})
    forged.open("POST", "/logout", form={"csrf": stranger.token})
    assert "张伟" in browser.open("GET", "/chat")[1]
    assert browser.open("POST", "/logout", form={"csrf": browser.token})[0] == 302
    assert "张伟" not in browser.open("GET", "/chat")[1]


def test_upload_links_stop_working_once_the_ticket_is_closed(fresh_stack):
    sender = f"upload-closed-{time.monotonic_ns()}"
    ticket_id = file_ticket(fresh_stack, sender)
    link = issue_upload_token(JWT_SECRET, UploadGrant("c1001", sender, ticket_id))
    browser = Browser(fresh_stack.site_url)
    browser.login("/login", {"customer_id": "c1001", "password": "demo123"})
    assert browser.open("GET", f"/upload/{link}")[0] == 200
    workflow = TicketWorkflow(TicketStore(fresh_stack.sessions), load_policy(PROJECT_ROOT / "policies" / "default.yml"))
    workflow.withdraw("c1001", ticket_id)
    status, page, _ = browser.open("GET", f"/upload/{link}")
    assert status == 403 and "工单已结束" in page
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{browser.token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + PNG + f"\r\n--{boundary}--\r\n".encode()
    status, _, _ = browser.open("POST", f"/upload/{link}", data=body,
                                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 403
    with fresh_stack.sessions() as db:
        from bot.storage.schema import UploadRow
        assert db.query(UploadRow).filter(UploadRow.ticket_id == ticket_id).count() == 0


def test_a_link_issued_before_filing_dies_with_the_ticket_filed_from_it(fresh_stack):
    """The evidence link the form offers is issued before the ticket exists; once that ticket is
    withdrawn the link takes nothing more (it used to keep taking files for the chat)."""
    sender = f"upload-early-{time.monotonic_ns()}"
    link = issue_upload_token(JWT_SECRET, UploadGrant("c1001", sender, None))
    ticket_id = file_ticket(fresh_stack, sender)
    browser = Browser(fresh_stack.site_url)
    browser.login("/login", {"customer_id": "c1001", "password": "demo123"})
    assert browser.open("GET", f"/upload/{link}")[0] == 200
    workflow = TicketWorkflow(TicketStore(fresh_stack.sessions), load_policy(PROJECT_ROOT / "policies" / "default.yml"))
    workflow.withdraw("c1001", ticket_id)
    status, page, _ = browser.open("GET", f"/upload/{link}")
    assert status == 403 and "工单已结束" in page


def test_evidence_downloads_carry_the_extension_of_their_real_type(fresh_stack):
    store = UploadStore(fresh_stack.sessions, Path(fresh_stack.env["REFUND_UPLOAD_DIR"]), 1024 * 1024, 10)
    upload = store.save(UploadGrant("c1001", "download-conversation", None), "截图.html", PNG, utcnow())
    reviewer = Browser(fresh_stack.site_url)
    reviewer.login("/console/login", {"staff_id": "r1", "password": "staff123"})
    status, _, headers = reviewer.open("GET", f"/console/uploads/{upload.upload_id}")
    disposition = headers["Content-Disposition"]
    assert status == 200 and disposition.startswith("attachment;")
    assert urllib.parse.quote("截图.png") in disposition and ".html" not in disposition, disposition


def backoffice(stack, path: str, body: bytes, token: str = "dev-token-r1") -> int:
    request = urllib.request.Request(f"{stack.site_url}/api/backoffice{path}", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("amount", ["NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e999999"])
def test_non_finite_amounts_are_refused_with_422(fresh_stack, amount):
    ticket_id = file_ticket(fresh_stack, f"nan-{time.monotonic_ns()}")
    assert backoffice(fresh_stack, f"/tickets/{ticket_id}/take", b"{}") == 200
    assert backoffice(fresh_stack, f"/tickets/{ticket_id}/approve",
                      json.dumps({"amount": amount, "reason": "调整"}).encode()) == 422


def test_absurdly_deep_json_is_a_400(fresh_stack):
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    assert backoffice(fresh_stack, "/tickets/RF000000000000/take", deep) == 400
