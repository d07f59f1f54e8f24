"""What each conversation reached and the signs it went wrong, counted by the chat servers
(bot/observability/activity.py) and read by the dashboard (bot/backoffice/conversations.py),
on SQLite and PostgreSQL with the clock controlled."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.backoffice.conversations import conversation_results
from bot.backoffice.dashboard import Dashboard, period
from bot.handoff.service import HandoffService
from bot.nlu.turn_signals import TurnSignals, read_turn
from bot.observability.activity import ConversationActivity
from bot.storage.schema import ConversationRow
from bot.vocabulary import ConversationOutcome as O
from bot.vocabulary import ConversationSign
from tests.clock import FakeClock

LATE_EVENING = datetime(2026, 12, 2, 15, 30, tzinfo=timezone.utc)  # 23:30 in Beijing on 12-02


class OpenSupport:
    """Support hours that are always open (the handoff service asks)."""

    class _Config:
        claim_timeout = timedelta(minutes=10)
        average_handling_minutes = 4

        @staticmethod
        def is_open(now):
            return True

    def current(self):
        return self._Config()


def test_one_row_per_conversation_over_days_flushes_and_processes(sessions):
    clock = FakeClock(LATE_EVENING)
    activity, other_process = ConversationActivity(sessions, clock), ConversationActivity(sessions, clock)
    activity.saw("c-1", fallback=False)
    activity.saw("c-1", fallback=True)
    other_process.saw("c-1", fallback=False, signals=TurnSignals(repeat=True), form="refund_form")
    activity.flush()
    other_process.flush()
    clock.now += timedelta(hours=1)  # 00:30: the next Beijing day, the same conversation
    activity.saw("c-1", fallback=False, signals=TurnSignals(correction=True))
    activity.saw("c-2", fallback=True)
    activity.flush()
    activity.flush()  # nothing new: nothing changes
    with sessions() as db:
        row = db.get(ConversationRow, "c-1")
        assert (row.messages, row.fallbacks, row.repeats, row.corrections) == (4, 1, 1, 1)
        assert row.started_at == LATE_EVENING and row.last_message_at == LATE_EVENING + timedelta(hours=1)
        assert row.last_form is None  # the latest message was outside the form
    figures = Dashboard(sessions, lambda: 0, clock).figures(date(2026, 12, 2), date(2026, 12, 3))
    daily = {row[0]: row for row in figures.table("daily").rows}
    assert daily["2026-12-02"][1] == "1" and daily["2026-12-03"][1] == "1"  # each counted on the day it started
    assert dict(figures.summary)["会话数"] == "2"  # not three conversation-days


def test_an_outcome_reported_before_the_counts_keeps_both(sessions):
    clock = FakeClock(LATE_EVENING)
    chat, actions = ConversationActivity(sessions, clock), ConversationActivity(sessions, clock)
    clock.now += timedelta(seconds=5)
    actions.reached("c-9", O.ANSWERED)  # the action server wrote first
    clock.now -= timedelta(seconds=5)
    chat.saw("c-9", fallback=False)
    chat.flush()
    with sessions() as db:
        row = db.get(ConversationRow, "c-9")
        assert row.answered and row.messages == 1 and row.started_at == LATE_EVENING


def test_each_conversation_reaches_one_outcome_and_its_signs(seeded):
    clock = FakeClock(LATE_EVENING)
    activity = ConversationActivity(seeded, clock)
    handoffs = HandoffService(seeded, OpenSupport(), clock)

    def talk(conversation, *texts, form=None, fallbacks=0):
        clock.now += timedelta(minutes=1)
        said = []
        for n, text in enumerate(texts):
            activity.saw(conversation, n < fallbacks, read_turn(text, said), form)
            said.append(text)

    talk("failed", "qwzx", "qwzx ptkl", fallbacks=2)
    handoffs.request("failed", "c1001", "fallback", None, {})
    talk("asked", "转人工")
    handoffs.request("asked", "c1001", "requested", None, {})
    talk("big", "我要退款")
    handoffs.request("big", "c1001", "large_amount", None, {})
    talk("answered", "退款多久到账")
    activity.reached("answered", O.ANSWERED)
    talk("withdrawn", "我要退款", "不是这个订单，我说的是另一台", form="refund_form")
    activity.reached("withdrawn", O.WITHDRAWN)
    talk("left", "我要退款", "我要退款", form="refund_form")
    talk("silent", "你好")
    clock.now += timedelta(hours=1)
    talk("going", "你好")
    clock.now += timedelta(minutes=5)
    activity.flush()
    with seeded() as db:
        results = {r.conversation_id: r for r in conversation_results(db, *period(date(2026, 12, 2), date(2026, 12, 3)),
                                                                      clock.now)}
    assert {k: r.outcome for k, r in results.items()} == {
        "failed": O.HANDED_AFTER_FAILURE, "asked": O.HANDED_ON_REQUEST, "big": O.HANDED_BY_RULE,
        "answered": O.ANSWERED, "withdrawn": O.WITHDRAWN, "left": O.ABANDONED_IN_FORM, "silent": O.NO_OUTCOME,
        "going": O.IN_PROGRESS}
    assert results["failed"].signs == (ConversationSign.FALLBACK, ConversationSign.FAILED_HANDOFF)
    assert results["withdrawn"].signs == (ConversationSign.CORRECTION,)
    assert results["left"].signs == (ConversationSign.REPEAT, ConversationSign.LEFT_MID_FORM)
    assert not results["asked"].went_wrong and not results["answered"].went_wrong
    figures = Dashboard(seeded, lambda: 0, clock).figures(date(2026, 12, 2), date(2026, 12, 3))
    summary = dict(figures.summary)
    assert summary["会话数"] == "8" and summary["转人工的会话"] == "3" and summary["出问题的会话"] == "3"
    assert summary["自助办成率"] == "25.0%"  # answered and withdrawn of eight
    assert [r.conversation_id for r in figures.troubled] == ["left", "withdrawn", "failed"]  # newest first
    outcomes = dict((row[0], row[1]) for row in figures.table("outcomes").rows)
    assert outcomes["助手没办成，转人工"] == "1" and outcomes["填写申请中途离开"] == "1" and outcomes["进行中"] == "1"


@pytest.mark.parametrize("since, until", [(date(2026, 12, 3), date(2026, 12, 2)), (date(2026, 1, 1), date(2026, 12, 31))])
def test_a_reversed_or_too_long_period_is_refused(sessions, since, until):
    with pytest.raises(ValueError, match="不超过 92 天"):
        Dashboard(sessions, lambda: 0).figures(since, until)


