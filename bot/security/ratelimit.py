"""Sliding-window rate limits: per process, or shared by all instances through Redis."""
from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict, deque
from threading import Lock
from typing import Callable, Deque, Dict


class RateLimiter:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit <= 0 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.limit, self.window, self.clock = limit, window, clock
        self._events: Dict[str, Deque[float]] = defaultdict(deque)
        self._lock = Lock()

    def allow(self, key: str) -> bool:
        """Record an attempt for `key`; False when it is over the limit (not recorded then)."""
        now = self.clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 100_000:  # keep memory bounded under a flood of new keys
                for stale in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                    del self._events[stale]
            return True


# Sliding window in a sorted set, atomically: drop old attempts, count, record if allowed.
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
return 1
"""


class RedisRateLimiter:
    """The same limit shared by every instance (several Rasa or web processes): a customer
    cannot multiply their allowance by landing on different instances."""

    def __init__(self, url: str, name: str, limit: int, window: float) -> None:
        import redis  # only needed when several instances share the limit

        if limit <= 0 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.limit, self.window, self.name = limit, window, name
        self._redis = redis.Redis.from_url(url, socket_timeout=1)
        self._script = self._redis.register_script(_SLIDING_WINDOW)
        self._fallback = RateLimiter(limit, window)

    def allow(self, key: str) -> bool:
        """Record an attempt for `key`; False when over the limit. If Redis cannot be reached
        this instance falls back to its own count rather than refusing everyone."""
        now = time.time()
        try:
            return bool(self._script(keys=[f"refund:rate:{self.name}:{key}"],
                                     args=[now, self.window, self.limit, f"{now}:{uuid.uuid4().hex[:8]}"]))
        except Exception:  # redis.RedisError or a socket error: degrade, do not fail the request
            return self._fallback.allow(key)


def rate_limiter(name: str, limit: int, window: float):
    """A limiter shared through Redis when REFUND_REDIS_URL is set, else per process."""
    url = os.environ.get("REFUND_REDIS_URL")
    return RedisRateLimiter(url, name, limit, window) if url else RateLimiter(limit, window)
