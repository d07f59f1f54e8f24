"""The console's live stream over real HTTP: what it sends first, that it stays quiet while
nothing changes, that a customer's message arrives by itself, and what it refuses."""
from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.request
from typing import Dict, List, Tuple

import pytest

from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from tests.security.test_authorization_matrix import Visitor


class EventReader:
    """Reads server-sent events on a thread, so the test can wait for them with a deadline."""

    def __init__(self, response) -> None:
        self.response = response
        self.events: "queue.Queue[Tuple[str, Dict]]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = None
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    self.events.put((name, json.loads(line[6:])))
        except (OSError, ValueError):
            pass  # closed by the test

    def until(self, name: str, timeout: float = 8.0) -> Dict:
        deadline = time.monotonic() + timeout
        while True:
            got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if got == name:
                return data

    def quiet_for(self, seconds: float) -> List[str]:
        time.sleep(seconds)
        names = []
        while not self.events.empty():
            names.append(self.events.get()[0])
        return names


@pytest.fixture
def agent(fresh_stack):
    return Visitor(fresh_stack.site_url, "agent")


def open_stream(visitor: Visitor, path: str):
    request = urllib.request.Request(visitor.site_url + path)
    return visitor.opener.open(request, timeout=30)


def test_stream_sends_the_page_then_only_changes(fresh_stack, agent):
    handoffs = HandoffService(fresh_stack.sessions, SupportSettings(fresh_stack.support_file))
    handoff = handoffs.request("stream-conv", "c1001", "requested", None, {"customer_said": ["转人工"]}).handoff
    response = open_stream(agent, f"/console/api/stream?handoff={handoff.id}")
    try:
        assert response.headers.get_content_type() == "text/event-stream"
        assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Accel-Buffering"] == "no"
        reader = EventReader(response)
        # The conversation first (sending it marks it read), then the queue.
        page = reader.until("conversation")
        assert page["handoff"]["id"] == handoff.id and page["handoff"]["status"] == "waiting"
        assert reader.until("typing") == {"typing": False}
        first = reader.until("queue")
        assert [h["preview"] for h in first["handoffs"] if h["id"] == handoff.id] == ["转人工"]
        assert reader.quiet_for(2.5) == []  # nothing changed: nothing sent

        handoffs.customer_said("stream-conv", "我等了好久了")
        assert reader.until("conversation")["handoff"]["version"] > page["handoff"]["version"]
        changed = reader.until("queue")
        assert [h["preview"] for h in changed["handoffs"] if h["id"] == handoff.id] == ["我等了好久了"]
    finally:
        response.close()


@pytest.mark.parametrize("path", ["/console/api/stream?handoff=abc", "/console/api/stream?handoff=" + "9" * 20])
def test_stream_refuses_a_malformed_conversation_number(agent, path):
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_stream(agent, path)
    assert refused.value.code == 422 and json.loads(refused.value.read())["error"] == "没有这个会话。"


def test_stream_needs_a_staff_login(fresh_stack):
    customer = Visitor(fresh_stack.site_url, "customer")
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_stream(customer, "/console/api/stream")
    assert refused.value.code == 401
