"""Abuse limits on a deployment started with low limits: messages per customer and per guest
IP, failed logins per account and per address (site and console), uploads per customer; each
answered in clear Chinese."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from bot.security.tokens import UploadGrant, issue_upload_token
from harness.servers import JWT_SECRET, chat_token, site_session_cookie, sqlite_stack
from tests.security.test_authorization_matrix import NoRedirect
from tests.widget_client import WidgetClient, run

LIMITS = {"REFUND_MESSAGES_PER_MINUTE": "4", "REFUND_LOGIN_FAILURES_PER_ACCOUNT": "3",
          "REFUND_LOGIN_FAILURES_PER_IP": "8", "REFUND_UPLOADS_PER_10_MINUTES": "2"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    with sqlite_stack(tmp_path_factory.mktemp("limited"), overrides=LIMITS) as stack:
        yield stack


def test_messages_per_customer_and_per_guest_ip(limited):
    async def burst(token):
        client = WidgetClient(limited.rasa_url, token)
        await client.start()
        answers = [await client.say("你好", wait_for="") for _ in range(5)]
        await client.stop()
        return answers

    async def scenario():
        first = await burst(chat_token(limited.sessions, "c1001"))
        other_customer = await burst(chat_token(limited.sessions, "c1002"))
        guest = await burst(None)
        return first, other_customer, guest

    first, other_customer, guest = run(scenario())
    for answers in (first, other_customer, guest):  # each has its own allowance of 4 a minute
        assert ["太快" in a for a in answers] == [False, False, False, False, True], answers
        assert "请稍等片刻再发" in answers[-1]


class LoginPage:
    """One browser on a login page: its cookies and the CSRF token of the page it last saw."""

    def __init__(self, url: str, path: str) -> None:
        self.url, self.path = url, path
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def attempt(self, form: dict) -> tuple:
        page = self.opener.open(self.url + self.path).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        try:
            response = self.opener.open(self.url + self.path, data=urllib.parse.urlencode({**form, "csrf": csrf}).encode())
            return response.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()



ACCOUNTS = {"/login": ("customer_id", "c1001", "c1002", "demo123"),
            "/console/login": ("staff_id", "a1", "a2", "staff123")}


@pytest.mark.parametrize("path", sorted(ACCOUNTS))
def test_failed_logins_lock_the_account_not_everyone_behind_the_address(limited, path):
    field, account, neighbour, password = ACCOUNTS[path]
    browser = LoginPage(limited.site_url, path)
    results = [browser.attempt({field: account, "password": "wrong"}) for _ in range(3)]
    assert [code for code, _ in results] == [401, 401, 401]
    locked = browser.attempt({field: account, "password": password})  # even the right password now
    assert locked[0] == 429 and "登录失败次数过多" in locked[1]
    # Someone else behind the same address is not refused because of those typos.
    assert LoginPage(limited.site_url, path).attempt({field: neighbour, "password": password})[0] == 302


def test_successful_logins_are_not_counted_as_failures(limited):
    browser = LoginPage(limited.site_url, "/login")
    assert [browser.attempt({"customer_id": "c1003", "password": "demo123"})[0] for _ in range(6)] == [302] * 6


def test_uploads_per_customer(limited):
    # Logged in by its session cookie, as the login would set it.
    session = site_session_cookie(limited.sessions, "c1003")
    token = issue_upload_token(JWT_SECRET, UploadGrant("c1003", "limits-conversation", None))
    with urllib.request.urlopen(urllib.request.Request(f"{limited.site_url}/upload/{token}",
                                                       headers={"Cookie": session})) as response:
        page = response.read().decode()
        nonce = re.search(r"csrf=([^;]+)", response.headers["Set-Cookie"]).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    statuses = []
    for n in range(3):
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"shot{n}.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + PNG + bytes([n]) + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{limited.site_url}/upload/{token}", data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": f"{session}; csrf={nonce}"})
        try:
            with urllib.request.urlopen(request) as response:
                statuses.append((response.status, ""))
        except urllib.error.HTTPError as exc:
            statuses.append((exc.code, exc.read().decode()))
    assert [code for code, _ in statuses] == [200, 200, 429]
    assert "上传过于频繁" in statuses[-1][1]


def test_failures_from_one_address_across_many_accounts_are_limited(limited):
    """Runs last: it spends the address's allowance (8 failures, 3 of them above)."""
    browser = LoginPage(limited.site_url, "/login")
    results = [browser.attempt({"customer_id": f"guess{n}", "password": "wrong"}) for n in range(5)]
    assert [code for code, _ in results] == [401] * 5
    blocked = browser.attempt({"customer_id": "c1003", "password": "demo123"})
    assert blocked[0] == 429 and "登录失败次数过多" in blocked[1]
