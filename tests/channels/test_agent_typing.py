"""The chat channel's `agent_typing` route, which only the website (holding the Rasa token) may
call, and the widget's side of it (a real socket.io client in the conversation's room)."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from tests.widget_client import WidgetClient, run


def post(stack, body: object, token: str | None) -> int:
    query = f"?token={token}" if token is not None else ""
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/refund_socket/agent_typing{query}",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_only_the_website_may_say_an_agent_is_typing(stack, token):
    assert post(stack, {"conversation_id": "x", "agent_name": "小李"}, token) == 401


@pytest.mark.parametrize("body", [{}, {"conversation_id": "", "agent_name": "小李"}, {"conversation_id": "x"},
                                  ["x"], {"conversation_id": 7, "agent_name": "小李"}])
def test_a_malformed_typing_signal_is_refused(stack, body):
    assert post(stack, body, stack.env["REFUND_RASA_TOKEN"]) == 422


def test_the_widget_in_that_conversation_hears_it(stack):
    token = stack.env["REFUND_RASA_TOKEN"]

    async def scenario() -> list:
        widget, heard = WidgetClient(stack.rasa_url, None), []
        widget.sio.on("agent_typing", heard.append)
        conversation = await widget.start()
        try:
            assert await asyncio.to_thread(post, stack, {"conversation_id": conversation, "agent_name": "小李" * 20},
                                           token) == 200
            assert await asyncio.to_thread(post, stack, {"conversation_id": "someone-else", "agent_name": "小王"},
                                           token) == 200
            for _ in range(30):
                await asyncio.sleep(0.1)
            return heard
        finally:
            await widget.stop()

    assert run(scenario()) == [{"agent_name": ("小李" * 20)[:20]}]  # only its own room, the name cut short
