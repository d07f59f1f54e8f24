"""Billing adapter over the demo billing tables."""
from __future__ import annotations

from decimal import Decimal
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import joinedload, sessionmaker

from bot.billing.models import (
    Customer,
    HourlyTier,
    Instance,
    LineItem,
    Order,
    Outage,
    Payment,
    Refund,
    ResourcePackage,
    Spec,
)
from bot.storage.schema import CustomerRow, InstanceRow, OrderRow, OutageRow, ProductSpecRow, TicketRow

# One order with its items, payments and configuration in one query (a lookup is on every step).
WHOLE_ORDER = (joinedload(OrderRow.items), joinedload(OrderRow.payments), joinedload(OrderRow.spec))
# The ticket states in which billing has the refund (approved and later).
REFUNDS_IN_BILLING = ("approved", "refunding", "refunded")


class SqlBillingAdapter:
    """`BillingAdapter` reading the demo billing tables; every query is filtered by owner."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def owner_of(self, order_id: str) -> Optional[str]:
        """Operator lookup (not for chat): which customer an order belongs to."""
        with self._sessions() as session:
            return session.scalar(select(OrderRow.customer_id).where(OrderRow.order_id == order_id))

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        with self._sessions() as session:
            row = session.get(CustomerRow, customer_id)
            return Customer(row.customer_id, row.name, row.is_demo) if row else None

    def orders_for(self, customer_id: str) -> List[Order]:
        query = (select(OrderRow).where(OrderRow.customer_id == customer_id)
                 .order_by(OrderRow.created_at.desc()))
        with self._sessions() as session:
            return [_order(row) for row in session.scalars(query)]

    def get_order(self, customer_id: str, order_id: str) -> Optional[Order]:
        query = select(OrderRow).options(*WHOLE_ORDER).where(OrderRow.order_id == order_id,
                                                             OrderRow.customer_id == customer_id)
        with self._sessions() as session:
            row = session.scalars(query).unique().first()
            return _order(row) if row else None

    def orders_for_instance(self, customer_id: str, instance_id: str) -> List[Order]:
        query = (select(OrderRow)
                 .where(OrderRow.instance_id == instance_id, OrderRow.customer_id == customer_id)
                 .order_by(OrderRow.created_at.desc()))
        with self._sessions() as session:
            return [_order(row) for row in session.scalars(query)]

    def get_instance(self, customer_id: str, instance_id: str) -> Optional[Instance]:
        query = select(InstanceRow).where(InstanceRow.instance_id == instance_id,
                                          InstanceRow.customer_id == customer_id)
        with self._sessions() as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            return Instance(row.instance_id, row.customer_id, row.product_code, row.name,
                            row.region, row.status)

    def changes_of(self, customer_id: str, order_id: str) -> List[Order]:
        """The customer's orders that renew or upgrade `order_id`, oldest first."""
        query = (select(OrderRow).options(*WHOLE_ORDER)
                 .where(OrderRow.parent_order_id == order_id, OrderRow.customer_id == customer_id)
                 .order_by(OrderRow.activated_at))
        with self._sessions() as session:
            return [_order(row) for row in session.scalars(query).unique()]

    def specs_for(self, product_code: str) -> List[Spec]:
        """The configurations the product is sold in, cheapest first."""
        query = (select(ProductSpecRow).where(ProductSpecRow.product_code == product_code)
                 .order_by(ProductSpecRow.monthly_price))
        with self._sessions() as session:
            return [Spec(r.spec_code, r.name, r.monthly_price) for r in session.scalars(query)]

    def outages_for(self, instance_id: str) -> List[Outage]:
        query = select(OutageRow).where(OutageRow.instance_id == instance_id)
        with self._sessions() as session:
            return [Outage(r.instance_id, r.started_at, r.ended_at, r.summary)
                    for r in session.scalars(query)]

    def refunds_for(self, customer_id: str, order_id: str) -> List[Refund]:
        """The demo billing has no refunds of its own: an order's refunds are our tickets past
        approval (a real provider lists the refunds made through any channel)."""
        query = (select(TicketRow.order_id, TicketRow.ticket_id, TicketRow.kind, TicketRow.reason,
                        TicketRow.final_amount, TicketRow.quoted_amount, TicketRow.status, TicketRow.paid_at,
                        TicketRow.updated_at)
                 .where(TicketRow.order_id == order_id, TicketRow.customer_id == customer_id,
                        TicketRow.status.in_(REFUNDS_IN_BILLING))
                 .order_by(TicketRow.created_at))
        with self._sessions() as session:
            return [Refund(r.order_id, r.ticket_id, r.kind, r.reason, r.final_amount or r.quoted_amount, r.status,
                           r.paid_at or r.updated_at) for r in session.execute(query)]


def _order(row: OrderRow) -> Order:
    return Order(
        order_id=row.order_id, customer_id=row.customer_id, product_code=row.product_code,
        product_name=row.product_name, instance_id=row.instance_id,
        billing_mode=row.billing_mode, order_type=row.order_type, term_months=row.term_months,
        created_at=row.created_at, activated_at=row.activated_at, expires_at=row.expires_at,
        items=tuple(LineItem(i.kind, i.description, i.amount) for i in row.items),
        payments=tuple(
            Payment(p.txn_id, p.order_id, p.paid_at, p.method, cash=p.cash,
                    gift_credit=p.gift_credit, voucher=p.voucher, coupon=p.coupon, status=p.status)
            for p in row.payments
        ),
        list_monthly_price=row.list_monthly_price, discount_rate=Decimal(row.discount_rate),
        hourly_tiers=tuple(HourlyTier(t["up_to_hours"], Decimal(t["price"])) for t in row.hourly_tiers),
        promotional_no_refund=row.promotional_no_refund, transferred=row.transferred,
        has_unpaid_items=row.has_unpaid_items, converted_from_payg=row.converted_from_payg,
        invoiced=row.invoiced, status=row.status, quantity=row.quantity, original_price=row.original_price,
        parent_order_id=row.parent_order_id, spec_name=row.spec.name if row.spec is not None else "",
        package=(ResourcePackage(row.package_total, row.package_used or Decimal(0), row.package_unit or "GB")
                 if row.package_total is not None else None),
    )
