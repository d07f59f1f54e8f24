"""Wait estimates from the real pace: recent claims, agents online, customers ahead."""
from datetime import timedelta

from bot.handoff.wait import estimate_minutes


def test_nobody_logged_in_means_no_estimate():
    assert estimate_minutes(0, [timedelta(seconds=30)], 0, 5) is None


def test_without_history_half_a_handling_time_plus_one_per_customer_ahead():
    assert estimate_minutes(0, [], 1, 4) == 2
    assert estimate_minutes(3, [], 1, 4) == 14
    assert estimate_minutes(3, [], 2, 4) == 7  # two agents share the queue


def test_recent_claims_set_the_pace():
    recent = [timedelta(seconds=s) for s in (20, 40, 600)]  # the median, not the one slow claim
    assert estimate_minutes(0, recent, 1, 4) == 1
    assert estimate_minutes(2, recent, 2, 4) == 5  # 40 s typical + 2 × 2 minutes
