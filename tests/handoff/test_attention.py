"""Agent attention on SQLite and PostgreSQL: unread counts per agent, complaints and long waits
first, auto-assignment round-robin within capacity (also under concurrent assigners on
PostgreSQL), transfers and take-overs."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest

from bot.handoff.service import AssignRules, HandoffService, TransferRefused, attention_rank
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.vocabulary import HandoffKind, HandoffOutcome, HandoffStatus
from tests.clock import FakeClock
from tests.handoff.test_service import WEDNESDAY_NOON

AUTO = AssignRules(auto=True, capacity=1, long_wait=timedelta(minutes=5))


@pytest.fixture
def clock():
    return FakeClock(WEDNESDAY_NOON)


def handoffs_with(seeded, support, clock, rules=AUTO) -> HandoffService:
    return HandoffService(seeded, support, clock, rules=rules)


def log_in(seeded, *staff_ids):
    logins = LoginSessions(seeded)
    return {staff_id: logins.start(LoginKind.STAFF, staff_id, timedelta(hours=8)) for staff_id in staff_ids}


def ask(service, n, reason="requested"):
    ticket = service.request(f"conv-{n}", None, reason, None, {"customer_said": [f"第 {n} 位"]})
    assert ticket.handoff is not None
    return ticket.handoff.id


def test_unread_counts_are_per_agent_and_cleared_by_reading(seeded, support, clock):
    service = handoffs_with(seeded, support, clock, AssignRules())
    first, second = ask(service, 1), ask(service, 2)
    assert service.claim(first, "a1") and service.claim(second, "a1")
    for words in ("在吗", "我的服务器还是打不开"):
        service.customer_said("conv-2", words)
    assert service.unread("a1") == {second: 2}
    assert service.unread("a2") == {}  # not theirs
    service.mark_read(second, "a1")
    service.mark_read(second, "a1")  # again: still one record, nothing unread
    assert service.unread("a1") == {}
    service.customer_said("conv-2", "还有一个问题")
    service.customer_said("conv-1", "您好")
    assert service.unread("a1") == {first: 1, second: 1}


def test_complaints_then_long_waits_sort_first(seeded, support, clock):
    service = handoffs_with(seeded, support, clock, AssignRules())
    old = ask(service, 1)
    clock.now += timedelta(minutes=6)
    fresh = ask(service, 2)
    complaint = ask(service, 3, reason="complaint")
    held = ask(service, 4)
    service.claim(held, "a1")
    now, rows = clock(), service.queue()
    ordered = [h.id for h in sorted(rows, key=lambda h: attention_rank(h, now, AUTO.long_wait))]
    assert ordered == [complaint, old, fresh, held]


def test_an_unclaimed_complaint_becomes_a_message_not_history(seeded, support, clock):
    service = handoffs_with(seeded, support, clock, AssignRules())
    complaint, plain = ask(service, 1, reason="complaint"), ask(service, 2)
    clock.now += timedelta(minutes=5)
    expired = {h.id: h for h in service.expire_unclaimed()}
    assert expired[plain].status == HandoffStatus.TIMED_OUT
    kept = expired[complaint]
    assert kept.status == HandoffStatus.MESSAGE and kept.kind == HandoffKind.MESSAGE and kept.message == "第 1 位"
    assert complaint in {h.id for h in service.queue()}  # still in front of the agents
    assert service.take_work_item(complaint, "a1")


def test_auto_assignment_is_round_robin_within_capacity(seeded, support, clock):
    log_in(seeded, "a1", "a2", "r1")  # r1 is no agent: never assigned
    service = handoffs_with(seeded, support, clock)
    ids = [ask(service, n) for n in range(3)]
    assigned = service.assign_waiting()
    assert sorted(h.agent_id for h in assigned) == ["a1", "a2"]
    assert service.get(ids[2]).status == HandoffStatus.WAITING  # both agents are full (capacity 1)
    first_agent = service.get(ids[0]).agent_id
    clock.now += timedelta(minutes=1)
    assert service.finish(ids[0], first_agent, HandoffOutcome.CLOSED) is not None
    assert [h.agent_id for h in service.assign_waiting()] == [first_agent]  # room again
    assert service.assign_waiting() == []


def test_round_robin_picks_whoever_was_assigned_longest_ago(seeded, support, clock):
    log_in(seeded, "a1", "a2")
    service = handoffs_with(seeded, support, clock, AssignRules(auto=True, capacity=5))
    agents = []
    for n in range(4):
        clock.now += timedelta(seconds=30)
        ask(service, n)
        agents += [h.agent_id for h in service.assign_waiting()]
    assert agents in (["a1", "a2", "a1", "a2"], ["a2", "a1", "a2", "a1"])


def test_no_assignment_when_off_or_nobody_logged_in(seeded, support, clock):
    ask(handoffs_with(seeded, support, clock), 1)
    assert handoffs_with(seeded, support, clock).assign_waiting() == []  # nobody online
    log_in(seeded, "a1")
    assert handoffs_with(seeded, support, clock, AssignRules(auto=False)).assign_waiting() == []


def _postgres_only(seeded):
    if seeded.kw["bind"].dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")


def test_concurrent_assigners_never_exceed_capacity(seeded, support, clock):
    _postgres_only(seeded)
    log_in(seeded, "a1")
    service = handoffs_with(seeded, support, clock)
    ids = [ask(service, n) for n in range(6)]
    start = Barrier(len(ids))

    def assign(handoff_id):
        start.wait()
        return service.assign_next(handoff_id)

    with ThreadPoolExecutor(len(ids)) as pool:
        results = list(pool.map(assign, ids))
    assert results.count("a1") == 1 and results.count(None) == 5
    assert sum(1 for h in service.queue() if h.status == HandoffStatus.ACTIVE) == 1


def test_concurrent_assigners_of_one_handoff_assign_it_once(seeded, support, clock):
    _postgres_only(seeded)
    log_in(seeded, "a1", "a2")
    service = handoffs_with(seeded, support, clock, AssignRules(auto=True, capacity=3))
    handoff_id = ask(service, 1)
    start = Barrier(4)

    def assign(_):
        start.wait()
        return service.assign_next(handoff_id)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(assign, range(4)))
    assert len([r for r in results if r]) == 1
    assert service.get(handoff_id).agent_id == next(r for r in results if r)


def test_transfer_with_a_note_and_who_may(seeded, support, clock):
    service = handoffs_with(seeded, support, clock, AssignRules())
    logins = log_in(seeded, "a1", "a2")
    handoff_id = ask(service, 1)
    with pytest.raises(TransferRefused, match="自己正在接待"):
        service.transfer(handoff_id, "a1", "a2", "")  # nobody holds it yet: only a supervisor assigns
    assert service.claim(handoff_id, "a1")
    with pytest.raises(TransferRefused, match="自己正在接待"):
        service.transfer(handoff_id, "a2", "a2", "我来")  # not theirs
    with pytest.raises(TransferRefused, match="在职的人工客服"):
        service.transfer(handoff_id, "a1", "r1", "")  # a reviewer is no agent
    moved = service.transfer(handoff_id, "a1", "a2", "客户要求退款到原卡，小李熟悉")
    assert moved.agent_id == "a2" and moved.status == HandoffStatus.ACTIVE
    assert moved.notes[-1]["text"].endswith("客户要求退款到原卡，小李熟悉") and moved.notes[-1]["agent_id"] == "a1"
    back = service.transfer(handoff_id, "m1", "a1", "", supervisor=True)
    assert back.agent_id == "a1"
    with pytest.raises(TransferRefused, match="已由该客服接待"):
        service.transfer(handoff_id, "m1", "a1", "", supervisor=True)
    LoginSessions(seeded).end(logins["a2"])
    with pytest.raises(TransferRefused, match="不在线"):
        service.transfer(handoff_id, "a1", "a2", "")  # nobody there to answer the customer


def test_take_over_only_from_a_colleague_who_left(seeded, support, clock):
    logins = log_in(seeded, "a1", "a2")
    service = handoffs_with(seeded, support, clock, AssignRules())
    handoff_id = ask(service, 1)
    service.claim(handoff_id, "a1")
    with pytest.raises(TransferRefused, match="仍在线"):
        service.take_over(handoff_id, "a2")
    LoginSessions(seeded).end(logins["a1"])
    assert service.take_over(handoff_id, "a2").agent_id == "a2"
