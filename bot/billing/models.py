"""Billing records as the assistant sees them: plain, immutable values."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Optional, Tuple

from bot.money import ZERO

BILLING_MODES = ("prepaid", "payg")
ORDER_TYPES = ("new", "renewal", "upgrade")
# What the order bought, as the quote treats it (README "Order file" has one example of each).
ORDER_KINDS = ("new", "renewal", "upgrade", "multi_instance", "resource_package")
ITEM_KINDS = ("resource", "config_change_fee", "value_added_service_fee", "handling_fee")


@dataclass(frozen=True)
class Customer:
    """An account holder."""

    customer_id: str
    name: str
    is_demo: bool = False


@dataclass(frozen=True)
class Payment:
    """One payment transaction for an order, split by what paid it."""

    txn_id: str
    order_id: str
    paid_at: datetime
    method: str  # alipay | wechat | bank_card | balance
    cash: Decimal = ZERO
    gift_credit: Decimal = ZERO
    voucher: Decimal = ZERO
    coupon: Decimal = ZERO
    status: str = "success"  # success | refunded | failed

    @property
    def amount(self) -> Decimal:
        """Everything this transaction covered, whatever paid it."""
        return self.cash + self.gift_credit + self.voucher + self.coupon


@dataclass(frozen=True)
class LineItem:
    """One charge on an order."""

    kind: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class HourlyTier:
    """Pay-as-you-go hourly price that applies up to `up_to_hours` used (None: no limit)."""

    up_to_hours: Optional[int]
    price: Decimal


@dataclass(frozen=True)
class HourlyCharge:
    """A resource billed by the hour alongside the main one, with its own price tiers."""

    description: str
    tiers: Tuple[HourlyTier, ...]


@dataclass(frozen=True)
class DurationDiscount:
    months: int
    rate: Decimal


@dataclass(frozen=True)
class ResourcePackage:
    """A prepaid quantity used up over time (traffic, storage, calls): `used` of `total` units."""

    total: Decimal
    used: Decimal
    unit: str = "GB"


@dataclass(frozen=True)
class OrderResource:
    """One resource an order bought (a server, a disk, a network), and the main resource it is
    bound to, if any (Huawei: a cloud disk bound to its server). `amount`: its part of the order's
    price, when billing knows it."""

    resource_id: str
    kind: str
    bound_to: Optional[str] = None
    amount: Optional[Decimal] = None


@dataclass(frozen=True)
class Spec:
    """A configuration a resource can be changed to, with its monthly list price."""

    spec_code: str
    name: str
    monthly_price: Decimal


@dataclass(frozen=True)
class Order:
    """A billing order for one resource."""

    order_id: str
    customer_id: str
    product_code: str
    product_name: str
    instance_id: Optional[str]
    billing_mode: str
    order_type: str
    term_months: int
    created_at: datetime
    activated_at: datetime
    expires_at: Optional[datetime]
    items: Tuple[LineItem, ...] = ()
    payments: Tuple[Payment, ...] = ()
    list_monthly_price: Decimal = ZERO
    discount_rate: Decimal = Decimal("1")
    hourly_tiers: Tuple[HourlyTier, ...] = ()
    # Further resources billed by the hour alongside the main one (e.g. bandwidth).
    extra_hourly: Tuple[HourlyCharge, ...] = ()
    # The discount a purchase of N months gets today; months used are charged at the rate of
    # the longest listed duration not above them (Tencent: "7 months match the 6-month 88%").
    duration_discounts: Tuple[DurationDiscount, ...] = ()
    promotional_no_refund: bool = False
    transferred: bool = False
    has_unpaid_items: bool = False
    converted_from_payg: bool = False
    invoiced: bool = False
    status: str = "active"  # active | released | refunded
    # Several identical instances bought in one order (the no-reason quota counts each one).
    quantity: int = 1
    # The list ("original") price of the whole order before any discount; providers that charge
    # use at the original price × the discount of the time used need it (0: unknown).
    original_price: Decimal = ZERO
    # The order this one changes or extends (an upgrade's or a renewal's base order).
    parent_order_id: Optional[str] = None
    package: Optional[ResourcePackage] = None
    spec_name: str = ""  # the configuration bought, e.g. "4核8G"
    # The resources the order bought, when billing lists them (the no-reason quota may count them).
    resources: Tuple[OrderResource, ...] = ()

    @property
    def kind(self) -> str:
        """One of ORDER_KINDS."""
        if self.package is not None:
            return "resource_package"
        if self.quantity > 1:
            return "multi_instance"
        return self.order_type

    @property
    def amount_due(self) -> Decimal:
        """Sum of every line item."""
        return sum((item.amount for item in self.items), ZERO)

    @property
    def successful_payments(self) -> Tuple[Payment, ...]:
        """Payments that went through, oldest first."""
        ok = [p for p in self.payments if p.status == "success"]
        return tuple(sorted(ok, key=lambda p: p.paid_at))

    @property
    def primary_payment(self) -> Optional[Payment]:
        """The payment that settled the order (the first successful one)."""
        ok = self.successful_payments
        return ok[0] if ok else None

    @property
    def duplicate_payments(self) -> Tuple[Payment, ...]:
        """Successful payments beyond the first: charged twice for the same order."""
        return self.successful_payments[1:]


@dataclass(frozen=True)
class Instance:
    """A cloud resource a customer runs."""

    instance_id: str
    customer_id: str
    product_code: str
    name: str
    region: str
    status: str


@dataclass(frozen=True)
class Outage:
    """A recorded period during which an instance was unavailable."""

    instance_id: str
    started_at: datetime
    ended_at: datetime
    summary: str = ""


@dataclass(frozen=True)
class Refund:
    """Money (or a voucher) billing has given back on an order, or is giving back: what a
    provider's billing lists as an order's refunds (退款记录). `reference` names where it was
    decided (our ticket id for the assistant's own)."""

    order_id: str
    reference: str
    kind: str  # refund | downgrade | sla_claim (bot.vocabulary.TicketKind)
    reason: str  # bot.vocabulary.RefundReason
    amount: Decimal
    status: str  # approved | refunding | refunded (the ticket states past approval)
    at: datetime


@dataclass(frozen=True)
class QuotaUse:
    """A no-reason refund this calendar year that counts against the order's quota: which order
    of which product used how many units of it."""

    order_id: str
    product_code: str
    units: int = 1
    product_name: str = ""


@dataclass(frozen=True)
class OrderContext:
    """Everything the policy engine needs beyond the order itself."""

    order: Order
    no_reason_refunds_this_year: int = 0
    # The refunds behind that count, when known (which product used the quota).
    no_reason_uses: Tuple[QuotaUse, ...] = field(default_factory=tuple)
    outages: Tuple[Outage, ...] = field(default_factory=tuple)
    # Orders that changed or extended this one on the same resource (upgrades, renewals);
    # refunding the resource settles each of them over its own period.
    changes: Tuple[Order, ...] = field(default_factory=tuple)
    # What earlier tickets of this order (and its changes) already give back from the money a
    # new quote would come from, and the tickets that do (the quote deducts it: bot.tickets.ledger).
    returned: Decimal = ZERO
    returned_by: Tuple[str, ...] = ()
