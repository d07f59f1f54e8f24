"""Ticket workflow over SQLite and PostgreSQL: audit trail, amounts, due dates, escalation."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.errors import NotFound
from bot.policy.config import load_policy
from bot.settings import PROJECT_ROOT
from bot.storage.seed import demo_order
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.store import NewTicket, TicketStore
from bot.tickets.workflow import InvalidRequest, TicketWorkflow
from tests.clock import FakeClock
from tests.conftest import NOW

POLICY = load_policy(PROJECT_ROOT / "policies" / "default.yml")


@pytest.fixture
def clock():
    return FakeClock(NOW)  # Wednesday 2026-11-25 10:00 Beijing


@pytest.fixture
def store(seeded):
    return TicketStore(seeded)


@pytest.fixture
def flow(store, clock):
    return TicketWorkflow(store, POLICY, clock)


@pytest.fixture
def ticket(store, clock):
    quote = {"rule": "standard", "refund": "1000.00", "paid": "1200.00", "destination": "original_route",
             "review_due": "2026-11-30"}
    new = NewTicket("c1001", demo_order("in_window").order_id, "ecs", "demand_change", quote, {})
    return store.file(new, clock())[0]


def test_filing_sets_the_review_due_date(ticket):
    assert ticket.stage_due == date(2026, 11, 30) and [e.to_status for e in ticket.events] == ["submitted"]


def test_happy_path_is_fully_audited(flow, ticket):
    flow.take(ticket.ticket_id, "r1")
    flow.approve(ticket.ticket_id, "r1")
    flow.start_payout(ticket.ticket_id, "r1")
    done = flow.mark_paid(ticket.ticket_id, "r1", "PAY-20261125-001")
    assert done.status == "refunded" and done.payout_reference == "PAY-20261125-001"
    assert done.final_amount == Decimal("1000.00") and done.paid_at is not None
    assert [(e.from_status, e.to_status, e.actor) for e in done.events] == [
        (None, "submitted", "customer:c1001"), ("submitted", "under_review", "reviewer:r1"),
        ("under_review", "approved", "reviewer:r1"), ("approved", "refunding", "reviewer:r1"),
        ("refunding", "refunded", "reviewer:r1")]
    assert not done.is_open


def test_approval_sets_the_payout_due_date(flow, ticket):
    flow.take(ticket.ticket_id, "r1")
    approved = flow.approve(ticket.ticket_id, "r1")
    assert approved.stage_due == date(2026, 11, 30)  # 3 working days after Wed 25th


def test_adjusted_amount_needs_a_reason_and_stays_within_what_was_paid(flow, ticket):
    flow.take(ticket.ticket_id, "r1")
    with pytest.raises(InvalidRequest, match="调整原因"):
        flow.approve(ticket.ticket_id, "r1", amount="900.00")
    with pytest.raises(InvalidRequest, match="超过了实付金额"):
        flow.approve(ticket.ticket_id, "r1", amount="5000.00", reason="x")
    with pytest.raises(InvalidRequest, match="最多两位小数"):
        flow.approve(ticket.ticket_id, "r1", amount="900.001", reason="x")
    approved = flow.approve(ticket.ticket_id, "r1", amount="900.00", reason="扣除已使用的带宽费用")
    assert approved.final_amount == Decimal("900.00") and approved.adjustment_reason == "扣除已使用的带宽费用"


def test_illegal_transition_changes_nothing(flow, store, ticket):
    with pytest.raises(IllegalTransition):
        flow.approve(ticket.ticket_id, "r1")
    unchanged = store.get_for_staff(ticket.ticket_id)
    assert unchanged.status == "submitted" and len(unchanged.events) == 1


def test_needs_info_and_supplement(flow, ticket, clock):
    flow.take(ticket.ticket_id, "r1")
    asked = flow.request_info(ticket.ticket_id, "r1", ["故障截图", "监控图"], note="请补充")
    assert asked.status == "needs_info" and asked.info_requested == ("故障截图", "监控图") and asked.stage_due is None
    with pytest.raises(InvalidRequest):
        flow.supplement("c1001", ticket.ticket_id, [])
    with pytest.raises(NotFound):
        flow.supplement("c1002", ticket.ticket_id, [("text", "不是我的工单")])
    back = flow.supplement("c1001", ticket.ticket_id, [("link", "https://pan.example.com/x")])
    assert back.status == "under_review" and back.evidence[-1].content == "https://pan.example.com/x"


def test_reject_appeal_and_final_decision(flow, ticket):
    flow.take(ticket.ticket_id, "r1")
    with pytest.raises(InvalidRequest):
        flow.reject(ticket.ticket_id, "r1", "because")
    rejected = flow.reject(ticket.ticket_id, "r1", "insufficient_evidence", "没有故障记录")
    assert rejected.status == "rejected" and not rejected.is_open
    appealed = flow.appeal("c1001", ticket.ticket_id, "我有监控截图可以证明")
    assert appealed.status == "appealed" and appealed.stage_due == date(2026, 12, 2)
    with pytest.raises(IllegalTransition):
        flow.appeal("c1001", ticket.ticket_id, "再申诉一次")  # one open appeal per ticket
    final = flow.close_appeal(ticket.ticket_id, "r2", "reject", note="仍不符合条件")
    assert final.status == "final_rejected"


def test_withdraw_only_before_approval(flow, store, ticket, clock):
    assert flow.withdraw("c1001", ticket.ticket_id).status == "withdrawn"
    quote = {"rule": "standard", "refund": "10.00", "paid": "10.00"}
    order_id = demo_order("standard_voucher").order_id
    other = store.file(NewTicket("c1001", order_id, "ecs", "demand_change", quote, {}), clock())[0]
    flow.take(other.ticket_id, "r1")
    flow.approve(other.ticket_id, "r1")
    with pytest.raises(IllegalTransition):
        flow.withdraw("c1001", other.ticket_id)


def test_overdue_ticket_is_escalated_once(flow, store, ticket, clock):
    assert flow.escalate_if_overdue(ticket) is None
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # Tuesday after the due Monday
    overdue = store.get_for_staff(ticket.ticket_id)
    assert flow.is_overdue(overdue)
    new_due = flow.escalate_if_overdue(overdue)
    assert new_due == date(2026, 12, 2)
    # Asking again: the stage now has a new, future due date, so nothing piles up.
    again = store.get_for_staff(ticket.ticket_id)
    assert flow.escalate_if_overdue(again) is None and again.stage_due == date(2026, 12, 2)
    # Even a stale copy of the overdue ticket cannot record a second escalation.
    assert store.record_escalation(overdue, date(2026, 12, 3), clock()) is False
    assert store.escalation_count(ticket.ticket_id) == 1


def test_changes_since_last_visit(flow, store, ticket, clock):
    assert store.changed_since_last_visit("c1001", clock()) == []  # first visit
    clock.now += timedelta(hours=1)
    flow.take(ticket.ticket_id, "r1")
    clock.now += timedelta(hours=1)
    changed = store.changed_since_last_visit("c1001", clock())
    assert [(t.ticket_id, e.to_status) for t, e in changed] == [(ticket.ticket_id, "under_review")]
    assert store.changed_since_last_visit("c1001", clock()) == []
