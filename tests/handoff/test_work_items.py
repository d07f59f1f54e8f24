"""Messages, call-backs and e-mails left for the agents are work items: one agent takes each,
records what came of a call, closes it; each has a due time counted in support hours; the
dashboard counts them received and handled (SQLite and PostgreSQL, the clock controlled)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.backoffice.dashboard import Dashboard
from bot.handoff.contact import named_ticket_numbers
from bot.handoff.service import HandoffService
from bot.vocabulary import CallResult, HandoffStatus
from tests.clock import FakeClock

WEDNESDAY_NOON = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)   # 12:00 Beijing
WEDNESDAY_NIGHT = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)  # 22:00 Beijing
THURSDAY_OPENING = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)  # 09:00 Beijing


@pytest.fixture
def clock():
    return FakeClock(WEDNESDAY_NOON)


@pytest.fixture
def service(seeded, support, clock):  # noqa: F811
    return HandoffService(seeded, support, clock)


def test_one_agent_takes_a_call_back_records_the_call_and_closes_it(service):
    left = service.leave_message("conv-cb", "c1001", "callback", "请回电说明退款进度", "13800138000", "requested", None, {})
    assert service.take_work_item(left.id, "a1") and not service.take_work_item(left.id, "a2")  # one agent wins
    assert not service.record_call(left.id, "a2", CallResult.NO_ANSWER)  # not theirs
    assert service.record_call(left.id, "a1", CallResult.NO_ANSWER)
    assert service.record_call(left.id, "a1", CallResult.RESOLVED, "已说明三个工作日到账")
    assert service.close_work_item(left.id, "a2") is None
    closed = service.close_work_item(left.id, "a1")
    assert closed is not None and closed.status == HandoffStatus.RESOLVED and closed.resolved_at is not None
    assert [n["text"] for n in closed.notes] == ["回电结果：未接通，稍后再打",
                                                 "回电结果：已接通，问题已解决。已说明三个工作日到账"]
    assert service.close_work_item(left.id, "a1") is None  # once
    assert not service.record_call(left.id, "a1", CallResult.RESOLVED)  # closed


def test_a_live_chat_is_not_a_work_item(service):
    live = service.request("conv-live", "c1001", "requested", None, {}).handoff
    assert not service.take_work_item(live.id, "a1") and service.close_work_item(live.id, "a1") is None
    assert service.due(live) is None


def test_due_times_count_from_support_hours(service, clock):
    in_hours = service.leave_message("c-1", "c1001", "callback", "请回电", "13800138000", "requested", None, {})
    assert service.due(in_hours) == WEDNESDAY_NOON + timedelta(hours=2)
    clock.now = WEDNESDAY_NIGHT  # closed: counted from Thursday's opening
    at_night = service.leave_message("c-2", "c1001", "message", "我的工单怎么还没处理", None, "requested", None, {})
    assert service.due(at_night) == THURSDAY_OPENING + timedelta(hours=8)


def test_the_dashboard_counts_work_items_received_and_handled(seeded, service):
    first = service.leave_message("c-3", "c1001", "callback", "请回电", "13800138000", "requested", None, {})
    service.leave_message("c-4", "c1001", "message", "请处理我的退款", None, "requested", None, {})
    service.take_work_item(first.id, "a1")
    service.close_work_item(first.id, "a1")
    figures = Dashboard(seeded, lambda: 0, service.clock).figures(date(2026, 11, 25), date(2026, 11, 25))
    assert dict(figures.summary)["留言与回电"] == "2"
    assert {row[0]: row[1:] for row in figures.table("contacts").rows} == {"留言": ("1", "0", "1"),
                                                                          "电话回访": ("1", "1", "0")}


def test_ticket_numbers_named_in_a_message():
    assert named_ticket_numbers("工单 rf202611250001 和 RF202611250002，还有RF202611250001") == [
        "RF202611250001", "RF202611250002"]
    assert named_ticket_numbers("订单 2026112400010001") == []


def test_a_call_back_needs_only_the_number_and_what_it_is_about_joins_it(service):
    booked = service.leave_message("conv-note", "c1001", "callback", "", "13800138000", "requested", None, {})
    assert booked.message is None and booked.callback_phone == "13800138000"
    noted = service.add_to_callback(booked.id, "conv-note", "降配差价还没退")
    assert noted is not None and noted.id == booked.id and noted.message == "降配差价还没退"
    assert noted.version > booked.version  # the console's live view sees it
    assert service.add_to_callback(booked.id, "conv-other", "别人的话") is None  # not this conversation's
    assert service.take_work_item(booked.id, "a1")
    assert service.add_to_callback(booked.id, "conv-note", "下午三点后方便").message == "降配差价还没退\n下午三点后方便"
    service.close_work_item(booked.id, "a1")
    assert service.add_to_callback(booked.id, "conv-note", "还有一件事") is None  # closed: no longer joins it
    with pytest.raises(ValueError):
        service.leave_message("conv-x", "c1001", "callback", "请回电", None, "requested", None, {})
    with pytest.raises(ValueError):
        service.leave_message("conv-y", "c1001", "message", "  ", None, "requested", None, {})
