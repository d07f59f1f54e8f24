"""Junk gets a clear refusal (4xx), never a 500, at every door of the running stack: a
non-ASCII token to the chat channel's agent_typing route, unknown action-server paths, ids far
longer than any real one in console and customer routes, and an injected entity that is not a
date where the refund form asks for a time (the form answers in Chinese and goes on)."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Optional, Tuple

import pytest

from bot.storage.seed import demo_order
from tests.e2e.test_refund_journey import text_of
from tests.security.test_authorization_matrix import Visitor

LONG_ID = "9" * 25


@pytest.fixture
def sender() -> str:
    return f"junk-{uuid.uuid4().hex[:10]}"


def call(url: str, method: str = "GET", body: Optional[bytes] = None,
         headers: Optional[dict] = None) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.mark.parametrize("token", ["令牌", "%E4%BB%A4%E7%89%8C", "\u00e9" * 40, "%FF%FE"])
def test_a_non_ascii_token_to_agent_typing_is_refused(stack, token):
    url = f"{stack.rasa_url}/webhooks/refund_socket/agent_typing?token={urllib.parse.quote(token, safe='%')}"
    status, _ = call(url, "POST", json.dumps({"conversation_id": "x", "agent_name": "小李"}).encode(),
                     {"Content-Type": "application/json"})
    assert status == 401


@pytest.mark.parametrize("path, method", [("/nothing-here", "GET"), ("/webhook/extra", "POST"),
                                          ("/actions/../../etc/passwd", "GET"), ("/" + "x" * 3000, "GET"),
                                          ("/webhook", "PUT")])
def test_unknown_action_server_paths_are_refused(stack, path, method):
    base = stack.action_url.rsplit("/webhook", 1)[0]
    status, body = call(base + path, method, b"{}" if method != "GET" else None, {"Content-Type": "application/json"})
    assert 400 <= status < 500 and "Traceback" not in body, (status, body[:200])


@pytest.mark.parametrize("role, path", [
    ("agent", f"/console/handoffs/{LONG_ID}"), ("agent", f"/console/api/handoffs/{LONG_ID}"),
    ("agent", f"/console/uploads/{LONG_ID}"), ("reviewer", f"/console/tickets/{LONG_ID}"),
    ("reviewer", f"/console/tickets/RF{LONG_ID}"), ("operator", f"/console/nlu/{LONG_ID}/dismiss"),
    ("agent", f"/console/mail/{LONG_ID}"), ("customer", f"/refunds/RF{LONG_ID}"),
    ("customer", f"/refunds/RF2026120400010001/files/{LONG_ID}"), ("reviewer", f"/api/backoffice/tickets/{LONG_ID}"),
])
def test_absurd_ids_in_routes_are_refused(stack, role, path):
    visitor = Visitor(stack.site_url, role)
    method = "POST" if path.endswith("/dismiss") else "GET"
    form = {"csrf": visitor.csrf("/console/nlu")} if method == "POST" else None
    status, body, _ = visitor.request(method, path, form=form)
    assert 400 <= status < 500, (status, body[:300])


@pytest.mark.parametrize("injected", ['{"date": "不是日期"}', '{"date": "2026-13-45T99:00:00"}',
                                      '{"date": 12}', '{"date": ["x"]}', '{"date": "' + "9" * 400 + '"}'])
def test_an_injected_non_date_at_the_time_question_is_answered(fresh_stack, sender, injected):
    order = demo_order("in_window")
    fresh_stack.say(sender, f"我要退款，订单{order.order_id}")
    asked = text_of(fresh_stack.say(sender, "服务器老是宕机"))
    assert "什么时候" in asked
    answer = text_of(fresh_stack.say(sender, f"/inform{injected}"))
    assert answer and "出错" not in answer, answer
    slots = fresh_stack.tracker(sender)["slots"]
    assert not slots.get("incident_time") or "不是日期" not in str(slots["incident_time"]), slots
    # The conversation goes on: a real time is taken and the next question asked.
    answer = text_of(fresh_stack.say(sender, "昨天下午三点"))
    assert fresh_stack.tracker(sender)["slots"].get("incident_time") and "什么时候" not in answer, answer
