"""Where a guest can create work, a limit (issue 27, MEDIUM 6 and 7): new conversations per
socket and per address (one anonymous socket made 12,714 conversation keys in two minutes,
kept 30 days), requests for a person per address (one address put 30 fake chats a minute in
the agents' queue). Over a limit the customer reads a polite Chinese message, never silence.

The real stack with its conversation bindings and limits in Redis (TEST_REDIS_URL), low limits."""
from __future__ import annotations

import asyncio
import os
import uuid
from typing import Optional

import pytest
import redis
from sqlalchemy import func, select

from bot.channels.replies import TOO_MANY_CONVERSATIONS
from bot.handoff.replies import TOO_OFTEN
from bot.storage.schema import HandoffRow
from harness.servers import sqlite_stack
from tests.widget_client import WidgetClient, run

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
LIMITS = {"REFUND_REDIS_URL": REDIS_URL, "REFUND_SOCKETIO_CHANNEL": f"refund-test-{uuid.uuid4().hex[:8]}",
          "REFUND_CONVERSATIONS_PER_10_MINUTES": "8", "REFUND_HANDOFFS_PER_10_MINUTES": "3"}


def forget_counts(kind: str = "*") -> None:
    """Forget what the limits counted (an earlier run, or another test, on this address)."""
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"refund:rate:{kind}:*"):
        store.delete(key)


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    forget_counts()
    with sqlite_stack(tmp_path_factory.mktemp("guest-limits"), overrides=LIMITS, only=("actions", "rasa")) as stack:
        yield stack


async def ask_for_conversation(client: WidgetClient, session_id: Optional[str] = None) -> Optional[str]:
    """One more session_request: the new conversation's id, or None when refused (the refusal
    must be said in the chat)."""
    seen, before = len(client.messages), client.session_id
    client._confirmed.clear()
    await client.sio.emit("session_request", {"session_id": session_id})
    for _ in range(100):
        if client._confirmed.is_set() and client.session_id != before:
            return client.session_id
        if any(m.get("text") == TOO_MANY_CONVERSATIONS for m in client.messages[seen:]):
            return None
        await asyncio.sleep(0.1)
    raise AssertionError("neither a new conversation nor a refusal")


def test_new_conversations_are_limited_per_socket_and_per_address(limited):
    bindings = redis.Redis.from_url(REDIS_URL)
    before = set(bindings.scan_iter("refund:session:*"))

    async def scenario():
        first = WidgetClient(limited.rasa_url, None)
        await first.start()
        from_first = [await ask_for_conversation(first) for _ in range(9)]
        await first.say("你好", wait_for="")  # still in a conversation it can use
        second = WidgetClient(limited.rasa_url, None)
        await second.start()
        from_second = [await ask_for_conversation(second) for _ in range(4)]
        third = WidgetClient(limited.rasa_url, None)
        await third.sio.connect(third.url, socketio_path="/socket.io", transports=["polling"])
        refused_at_start = await ask_for_conversation(third)
        for client in (first, second, third):
            await client.stop()
        return from_first, from_second, refused_at_start, third.messages

    from_first, from_second, refused_at_start, third_heard = run(scenario())
    # One socket: its first conversation and four more, then refusals (five per socket).
    assert [c is not None for c in from_first] == [True] * 4 + [False] * 5
    # The address: eight in ten minutes; the second socket gets its first and two more.
    assert [c is not None for c in from_second] == [True, True, False, False]
    assert refused_at_start is None and third_heard[-1]["text"] == TOO_MANY_CONVERSATIONS
    created = set(bindings.scan_iter("refund:session:*")) - before
    assert len(created) == 8
    # A guest's conversation can only be resumed by its own socket: its binding lasts a day.
    assert all(0 < bindings.ttl(key) <= 24 * 3600 for key in created)
    # Every count of the limits expires too (Redis evicts only expiring keys: deploy/).
    assert all(bindings.pttl(key) > 0 for key in bindings.scan_iter("refund:rate:*"))


def test_requests_for_a_person_are_limited_per_address(limited):
    async def ask_for_a_person() -> str:
        client = WidgetClient(limited.rasa_url, None)
        try:
            await client.start()
            return await client.say("转人工", wait_for="")
        finally:
            await client.stop()

    async def scenario():
        return [await ask_for_a_person() for _ in range(5)]

    forget_counts("conversation")  # the test above spent this address's new conversations
    answers = run(scenario())
    assert [TOO_OFTEN in answer for answer in answers] == [False, False, False, True, True], answers
    with limited.sessions() as db:
        assert db.scalar(select(func.count()).select_from(HandoffRow)) == 3
