"""Downgrades and SLA claims over the seeded demo data (SQLite and PostgreSQL): quoting, filing,
review and payout keep the resource and pay an SLA claim as a voucher."""
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.billing.models import OrderContext
from bot.billing.sql_adapter import SqlBillingAdapter
from bot.policy.changes import quote_sla_claim
from bot.refunds import ticket_replies
from bot.storage.schema import OrderRow, PaymentRow
from bot.storage.seed import demo_order
from bot.tickets.workflow import TicketWorkflow
from bot.vocabulary import TicketKind
from tests.conftest import NOW

BIG = demo_order("downgrade")
DOWN = demo_order("sla_claim")


def test_the_big_server_can_move_to_each_cheaper_configuration(service):
    options = service.downgrade_options("c1004", BIG.order_id)
    assert [s.spec_code for s in options] == ["ecs.4c8g", "ecs.2c4g", "ecs.1c2g"]
    quotes = [service.quote_downgrade("c1004", BIG.order_id, s.spec_code) for s in options]
    assert all(q.rule == "downgrade" and q.eligible for q in quotes)
    assert quotes[0].refund < quotes[1].refund < quotes[2].refund  # the smaller, the more back
    assert service.quote_downgrade("c1004", BIG.order_id, "ecs.8c16g") is None  # not cheaper
    assert service.downgrade_options("c1001", BIG.order_id) == []  # not theirs
    assert service.downgrade_options("c1001", demo_order("unstarted_renewal").order_id) == []  # not running yet
    assert service.quote_downgrade("c1001", BIG.order_id, "ecs.2c4g") is None


def test_filing_a_downgrade_keeps_the_resource_and_refunds_to_the_balance(service, seeded):
    filing = service.file_downgrade("c1004", BIG.order_id, "ecs.2c4g", conversation_id="conv-1")
    ticket = filing.ticket
    assert filing.created and ticket.kind == TicketKind.DOWNGRADE and ticket.keeps_resource
    assert ticket.quote["target_spec"] == "2核4G" and ticket.quote["destination"] == "account_balance"
    assert ticket.quoted_amount == filing.quote.refund and not ticket.manual_review
    assert "降配退款" in ticket_replies.status_text(ticket)
    again = service.file_downgrade("c1004", BIG.order_id, "ecs.1c2g")
    assert not again.created and again.ticket.ticket_id == ticket.ticket_id  # one open ticket per order
    with seeded() as db:
        assert db.get(OrderRow, BIG.order_id).status == "active"


def test_an_sla_claim_is_a_voucher_for_the_worst_month(service, seeded):
    quote = service.quote_sla_claim("c1004", DOWN.order_id)
    order = SqlBillingAdapter(seeded).get_order("c1004", DOWN.order_id)
    outages = SqlBillingAdapter(seeded).outages_for(DOWN.instance_id)
    assert quote == quote_sla_claim(OrderContext(order, outages=tuple(outages)), NOW, service.policy)
    assert (quote.rule, quote.destination) == ("sla_compensation", "voucher")
    assert quote.refund in (Decimal("30.00"), Decimal("12.00"))  # 9 h in one month, or split over two
    filing = service.file_sla_claim("c1004", DOWN.order_id, "周二凌晨服务器连不上，网站挂了一上午")
    assert filing.ticket.kind == TicketKind.SLA_CLAIM and filing.ticket.pays_voucher
    assert filing.ticket.evidence[0].content.startswith("周二凌晨")


def test_an_sla_claim_without_an_outage_on_record_goes_to_a_reviewer(service):
    quote = service.quote_sla_claim("c1004", BIG.order_id)
    assert (quote.eligible, quote.rule) == (False, "no_outage_record")
    filing = service.file_sla_claim("c1004", BIG.order_id, "昨晚 8 点到 10 点连不上")
    assert filing.ticket.manual_review and filing.ticket.kind == TicketKind.SLA_CLAIM


def test_an_approved_sla_claim_is_issued_as_a_voucher_at_once(service, seeded):
    ticket = service.file_sla_claim("c1004", DOWN.order_id).ticket
    workflow = TicketWorkflow(service._tickets, service.policy, clock=lambda: NOW)
    workflow.take(ticket.ticket_id, "r1")
    approved = workflow.approve(ticket.ticket_id, "r1")
    assert approved.stage_due == service.policy.timing.working_days_after(NOW, 0)
    text = ticket_replies.status_text(approved)
    assert "补偿代金券" in text and "不可提现" in text and "退回" not in text
    workflow.start_payout(ticket.ticket_id, "r1")
    paid = workflow.mark_paid(ticket.ticket_id, "r1", "VC20261203001")
    text = ticket_replies.status_text(paid)
    assert "代金券编号 VC20261203001" in text and "到账" not in text.split("当前状态")[1].split("\n", 1)[1]


def test_the_no_reason_quota_counts_instances(service, seeded):
    """A 3-instance ECS order refunded in the window uses 3 of a quota; a policy that shares it
    between ECS, RDS and virtual hosts counts it for an RDS order too, naming the order."""
    from dataclasses import replace

    from bot.refunds.service import RefundService
    from bot.tickets.store import TicketStore
    order_id = demo_order("in_window").order_id
    with seeded.begin() as db:
        db.get(OrderRow, order_id).quantity = 3
    q = service.quote("c1001", order_id, "demand_change")
    assert (q.rule, q.no_reason_instances) == ("no_reason_some_instances", 1)
    service.file("c1001", order_id, "demand_change", {})
    store = TicketStore(seeded)
    assert store.count_no_reason_refunds("c1001", NOW.year, ("ecs",)) == 1
    shared_policy = replace(service.policy, no_reason=replace(service.policy.no_reason,
                                                              shared_by=(("ecs", "rds", "vhost"),)))
    grouped = RefundService(SqlBillingAdapter(seeded), store, shared_policy, clock=lambda: NOW)
    rds = demo_order("duplicate")  # an RDS order: shares the quota the ECS refund used
    shared = grouped._context(SqlBillingAdapter(seeded).get_order("c1001", rds.order_id))
    assert shared.no_reason_refunds_this_year == 1
    assert [(u.order_id, u.product_code, u.units) for u in shared.no_reason_uses] == [(order_id, "ecs", 1)]
    assert shared.no_reason_uses[0].product_name.startswith("云服务器")  # named from billing for the customer


def add_change(seeded, order_id: str, order_type: str, cash: str, starts_at_expiry: bool) -> None:
    """Put into billing an upgrade (from yesterday to the base's expiry) or a renewal (the year
    after it) of the voucher ECS order, paid in cash yesterday."""
    base = demo_order("standard_voucher")
    with seeded.begin() as db:
        expiry = db.get(OrderRow, base.order_id).expires_at
        starts = expiry if starts_at_expiry else NOW - timedelta(days=1)
        db.add(OrderRow(order_id=order_id, customer_id="c1001", product_code="ecs", product_name=order_type,
                        instance_id=base.instance_id, billing_mode="prepaid", order_type=order_type, term_months=12,
                        created_at=NOW - timedelta(days=1), activated_at=starts,
                        expires_at=starts + timedelta(days=365) if starts_at_expiry else expiry, hourly_tiers=[],
                        parent_order_id=base.order_id))
        db.flush()
        db.add(PaymentRow(txn_id=f"T{order_id[-2:]}", order_id=order_id, paid_at=NOW - timedelta(days=1),
                          method="alipay", cash=Decimal(cash)))


def test_an_upgrade_linked_in_billing_is_settled_with_its_order(service, seeded):
    base = demo_order("standard_voucher")
    add_change(seeded, "2026112900010099", "upgrade", "1000", starts_at_expiry=False)
    quote = service.quote("c1001", base.order_id, "demand_change")
    line = next(line for line in quote.lines if line.code == "change_order")
    assert "升级订单 2026112900010099" in line.label and Decimal("990") < line.amount < Decimal("1000")
    # Once the base order has a ticket, the upgrade is not refunded on its own as well...
    service.file("c1001", base.order_id, "demand_change", {})
    upgrade = service.order("c1001", "2026112900010099")
    assert service.precheck("c1001", upgrade).open_ticket.order_id == base.order_id


def test_a_change_with_its_own_ticket_is_not_settled_again_with_its_base(service, seeded):
    base = demo_order("standard_voucher")
    add_change(seeded, "2026112900010098", "renewal", "2400", starts_at_expiry=True)
    with_renewal = service.quote("c1001", base.order_id, "demand_change")
    assert any(line.code == "change_order" and line.amount == Decimal("2400.00") for line in with_renewal.lines)
    renewal = service.file("c1001", "2026112900010098", "demand_change", {}).ticket  # the renewal alone, in full
    alone = service.quote("c1001", base.order_id, "demand_change")
    # The order's ledger deducts what the renewal's own ticket gives back: never refunded twice.
    returned = next(line for line in alone.lines if line.code == "returned")
    assert returned.amount == Decimal("-2400.00") and renewal.ticket_id in returned.label
    assert alone.refund == with_renewal.refund - Decimal("2400.00")


@pytest.mark.parametrize("key", ["downgrade", "sla_claim"])
def test_other_customers_cannot_file_on_these_orders(service, key):
    with pytest.raises(LookupError):
        service.file_sla_claim("c1001", demo_order(key).order_id)
    with pytest.raises(LookupError):
        service.file_downgrade("c1001", demo_order(key).order_id, "ecs.1c2g")


def test_on_the_last_day_a_huawei_downgrade_and_unsubscription_go_ahead_with_nothing_back(seeded):
    from bot.policy.config import load_policy
    from bot.refunds import change_replies, replies
    from bot.refunds.service import RefundService
    from bot.settings import PROJECT_ROOT
    from bot.tickets.store import TicketStore

    big = SqlBillingAdapter(seeded).get_order("c1004", BIG.order_id)
    last_day = big.expires_at - timedelta(hours=2)
    huawei = RefundService(SqlBillingAdapter(seeded), TicketStore(seeded),
                           load_policy(PROJECT_ROOT / "policies" / "huawei.yml"), clock=lambda: last_day)
    quote = huawei.quote_downgrade("c1004", BIG.order_id, "ecs.2c4g")
    assert (quote.eligible, quote.rule, quote.refund) == (True, "downgrade", Decimal("0.00"))
    refund = huawei.quote("c1004", BIG.order_id, "demand_change")
    assert (refund.eligible, refund.rule, refund.refund) == (True, "standard", Decimal("0.00"))
    assert "确认提交退订申请吗？（按规则不退款）" in replies.quote_question(refund)
    filing = huawei.file_downgrade("c1004", BIG.order_id, "ecs.2c4g")
    assert filing.ticket.quoted_amount == 0 and not filing.ticket.manual_review
    assert "按规则不退款" in change_replies.change_filed(filing.ticket)
    workflow = TicketWorkflow(TicketStore(seeded), huawei.policy, clock=lambda: last_day)
    workflow.take(filing.ticket.ticket_id, "r1")
    assert workflow.approve(filing.ticket.ticket_id, "r1").final_amount == 0
