"""Which customer owns which conversation id (so nobody can join someone else's)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional, Protocol

import redis


class SessionRegistry(Protocol):
    def owner(self, session_id: str) -> Optional[str]:
        """The owner bound to `session_id`, or None if unknown."""

    def bind(self, session_id: str, owner: str, ttl_seconds: Optional[int] = None) -> bool:
        """Bind a new session id to `owner` (for `ttl_seconds`, or the registry's default);
        False if it was already bound (to anyone)."""


class InMemorySessionRegistry:
    """Per-process registry; enough for a single Rasa instance. It keeps the most recent
    `capacity` conversations, so a flood of new connections cannot exhaust memory (an evicted
    conversation is simply not resumable: its owner gets a new one)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._owners: "OrderedDict[str, str]" = OrderedDict()
        self._capacity = capacity

    def owner(self, session_id: str) -> Optional[str]:
        return self._owners.get(session_id)

    def bind(self, session_id: str, owner: str, ttl_seconds: Optional[int] = None) -> bool:
        if session_id in self._owners:
            return False
        self._owners[session_id] = owner
        while len(self._owners) > self._capacity:
            self._owners.popitem(last=False)
        return True


class RedisSessionRegistry:
    """Shared by every Rasa instance: ownership survives restarts and any instance can check it."""

    def __init__(self, url: str, ttl_seconds: int = 30 * 24 * 3600, prefix: str = "refund:session:") -> None:
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._ttl = ttl_seconds
        self._prefix = prefix

    def owner(self, session_id: str) -> Optional[str]:
        return self._redis.get(self._prefix + session_id)

    def bind(self, session_id: str, owner: str, ttl_seconds: Optional[int] = None) -> bool:
        return bool(self._redis.set(self._prefix + session_id, owner, nx=True, ex=ttl_seconds or self._ttl))


def session_registry(redis_url: Optional[str]) -> SessionRegistry:
    """Redis when REFUND_REDIS_URL is set (several instances), else in memory (one instance)."""
    return RedisSessionRegistry(redis_url) if redis_url else InMemorySessionRegistry()
