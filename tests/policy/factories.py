"""Builders for billing records used by the policy tests."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from bot.billing.models import HourlyTier, LineItem, Order, OrderContext, Payment

# A Wednesday, 10:00 Beijing time.
ACTIVATED = datetime(2026, 3, 4, 2, 0, tzinfo=timezone.utc)


def make_order(price: str = "1200", cash: str | None = None, voucher: str = "0",
               coupon: str = "0", gift: str = "0", **overrides: Any) -> Order:
    """A one-year prepaid cloud server order activated at ACTIVATED, fully paid."""
    total = Decimal(price)
    cash_part = Decimal(cash) if cash is not None else total - Decimal(voucher) - Decimal(coupon) - Decimal(gift)
    payment = Payment(
        txn_id="T1", order_id="2026030400012345", paid_at=ACTIVATED, method="alipay",
        cash=cash_part, voucher=Decimal(voucher), coupon=Decimal(coupon), gift_credit=Decimal(gift),
    )
    order = Order(
        order_id="2026030400012345", customer_id="c1", product_code="ecs", product_name="云服务器 ECS",
        instance_id="ins-abcd1234", billing_mode="prepaid", order_type="new", term_months=12,
        created_at=ACTIVATED, activated_at=ACTIVATED, expires_at=ACTIVATED + timedelta(days=365),
        items=(LineItem("resource", "云服务器 1 年", total),), payments=(payment,),
        list_monthly_price=Decimal("120"), discount_rate=Decimal("0.8"),
        hourly_tiers=(HourlyTier(96, Decimal("0.50")), HourlyTier(None, Decimal("0.40"))),
    )
    return replace(order, **overrides)


def ctx(order: Order, quota_used: int = 0, outages=()) -> OrderContext:
    """Wrap an order with the quota use and outages the engine needs."""
    return OrderContext(order=order, no_reason_refunds_this_year=quota_used, outages=tuple(outages))
