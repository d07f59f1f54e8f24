"""An order's ledger on SQLite and PostgreSQL: an order gives back at most what was paid, a full
refund settles it, an outage month is compensated once, and two approvals at once never both
take the same money (the cases of issue 28, each failing before the ledger existed)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from threading import Barrier

import pytest

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.storage.seed import demo_order
from bot.tickets.ledger import COMPENSATION, DUPLICATE, SERVICE, Entry, Ledger, LedgerRefused, Limits, OrderLedgers
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.store import NewTicket, TicketStore
from bot.tickets.workflow import TicketWorkflow
from tests.conftest import NOW

BIG, DOWN = demo_order("downgrade"), demo_order("sla_claim")


@pytest.fixture
def flow(seeded, service):
    ledgers = OrderLedgers(SqlBillingAdapter(seeded), service.policy)
    return TicketWorkflow(TicketStore(seeded), service.policy, lambda: NOW, ledgers)


def pay(flow, ticket_id, amount=None, reason=""):
    flow.take(ticket_id, "r1")
    flow.approve(ticket_id, "r1", amount, reason)
    flow.start_payout(ticket_id, "r1")
    return flow.mark_paid(ticket_id, "r1", f"PAY-{ticket_id}")


def entry(reference, kind="refund", reason="demand_change", status="submitted", amount="0", at=NOW, **kw):
    return Entry(reference, "o1", kind, reason, status, Decimal(amount), at, **kw)


def test_the_ledger_rules_on_their_own():
    limits = Limits(service=Decimal("1000"), duplicate=Decimal("300"), compensation=Decimal("100"))
    ledger = Ledger("o1", limits, (entry("D1", "downgrade", amount="400", status="refunded"),
                                   entry("X", amount="900", status="withdrawn")))
    assert ledger.left(SERVICE) == Decimal("600") and ledger.paid_out(SERVICE) == Decimal("400")
    assert ledger.returned(SERVICE) == (Decimal("400"), ("D1",))
    assert ledger.problem(entry("R1", amount="600")) is None
    assert "最多还能退 600.00 元" in str(ledger.problem(entry("R1", amount="600.01")))
    refunded = Ledger("o1", limits, (*ledger.entries, entry("R1", amount="600", status="refunded")))
    assert refunded.settled_by().reference == "R1"
    assert refunded.problem(entry("D2", "downgrade", amount="1")).reference == "R1"
    assert refunded.problem(entry("C1", "sla_claim", "service_issue", amount="1", claim="i:2026-11")).reference == "R1"
    assert refunded.problem(entry("P1", reason="duplicate_payment", amount="300")) is None  # other money
    assert refunded.problem(entry("P1", reason="duplicate_payment", amount="300.01")) is not None
    claimed = Ledger("o1", limits, (entry("C1", "sla_claim", "service_issue", amount="30", claim="i:2026-11"),))
    assert claimed.problem(entry("C2", "sla_claim", "service_issue", claim="i:2026-11")).reference == "C1"
    assert claimed.problem(entry("C3", "sla_claim", "service_issue", amount="30", claim="i:2026-10")) is None
    assert claimed.problem(entry("C3", "sla_claim", "service_issue", amount="101", claim="i:2026-10")) is not None
    assert claimed.problem(entry("R2", reason="service_issue", amount="1", voucher=Decimal("30"),
                                 claim="i:2026-11")).reference == "C1"
    assert {COMPENSATION, DUPLICATE} == {entry("C", "sla_claim").pot, entry("P", reason="duplicate_payment").pot}


def test_a_refunded_order_is_not_quoted_or_filed_again(service, flow):
    """「那台2核4G退了没？没退的话帮我退掉」 after a paid full refund quoted it again and filed a
    second ticket."""
    order = service.order("c1001", demo_order("in_window").order_id)
    first = service.file("c1001", order.order_id, "demand_change", {}).ticket
    pay(flow, first.ticket_id)
    check = service.precheck("c1001", order)
    assert check.settled_by.ticket_id == first.ticket_id and check.refusal is None
    assert service.given_back("c1001", order.order_id, "refund", "wrong_purchase").ticket_id == first.ticket_id
    with pytest.raises(LedgerRefused) as refused:
        service.file("c1001", order.order_id, "wrong_purchase", {})
    assert refused.value.reference == first.ticket_id
    with pytest.raises(LedgerRefused):
        service.file_sla_claim("c1001", order.order_id)
    assert [t.ticket_id for t in service.tickets_for("c1001") if t.order_id == order.order_id] == [first.ticket_id]


def test_downgrades_and_a_refund_never_give_back_more_than_was_paid(service, flow):
    """On one order paid 5,760.00 two downgrades and the same full refund twice were paid:
    14,889.22 left the company."""
    first = pay(flow, service.file_downgrade("c1004", BIG.order_id, "ecs.4c8g").ticket.ticket_id)
    second_quote = service.quote_downgrade("c1004", BIG.order_id, "ecs.2c4g")
    returned = next(line for line in second_quote.lines if line.code == "returned")
    assert returned.amount == -first.final_amount and first.ticket_id in returned.label
    second = service.file_downgrade("c1004", BIG.order_id, "ecs.2c4g").ticket
    assert second.quote == second_quote.to_dict()
    pay(flow, second.ticket_id)
    refund = service.file("c1004", BIG.order_id, "demand_change", {}).ticket
    paid_so_far = first.final_amount + second.quoted_amount
    assert refund.quoted_amount + paid_so_far <= Decimal("5760.00")
    flow.take(refund.ticket_id, "r1")
    with pytest.raises(LedgerRefused, match="最多还能退"):  # a reviewer cannot approve more either
        flow.approve(refund.ticket_id, "r1", "5760.00", "客户要求全额")
    flow.approve(refund.ticket_id, "r1")
    flow.start_payout(refund.ticket_id, "r1")
    flow.mark_paid(refund.ticket_id, "r1", "PAY-3")
    with pytest.raises(LedgerRefused):
        service.file("c1004", BIG.order_id, "demand_change", {})
    ledger = TicketStore(flow._store._sessions).ledger(OrderLedgers(SqlBillingAdapter(flow._store._sessions), service.policy)
                                                       .facts(service.order("c1004", BIG.order_id)))
    assert ledger.paid_out(SERVICE) <= ledger.limits.service == Decimal("5760.00")


def test_an_outage_is_compensated_once(service, flow):
    """After the voucher was issued, 「宕机补偿的代金券发了没？」 quoted and filed a second claim."""
    claim = service.file_sla_claim("c1004", DOWN.order_id, "网站挂了一上午").ticket
    assert claim.claim_key and claim.claim_key.startswith(DOWN.instance_id)
    pay(flow, claim.ticket_id)
    again = service.quote_sla_claim("c1004", DOWN.order_id)
    assert not again.eligible and again.sla_compensation is None
    assert service.claimed("c1004", DOWN.order_id).ticket_id == claim.ticket_id
    with pytest.raises(LedgerRefused) as refused:
        service.file_sla_claim("c1004", DOWN.order_id, "再赔一次")
    assert refused.value.reference == claim.ticket_id


def test_a_service_problem_refund_with_a_voucher_is_that_outages_compensation(service):
    order_id = demo_order("service_issue").order_id
    quote = service.quote("c1001", order_id, "service_issue")
    assert quote.sla_compensation, "the seeded outage earns a voucher"
    ticket = service.file("c1001", order_id, "service_issue", {}).ticket
    assert ticket.claim_key and service.claimed("c1001", order_id).ticket_id == ticket.ticket_id
    assert not service.quote_sla_claim("c1001", order_id).eligible


def test_an_appeal_cannot_reopen_beside_another_application(service, flow):
    order_id = demo_order("standard_voucher").order_id
    first = service.file("c1001", order_id, "demand_change", {}).ticket
    flow.take(first.ticket_id, "r1")
    flow.reject(first.ticket_id, "r1", "outside_policy")
    second = service.file("c1001", order_id, "wrong_purchase", {}).ticket
    with pytest.raises(IllegalTransition, match=second.ticket_id):  # one open application per order
        flow.appeal("c1001", first.ticket_id, "我不同意驳回")
    pay(flow, second.ticket_id)
    with pytest.raises(LedgerRefused, match=second.ticket_id):  # and the second one settled the order
        flow.appeal("c1001", first.ticket_id, "我不同意驳回")
    assert flow.get(first.ticket_id).status == "rejected"


def test_two_approvals_at_once_never_both_take_the_money(seeded, flow):
    """Downgrades of a renewal and of its base, each fine alone (1,000 quoted): approved at the
    same moment for 3,000 each, only one fits the 4,400 paid for both (the ledger row is locked)."""
    from tests.refunds.test_kept_resources import add_change

    base = demo_order("standard_voucher")
    add_change(seeded, "2026112900010097", "renewal", "2400", starts_at_expiry=True)
    store = TicketStore(seeded)
    quote = {"rule": "standard", "refund": "1000.00", "paid": "4400.00"}
    ids = []
    for order_id in (base.order_id, "2026112900010097"):  # filed without billing's check (as before it)
        ticket, _ = store.file(NewTicket("c1001", order_id, "ecs", "demand_change", quote, {}, kind="downgrade"), NOW)
        store.transition(ticket.ticket_id, "take", "reviewer", "reviewer:r1", NOW)
        ids.append(ticket.ticket_id)
    with seeded.begin() as db:  # both in the base's ledger, as the service files them
        from bot.storage.schema import TicketRow
        db.get(TicketRow, ids[1]).ledger_key = base.order_id
    start = Barrier(2)

    def approve(ticket_id: str) -> str:
        start.wait()
        try:
            return flow.approve(ticket_id, "r1", "3000.00", "核实后按实际损失").status
        except LedgerRefused:
            return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(approve, ids))
    assert outcomes == ["approved", "refused"]


def test_billing_refunds_made_elsewhere_count_too(seeded, service):
    """A real provider's billing lists refunds made by phone or in its console: the ledger counts
    those no ticket of ours stands for (the demo billing derives its list from our tickets)."""
    from bot.billing.models import Refund

    class PhoneRefunds(SqlBillingAdapter):
        def refunds_for(self, customer_id, order_id):
            made = [Refund(order_id, "CALL-1", "refund", "demand_change", Decimal("1100.00"), "refunded",
                           datetime(2026, 11, 25, tzinfo=NOW.tzinfo))]
            return made + super().refunds_for(customer_id, order_id)

    order = service.order("c1001", demo_order("in_window").order_id)
    facts = OrderLedgers(PhoneRefunds(seeded), service.policy).facts(order)
    assert [e.reference for e in facts.external] == ["CALL-1"]
    assert TicketStore(seeded).ledger(facts).settled_by().reference == "CALL-1"
    ours = service.file("c1001", order.order_id, "demand_change", {}).ticket
    facts = OrderLedgers(SqlBillingAdapter(seeded), service.policy).facts(order)
    assert facts.external == ()  # nothing approved yet
    assert ours.ticket_id not in [e.reference for e in facts.external]
