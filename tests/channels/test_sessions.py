"""Conversation ownership registries: in memory, and in the local Redis for several instances."""
import os
import uuid

import pytest

from bot.channels.sessions import InMemorySessionRegistry, RedisSessionRegistry, session_registry
from bot.settings import load_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["memory", "redis"])
def registry(request):
    if request.param == "memory":
        return InMemorySessionRegistry()
    return RedisSessionRegistry(REDIS_URL, ttl_seconds=60, prefix=f"test:{uuid.uuid4().hex}:")


def test_first_binding_wins(registry):
    assert registry.owner("s1") is None
    assert registry.bind("s1", "c1001")
    assert not registry.bind("s1", "c1002")
    assert registry.owner("s1") == "c1001"


def test_two_instances_share_the_redis_registry():
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = (RedisSessionRegistry(REDIS_URL, ttl_seconds=60, prefix=prefix) for _ in range(2))
    assert first.bind("s1", "c1001") and not second.bind("s1", "c1002")
    assert second.owner("s1") == "c1001"


def test_registry_choice_follows_the_settings(monkeypatch):
    monkeypatch.delenv("REFUND_REDIS_URL", raising=False)
    assert isinstance(session_registry(load_settings().redis_url), InMemorySessionRegistry)
    monkeypatch.setenv("REFUND_REDIS_URL", REDIS_URL)
    assert isinstance(session_registry(load_settings().redis_url), RedisSessionRegistry)


def test_the_in_memory_registry_keeps_the_newest_conversations_only():
    registry = InMemorySessionRegistry(capacity=3)
    for n in range(5):
        assert registry.bind(f"s{n}", f"guest:{n}")
    assert [registry.owner(f"s{n}") for n in range(5)] == [None, None, "guest:2", "guest:3", "guest:4"]
