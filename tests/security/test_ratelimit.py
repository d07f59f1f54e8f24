import pytest

from bot.security.ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_limit_per_key_and_window():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    clock.now += 61
    assert limiter.allow("a")


def test_bad_configuration():
    with pytest.raises(ValueError):
        RateLimiter(0, 60)


def test_instances_share_one_allowance_through_redis():
    """Two processes' limiters (several Rasa or web instances) count together."""
    import uuid

    from bot.security.ratelimit import RedisRateLimiter
    from harness.cluster import REDIS_URL

    name = f"test-{uuid.uuid4().hex[:8]}"
    first, second = RedisRateLimiter(REDIS_URL, name, 3, 60), RedisRateLimiter(REDIS_URL, name, 3, 60)
    assert [first.allow("user:c1001"), second.allow("user:c1001"), first.allow("user:c1001")] == [True] * 3
    assert not second.allow("user:c1001") and not first.allow("user:c1001")
    assert second.allow("user:c1002")


def test_without_redis_each_instance_still_limits():
    from bot.security.ratelimit import RedisRateLimiter

    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", "down", 2, 60)  # nothing listens there
    assert [limiter.allow("ip:1.2.3.4") for _ in range(3)] == [True, True, False]


def test_failures_are_counted_only_when_recorded_and_memory_stays_bounded():
    from bot.security.ratelimit import RateLimiter

    clock = [0.0]
    limiter = RateLimiter(2, 60, clock=lambda: clock[0])
    assert not limiter.full("a")
    limiter.hit("a")
    limiter.hit("a")
    assert limiter.full("a") and not limiter.full("b")
    clock[0] = 61
    assert not limiter.full("a")
    for n in range(100_050):  # a flood of made-up login names, each failing once
        limiter.hit(f"name-{n}")
    clock[0] = 200
    limiter.hit("late")
    assert len(limiter._events) < 1000
