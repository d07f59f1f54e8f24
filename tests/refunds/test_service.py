"""Refund use cases over the seeded demo data (SQLite and PostgreSQL)."""
from decimal import Decimal

import pytest

from bot.storage.seed import demo_order


def ids(orders):
    return {o.order_id for o in orders}


def test_refundable_orders_exclude_payg_expired_released_and_others(service):
    refundable = ids(service.refundable_orders("c1001"))
    assert demo_order("in_window").order_id in refundable
    assert demo_order("unstarted_renewal").order_id in refundable
    for key in ("payg", "expired", "quota_consumer", "other_customer"):
        assert demo_order(key).order_id not in refundable


def test_a_limit_gives_the_first_refundable_orders_only(service):
    every = [o.order_id for o in service.refundable_orders("c1001")]
    assert len(every) > 2
    for limit in (0, 1, 2, len(every) + 5):
        assert [o.order_id for o in service.refundable_orders("c1001", limit=limit)] == every[:limit]


def test_order_with_open_ticket_is_no_longer_offered(service):
    order_id = demo_order("in_window").order_id
    service.file("c1001", order_id, "demand_change", {})
    assert order_id not in ids(service.refundable_orders("c1001"))


def test_find_by_instance_with_two_running_orders_asks_which(service):
    lookup = service.find_order("c1001", instance_id=demo_order("standard_voucher").instance_id)
    assert lookup.order is None and len(lookup.candidates) == 2
    single = service.find_order("c1001", instance_id=demo_order("in_window").instance_id)
    assert single.order.order_id == demo_order("in_window").order_id


def test_cannot_reach_another_customers_order(service):
    theirs = demo_order("other_customer")
    assert service.find_order("c1001", order_id=theirs.order_id).order is None
    assert service.quote("c1001", theirs.order_id, "demand_change") is None
    with pytest.raises(LookupError):
        service.file("c1001", theirs.order_id, "demand_change", {})


@pytest.mark.parametrize(
    "key, reason, rule, eligible",
    [
        ("in_window", "demand_change", "no_reason_window", True),
        ("standard_voucher", "demand_change", "standard", True),
        ("unstarted_renewal", "wrong_purchase", "unstarted_renewal", True),
        ("payg", "demand_change", "payg_not_refundable", False),
        ("promotional", "demand_change", "promotional_no_refund", False),
        ("duplicate", "duplicate_payment", "duplicate_payment", True),
        ("in_window", "duplicate_payment", "no_duplicate_found", False),
        ("service_issue", "service_issue", "standard", True),
        ("quota_used", "wrong_purchase", "standard", True),
        ("expired", "demand_change", "expired", False),
    ],
)
def test_every_demo_order_hits_its_branch(service, key, reason, rule, eligible):
    quote = service.quote("c1001", demo_order(key).order_id, reason)
    assert (quote.rule, quote.eligible) == (rule, eligible)


def test_service_issue_demo_has_sla_compensation(service):
    quote = service.quote("c1001", demo_order("service_issue").order_id, "service_issue")
    assert quote.sla_compensation and quote.sla_compensation > 0
    assert quote.refund_gift_credit > 0


def test_filing_requotes_and_flags_manual_review_when_not_eligible(service):
    filing = service.file("c1001", demo_order("promotional").order_id, "demand_change",
                          {"statement": "活动页面没写不能退"})
    assert filing.created and filing.ticket.manual_review and filing.ticket.quoted_amount == Decimal("0.00")
    ok = service.file("c1001", demo_order("in_window").order_id, "demand_change", {})
    assert not ok.ticket.manual_review and ok.ticket.quoted_amount == Decimal("1200.00")
    assert ok.ticket.quote["rule"] == "no_reason_window"


def test_filing_uses_a_no_reason_quota(service):
    service.file("c1001", demo_order("in_window").order_id, "demand_change", {})
    # The second ECS order in its window would now be standard; the CDN quota is already used.
    quote = service.quote("c1001", demo_order("quota_used").order_id, "demand_change")
    assert quote.rule == "standard"
