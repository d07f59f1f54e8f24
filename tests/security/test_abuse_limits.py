"""Abuse limits on a deployment started with low limits: messages per customer and per guest
IP, logins per IP (site and console), uploads per customer; each answered in clear Chinese."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from bot.security.tokens import UploadGrant, issue_chat_token, issue_session_token, issue_upload_token
from tests.servers import JWT_SECRET, sqlite_stack
from tests.widget_client import WidgetClient, run

LIMITS = {"REFUND_MESSAGES_PER_MINUTE": "4", "REFUND_LOGIN_PER_MINUTE": "3", "REFUND_UPLOADS_PER_10_MINUTES": "2"}
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
        first = await burst(issue_chat_token(JWT_SECRET, "c1001"))
        other_customer = await burst(issue_chat_token(JWT_SECRET, "c1002"))
        guest = await burst(None)
        return first, other_customer, guest

    first, other_customer, guest = run(scenario())
    for answers in (first, other_customer, guest):  # each has its own allowance of 4 a minute
        assert ["太快" in a for a in answers] == [False, False, False, False, True], answers
        assert "请稍等片刻再发" in answers[-1]


def login_attempts(url: str, path: str, form: dict, times: int):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + path).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    results = []
    for _ in range(times):
        data = urllib.parse.urlencode({**form, "csrf": csrf}).encode()
        try:
            opener.open(url + path, data=data)
        except urllib.error.HTTPError as exc:
            results.append((exc.code, exc.read().decode()))
    return results


@pytest.mark.parametrize("path, form", [("/console/login", {"staff_id": "a1", "password": "wrong"}),
                                        ("/login", {"customer_id": "c1001", "password": "wrong"})])
def test_logins_per_ip(limited, path, form):
    results = login_attempts(limited.site_url, path, form, 4)
    assert [code for code, _ in results] == [401, 401, 401, 429]
    assert "登录尝试过于频繁" in results[-1][1]


def test_uploads_per_customer(limited):
    # Logged in by its session cookie: the login limit of this IP is spent by the test above.
    session = f"site_session={issue_session_token(JWT_SECRET, 'c1003')}"
    token = issue_upload_token(JWT_SECRET, UploadGrant("c1003", "limits-conversation", None))
    with urllib.request.urlopen(urllib.request.Request(f"{limited.site_url}/upload/{token}",
                                                       headers={"Cookie": session})) as response:
        page = response.read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    statuses = []
    for n in range(3):
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"shot{n}.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + PNG + bytes([n]) + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{limited.site_url}/upload/{token}", data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": f"{session}; csrf={csrf}"})
        try:
            with urllib.request.urlopen(request) as response:
                statuses.append((response.status, ""))
        except urllib.error.HTTPError as exc:
            statuses.append((exc.code, exc.read().decode()))
    assert [code for code, _ in statuses] == [200, 200, 429]
    assert "上传过于频繁" in statuses[-1][1]
