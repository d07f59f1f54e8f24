"""The SQL billing adapter on SQLite and PostgreSQL: owner-scoped, lossless round trips."""
from decimal import Decimal

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.storage.seed import demo_order, seed_demo
from tests.conftest import NOW


def test_seed_is_idempotent(seeded):
    assert seed_demo(seeded, now=NOW) is False


def test_orders_round_trip_with_money_and_aware_times(seeded):
    billing = SqlBillingAdapter(seeded)
    demo = demo_order("standard_voucher")
    order = billing.get_order("c1001", demo.order_id)
    assert order.amount_due == Decimal("2400.00")
    payment = order.primary_payment
    assert payment.cash == Decimal("2000.00") and payment.voucher == Decimal("400.00")
    assert order.activated_at.tzinfo is not None and order.activated_at < NOW
    assert order.hourly_tiers[0].price == Decimal("0.50")


def test_other_customers_orders_are_invisible(seeded):
    billing = SqlBillingAdapter(seeded)
    theirs = demo_order("other_customer")
    assert billing.get_order("c1001", theirs.order_id) is None
    assert billing.orders_for_instance("c1001", theirs.instance_id) == []
    assert billing.get_instance("c1001", theirs.instance_id) is None
    assert all(o.customer_id == "c1002" for o in billing.orders_for("c1002"))


def test_duplicate_payments_are_visible(seeded):
    order = SqlBillingAdapter(seeded).get_order("c1001", demo_order("duplicate").order_id)
    assert len(order.duplicate_payments) == 1


def test_outages_and_instances(seeded):
    billing = SqlBillingAdapter(seeded)
    demo = demo_order("service_issue")
    assert len(billing.outages_for(demo.instance_id)) == 1
    assert billing.get_instance("c1001", demo.instance_id).status == "running"
    assert billing.get_customer("c1001").name == "张伟"
    assert billing.get_customer("nobody") is None
