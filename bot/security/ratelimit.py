"""Sliding-window rate limits: per process, or shared by all instances through Redis."""
from __future__ import annotations

import math
import time
import uuid
from collections import defaultdict, deque
from threading import Lock
from typing import TYPE_CHECKING, Callable, Deque, Dict, Optional

if TYPE_CHECKING:
    from bot.settings import Settings

LOGIN_FAILURE_WINDOW = 600.0  # seconds over which failed logins are counted


class RateLimiter:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit <= 0 or window <= 0:
            raise ValueError("limit and window must be positive")
        self.limit, self.window, self.clock = limit, window, clock
        self._events: Dict[str, Deque[float]] = defaultdict(deque)
        self._lock = Lock()

    def full(self, key: str) -> bool:
        """True when `key` already has `limit` events in the window (records nothing)."""
        with self._lock:
            return key in self._events and len(self._recent(key, self.clock())) >= self.limit

    def hit(self, key: str) -> None:
        """Record one event for `key`, whatever the count."""
        now = self.clock()
        with self._lock:
            self._recent(key, now).append(now)
            self._bound(now)

    def allow(self, key: str) -> bool:
        """Record an attempt for `key`; False when it is over the limit (not recorded then)."""
        now = self.clock()
        with self._lock:
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            self._bound(now)
            return True

    def _recent(self, key: str, now: float) -> Deque[float]:
        """The events of `key` still inside the window (older ones dropped)."""
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def _bound(self, now: float) -> None:
        """Keep memory bounded under a flood of new keys (e.g. made-up login names)."""
        if len(self._events) > 100_000:
            for stale in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                del self._events[stale]


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

    def _key(self, key: str) -> str:
        return f"refund:rate:{self.name}:{key}"

    def allow(self, key: str) -> bool:
        """Record an attempt for `key`; False when over the limit. If Redis cannot be reached
        this instance falls back to its own count rather than refusing everyone."""
        now = time.time()
        try:
            return bool(self._script(keys=[self._key(key)],
                                     args=[now, self.window, self.limit, f"{now}:{uuid.uuid4().hex[:8]}"]))
        except Exception:  # redis.RedisError or a socket error: degrade, do not fail the request
            return self._fallback.allow(key)


    def full(self, key: str) -> bool:
        """True when `key` already has `limit` events in the window (records nothing)."""
        redis_key, now = self._key(key), time.time()
        try:
            self._redis.zremrangebyscore(redis_key, 0, now - self.window)
            return self._redis.zcard(redis_key) >= self.limit
        except Exception:  # Redis unreachable: this instance's own count
            return self._fallback.full(key)

    def hit(self, key: str) -> None:
        """Record one event for `key`, whatever the count."""
        redis_key, now = self._key(key), time.time()
        try:
            self._redis.zadd(redis_key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            self._redis.pexpire(redis_key, math.ceil(self.window * 1000))
        except Exception:  # Redis unreachable: this instance's own count
            self._fallback.hit(key)


class LoginThrottle:
    """Failed logins only, counted per account *from one address* and per address.

    A stranger guessing someone's password from their own address uses up only that address's
    allowance for that account: the real user, from their address, still logs in with the
    right password. One address trying many accounts (or one NAT's many typos) meets the
    larger per-address allowance. Successful logins are not counted."""

    def __init__(self, name: str, per_account: int, per_address: int, window: float,
                 redis_url: Optional[str] = None) -> None:
        self._account = rate_limiter(f"{name}_account_address", per_account, window, redis_url)
        self._address = rate_limiter(f"{name}_address", per_address, window, redis_url)

    @staticmethod
    def _pair(account: str, address: str) -> str:
        return f"account:{account}|ip:{address}"

    def blocked(self, account: str, address: str) -> bool:
        return self._account.full(self._pair(account, address)) or self._address.full(f"ip:{address}")

    def failed(self, account: str, address: str) -> None:
        self._account.hit(self._pair(account, address))
        self._address.hit(f"ip:{address}")


def login_throttle(name: str, settings: "Settings") -> LoginThrottle:
    """The login throttle configured by REFUND_LOGIN_FAILURES_PER_ACCOUNT / _PER_IP (per 10 minutes)."""
    return LoginThrottle(name, settings.login_failures_per_account, settings.login_failures_per_ip,
                         LOGIN_FAILURE_WINDOW, settings.redis_url)


def rate_limiter(name: str, limit: int, window: float, redis_url: Optional[str]):
    """A limiter shared through Redis when REFUND_REDIS_URL is set, else per process."""
    return RedisRateLimiter(redis_url, name, limit, window) if redis_url else RateLimiter(limit, window)
