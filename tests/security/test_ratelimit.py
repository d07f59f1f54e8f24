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
