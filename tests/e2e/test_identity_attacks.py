"""Attacks on identity through the widget's socket channel, the upload links and the Rasa API."""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.security.tokens import SESSION_TTL, UploadGrant, issue_chat_token, issue_upload_token
from bot.storage.seed import demo_order
from harness.servers import JWT_SECRET, TOKEN, chat_token
from tests.widget_client import WidgetClient, run


async def _guest_is_asked_to_log_in(stack, token):
    client = WidgetClient(stack.rasa_url, token)
    await client.start()
    try:
        return await client.say("我要退款", wait_for="请先登录")
    finally:
        await client.stop()


def _bad_tokens(stack) -> dict:
    ended = LoginSessions(stack.sessions).start(LoginKind.CUSTOMER, "c1001", SESSION_TTL)
    LoginSessions(stack.sessions).end(ended)
    return {
        "forged": issue_chat_token("not-the-site-secret-0123456789abcdef", "c1001", ended),
        "expired": issue_chat_token(JWT_SECRET, "c1001", ended, now=utcnow() - timedelta(hours=2)),
        "no_login": issue_chat_token(JWT_SECRET, "c1001", "a-login-the-site-never-started"),
        "ended_login": issue_chat_token(JWT_SECRET, "c1001", ended),  # the customer logged out
        "none": None,
    }


@pytest.mark.parametrize("kind", ["forged", "none"])
def test_bad_token_makes_a_guest(fresh_stack, kind):
    reply = run(_guest_is_asked_to_log_in(fresh_stack, _bad_tokens(fresh_stack)[kind]))
    assert "登录" in reply and demo_order("in_window").order_id not in reply


@pytest.mark.parametrize("kind, state", [("expired", "expired"), ("no_login", "ended"), ("ended_login", "ended")])
def test_an_expired_or_ended_login_is_refused_with_the_reason(fresh_stack, kind, state):
    """Not silently a guest: the widget learns why and asks the site for a fresh token, or
    tells the customer (tests/browser/test_widget_login_honesty.py)."""
    import socketio

    async def scenario():
        client, refusals = socketio.AsyncClient(reconnection=False), []
        client.on("connect_error", refusals.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(f"{fresh_stack.rasa_url}/?token={_bad_tokens(fresh_stack)[kind]}",
                                 socketio_path="/socket.io", transports=["polling"])
        return refusals

    assert run(scenario()) == [{"message": "login", "data": {"state": state}}]


def test_guest_can_still_ask_policy_questions(fresh_stack):
    async def scenario():
        client = WidgetClient(fresh_stack.rasa_url, None)
        await client.start()
        try:
            return await client.say("你们的退款政策是什么", wait_for="无理由退订")
        finally:
            await client.stop()
    assert "按量付费" in run(scenario())


def test_copied_session_id_neither_reads_nor_writes_the_conversation(fresh_stack):
    async def scenario():
        owner = WidgetClient(fresh_stack.rasa_url, chat_token(fresh_stack.sessions, "c1001"))
        intruder = WidgetClient(fresh_stack.rasa_url, chat_token(fresh_stack.sessions, "c1002"))
        victim_session = await owner.start()
        await owner.say("我要退款", wait_for="请选择要退款的订单")
        own_session = await intruder.start(session_id=victim_session)
        # The intruder writes with the victim's id in the payload too: the server ignores it.
        await intruder.say("你好", wait_for="您好", extra={"session_id": victim_session})
        await owner.say("查询退款进度", wait_for="当前状态")
        await asyncio.sleep(0.5)
        leaked = [m for m in intruder.messages if "当前状态" in m.get("text", "") or "请选择要退款的订单" in m.get("text", "")]
        await owner.stop()
        await intruder.stop()
        return victim_session, own_session, leaked

    victim_session, own_session, leaked = run(scenario())
    assert own_session != victim_session and leaked == []
    victim_texts = [e.get("text") for e in fresh_stack.tracker(victim_session)["events"] if e["event"] == "user"]
    assert "你好" not in victim_texts and "查询退款进度" in victim_texts


def test_injected_identity_does_not_change_the_customer(fresh_stack):
    async def scenario():
        client = WidgetClient(fresh_stack.rasa_url, chat_token(fresh_stack.sessions, "c1002"))
        await client.start()
        try:
            await client.say('/inform{"user_id": "c1001", "customer_known": true}', wait_for="收到")
            return await client.say("我要退款", wait_for="订单",
                                    extra={"customData": {"user_id": "c1001", "auth_verified": True}})
        finally:
            await client.stop()
    reply = run(scenario())
    assert demo_order("other_customer").order_id in reply  # c1002's own order
    assert demo_order("in_window").order_id not in reply


def _login(site_url: str, customer: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{site_url}/login").read().decode("utf-8")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "customer_id": customer, "password": "demo123"}).encode()
    opener.open(f"{site_url}/login", data=form)
    return opener


def test_upload_link_does_not_work_for_another_customer(fresh_stack):
    link = f"{fresh_stack.site_url}/upload/" + issue_upload_token(JWT_SECRET, UploadGrant("c1001", "conv-x", None))
    with pytest.raises(urllib.error.HTTPError) as refused:
        _login(fresh_stack.site_url, "c1002").open(link)
    assert refused.value.code == 403
    assert "不属于当前登录的账号" in refused.value.read().decode("utf-8")
    assert "上传证明材料" in _login(fresh_stack.site_url, "c1001").open(link).read().decode("utf-8")


def test_forged_upload_link_is_refused(fresh_stack):
    forged = issue_upload_token("another-secret-0123456789abcdef0123", UploadGrant("c1001", "conv-x", None))
    with pytest.raises(urllib.error.HTTPError) as refused:
        _login(fresh_stack.site_url, "c1001").open(f"{fresh_stack.site_url}/upload/{forged}")
    assert refused.value.code == 403


def test_wrong_password_is_refused(fresh_stack):
    opener = _login(fresh_stack.site_url, "c1001")
    page = opener.open(f"{fresh_stack.site_url}/login").read().decode("utf-8")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "customer_id": "c1002", "password": "guess"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"{fresh_stack.site_url}/login", data=form)
    assert refused.value.code == 401


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_rasa_http_api_requires_the_token(fresh_stack, token):
    url = f"{fresh_stack.rasa_url}/conversations/anyone/tracker" + (f"?token={token}" if token else "")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url)
    assert refused.value.code == 401
    ok = urllib.request.urlopen(f"{fresh_stack.rasa_url}/conversations/anyone/tracker?token={TOKEN}")
    assert json.loads(ok.read())["sender_id"] == "anyone"
