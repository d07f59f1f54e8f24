"""The dashboard's daily counts (kept by the chat servers) and its figures on SQLite and
PostgreSQL, with the clock controlled."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.backoffice.dashboard import Dashboard
from bot.observability.activity import ConversationActivity
from tests.clock import FakeClock

LATE_EVENING = datetime(2026, 12, 2, 15, 30, tzinfo=timezone.utc)  # 23:30 in Beijing on 12-02


def test_counts_survive_several_flushes_and_follow_the_beijing_day(sessions):
    clock = FakeClock(LATE_EVENING)
    activity = ConversationActivity(sessions, clock)
    other_process = ConversationActivity(sessions, clock)
    activity.saw("c-1", fallback=False)
    activity.saw("c-1", fallback=True)
    other_process.saw("c-1", fallback=False)  # the same conversation through another server
    activity.flush()
    other_process.flush()
    clock.now += timedelta(hours=1)  # 00:30: the next Beijing day
    activity.saw("c-1", fallback=False)
    activity.saw("c-2", fallback=True)
    activity.flush()
    activity.flush()  # nothing new: nothing changes
    figures = Dashboard(sessions, lambda: 0, clock).figures(date(2026, 12, 2), date(2026, 12, 3))
    daily = {row[0]: row for row in figures.table("daily").rows}
    assert daily["2026-12-02"][1:] == ("1", "0", "100.0%", "3", "1", "33.3%")
    assert daily["2026-12-03"][1:] == ("2", "0", "100.0%", "2", "1", "50.0%")
    assert dict(figures.summary)["会话数"] == "3"  # conversation-days over the period


@pytest.mark.parametrize("since, until", [(date(2026, 12, 3), date(2026, 12, 2)), (date(2026, 1, 1), date(2026, 12, 31))])
def test_a_reversed_or_too_long_period_is_refused(sessions, since, until):
    with pytest.raises(ValueError, match="不超过 92 天"):
        Dashboard(sessions, lambda: 0).figures(since, until)
