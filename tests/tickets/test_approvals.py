"""Approval by role and amount on SQLite and PostgreSQL: above the policy's limit (per order, all
its tickets together) a second person, a manager (主管), approves; the first reviewer cannot.
One reviewer used to take, approve and pay 60,000 alone."""
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.refunds import ticket_replies
from bot.storage.seed import DemoOrder, add_demo_order, demo_order
from bot.tickets.ledger import OrderLedgers
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.store import TicketStore
from bot.tickets.workflow import InvalidRequest, TicketWorkflow
from tests.conftest import NOW

LARGE = DemoOrder("large", "2026112400019999", "c1001", "ins-l4rge001", "ecs", "云服务器 ECS（64核256G）", 2, 12,
                  Decimal("72000"))


def workflow(seeded, policy):
    return TicketWorkflow(TicketStore(seeded), policy, lambda: NOW, OrderLedgers(SqlBillingAdapter(seeded), policy))


@pytest.fixture
def large_ticket(seeded, service):
    with seeded.begin() as db:
        add_demo_order(db, LARGE, NOW)
    ticket = service.file("c1001", LARGE.order_id, "demand_change", {}).ticket
    assert ticket.quoted_amount > Decimal("50000") and ticket.quote["needs_manager_approval"]
    return ticket


def test_above_the_limit_a_manager_approves_as_the_second_person(seeded, service, large_ticket):
    flow = workflow(seeded, service.policy)
    flow.take(large_ticket.ticket_id, "m1")  # a manager works tickets as a reviewer too
    waiting = flow.approve(large_ticket.ticket_id, "m1")
    assert waiting.status == "manager_review" and waiting.approved_by == "m1"
    assert "主管审批" in ticket_replies.status_text(waiting)  # the customer is told the truth
    with pytest.raises(IllegalTransition):  # nothing is paid before the manager approves
        flow.start_payout(large_ticket.ticket_id, "m1")
    with pytest.raises(IllegalTransition, match="初审以外"):  # the first reviewer cannot be the second
        flow.manager_approve(large_ticket.ticket_id, "m1")
    approved = flow.manager_approve(large_ticket.ticket_id, "m2", "核对无误")
    assert (approved.status, approved.manager_id, approved.approved_by) == ("approved", "m2", "m1")
    assert flow.start_payout(large_ticket.ticket_id, "r1").status == "refunding"
    events = [(e.actor, e.to_status) for e in flow.get(large_ticket.ticket_id).events]
    assert ("reviewer:m1", "manager_review") in events and ("manager:m2", "approved") in events


def test_a_manager_can_send_it_back_with_a_reason(seeded, service, large_ticket):
    flow = workflow(seeded, service.policy)
    flow.take(large_ticket.ticket_id, "r1")
    flow.approve(large_ticket.ticket_id, "r1")
    with pytest.raises(InvalidRequest):
        flow.manager_return(large_ticket.ticket_id, "m1", " ")
    back = flow.manager_return(large_ticket.ticket_id, "m1", "请核实实际使用时长")
    assert (back.status, back.final_amount, back.approved_by) == ("under_review", None, None)
    assert flow.approve(large_ticket.ticket_id, "r1").status == "manager_review"


def test_the_limit_counts_every_ticket_of_the_order(seeded, service):
    """Two tickets each under the limit, together above it: the second one waits for a manager
    (limits were checked per ticket only)."""
    big = demo_order("downgrade")
    first = service.file_downgrade("c1004", big.order_id, "ecs.4c8g").ticket
    policy = replace(service.policy, manager_approval_above=first.quoted_amount + Decimal("100"))
    flow = workflow(seeded, policy)
    flow.take(first.ticket_id, "r1")
    assert flow.approve(first.ticket_id, "r1").status == "approved"
    flow.start_payout(first.ticket_id, "r1")
    flow.mark_paid(first.ticket_id, "r1", "PAY-1")
    second = service.file_downgrade("c1004", big.order_id, "ecs.2c4g").ticket
    assert Decimal("100") < second.quoted_amount <= policy.manager_approval_above
    flow.take(second.ticket_id, "r1")
    assert flow.approve(second.ticket_id, "r1").status == "manager_review"


def test_no_limit_in_the_policy_means_one_approval(seeded, service, large_ticket):
    flow = workflow(seeded, replace(service.policy, manager_approval_above=None))
    flow.take(large_ticket.ticket_id, "r1")
    assert flow.approve(large_ticket.ticket_id, "r1").status == "approved"
