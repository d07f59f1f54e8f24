"""A reviewer at volume: bulk approval of same-kind tickets at their quotes (each one still through
the ledger and the approval limit), reassigning a colleague's ticket, a due date on every ticket
filed (manual review too) and a materials checklist that fits the ticket."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.refunds.service import RefundService
from bot.storage.schema import CustomerRow
from bot.storage.seed import DEMO_PASSWORD_HASH, DemoOrder, add_demo_order, demo_order
from bot.tickets.labels import info_requests_for
from bot.tickets.ledger import OrderLedgers
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.store import TicketStore
from bot.tickets.workflow import InvalidRequest, TicketWorkflow
from bot.vocabulary import TicketStatus
from tests.conftest import NOW


def same_kind(seeded, service, count: int, price: str = "1200") -> list:
    """`count` customers, each with a new 2-day-old ECS order refunded for a change of plans."""
    with seeded.begin() as session:
        for n in range(count):
            session.add(CustomerRow(customer_id=f"c8{n:03d}", name=f"批量客户{n}", is_demo=True,
                                    password_hash=DEMO_PASSWORD_HASH))
            session.flush()
            add_demo_order(session, DemoOrder(f"bulk{n}", f"20261124008{n:05d}", f"c8{n:03d}", f"ins-bulk{n:03d}", "ecs",
                                              "云服务器 ECS（2核4G）", 2, 12, Decimal(price)), NOW - timedelta(minutes=n))
    return [service.file(f"c8{n:03d}", f"20261124008{n:05d}", "demand_change", {}).ticket.ticket_id
            for n in range(count)]


def workflow_for(seeded, service: RefundService, limit: str | None = None) -> TicketWorkflow:
    policy = service.policy if limit is None else replace(service.policy, manager_approval_above=Decimal(limit))
    return TicketWorkflow(TicketStore(seeded), policy, lambda: NOW, OrderLedgers(SqlBillingAdapter(seeded), policy))


def test_bulk_approval_takes_and_approves_each_ticket_at_its_quote(seeded, service):
    tickets = same_kind(seeded, service, 4)
    flow = workflow_for(seeded, service)
    outcomes = flow.approve_many_at_quote(tickets, "r1")
    assert [o.approved for o in outcomes] == [True] * 4
    for ticket_id in tickets:
        ticket = flow.get(ticket_id)
        assert ticket.status == TicketStatus.APPROVED and ticket.final_amount == ticket.quoted_amount > 0
        assert ticket.reviewer_id == "r1" and ticket.approved_by == "r1" and ticket.stage_due is not None
        assert [e.reason_code for e in ticket.events][-2:] == ["take", "approve"]  # audited one by one


def test_bulk_approval_keeps_the_money_rules(seeded, service):
    """Above the approval limit a ticket waits for a manager; one a colleague holds, one for manual
    review and one already decided are left alone, each with its reason."""
    cheap, dear, held, decided = same_kind(seeded, service, 4)
    flow = workflow_for(seeded, service, limit="1000")
    flow.take(held, "a2")
    flow.take(decided, "r1")
    flow.reject(decided, "r1", "outside_policy")
    manual = service.file("c1001", demo_order("promotional").order_id, "demand_change", {}).ticket
    assert manual.manual_review
    outcomes = {o.ticket_id: o for o in flow.approve_many_at_quote([cheap, held, decided, manual.ticket_id], "r1")}
    assert outcomes[cheap].to_manager and flow.get(cheap).status == TicketStatus.MANAGER_REVIEW  # 1,200 > 1,000
    assert outcomes[held].refusal == "由 a2 处理中" and flow.get(held).status == TicketStatus.UNDER_REVIEW
    assert "已驳回" in outcomes[decided].refusal and flow.get(decided).status == TicketStatus.REJECTED
    assert "人工复核" in outcomes[manual.ticket_id].refusal and flow.get(manual.ticket_id).reviewer_id is None
    assert flow.get(dear).status == TicketStatus.SUBMITTED  # not selected: untouched


def test_bulk_approval_refuses_mixed_kinds_and_empty_or_huge_selections(seeded, service):
    (refund,) = same_kind(seeded, service, 1)
    claim = service.file_sla_claim("c1004", demo_order("sla_claim").order_id, "宕机一上午").ticket
    flow = workflow_for(seeded, service)
    with pytest.raises(InvalidRequest, match="同一类型"):
        flow.approve_many_at_quote([refund, claim.ticket_id], "r1")
    with pytest.raises(InvalidRequest, match="勾选"):
        flow.approve_many_at_quote([" "], "r1")
    with pytest.raises(InvalidRequest, match="最多"):
        flow.approve_many_at_quote([f"RF{n}" for n in range(51)], "r1")
    assert flow.get(refund).status == TicketStatus.SUBMITTED and flow.get(claim.ticket_id).status == TicketStatus.SUBMITTED


def test_a_colleagues_ticket_is_reassigned_with_a_trace(seeded, service):
    (ticket_id,) = same_kind(seeded, service, 1)
    flow = workflow_for(seeded, service)
    with pytest.raises(IllegalTransition):
        flow.reassign(ticket_id, "r1", "r1")  # nobody holds it: take it instead
    flow.take(ticket_id, "a2")
    moved = flow.reassign(ticket_id, "r1", "r1", "小李今天休假")
    assert moved.reviewer_id == "r1" and moved.status == TicketStatus.UNDER_REVIEW
    assert moved.events[-1].reason_code == "reassigned" and "a2" in moved.events[-1].note and "休假" in moved.events[-1].note
    with pytest.raises(IllegalTransition):
        flow.reassign(ticket_id, "r1", "r1")


def test_every_ticket_filed_has_a_due_date_manual_review_too(seeded, service):
    manual = service.file("c1001", demo_order("promotional").order_id, "demand_change", {}).ticket
    assert manual.manual_review and manual.stage_due == service.policy.timing.working_days_after(
        NOW, service.policy.timing.review_working_days)


def test_the_materials_checklist_fits_the_reason_and_kind():
    assert "两笔扣款的交易流水" not in info_requests_for("refund", "wrong_purchase")
    assert "两笔扣款的交易流水" in info_requests_for("refund", "duplicate_payment")
    assert "监控图表或日志" in info_requests_for("sla_claim", "service_issue")
    assert "确认降配后的目标配置" in info_requests_for("downgrade", "demand_change")
    assert "故障期间的截图" not in info_requests_for("refund", "demand_change")
