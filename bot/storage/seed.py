"""Demo billing data: customers whose orders cover every branch of the refund policy.

Times are relative to the moment of seeding, so the demo stays meaningful on any day.
Run `python -m bot.storage.seed [--reset]`.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.backoffice.staff import token_hash
from bot.clock import CUSTOMER_TZ, utcnow
from bot.security.passwords import hash_password
from bot.settings import current_environment
from bot.storage.schema import (
    Base,
    CustomerRow,
    InstanceRow,
    OrderItemRow,
    OrderRow,
    OutageRow,
    PaymentRow,
    ProductSpecRow,
    StaffRow,
    StaffTokenRow,
    TicketRow,
)

D = Decimal
TENCENT_TIERS = [{"up_to_hours": 96, "price": "0.50"}, {"up_to_hours": None, "price": "0.40"}]


@dataclass(frozen=True)
class DemoOrder:
    key: str
    order_id: str
    customer_id: str
    instance_id: Optional[str]
    product_code: str
    product_name: str
    days_since_activation: float
    term_months: int
    price: Decimal
    voucher: Decimal = D(0)
    gift: Decimal = D(0)
    billing_mode: str = "prepaid"
    order_type: str = "new"
    promotional: bool = False
    paid_twice: bool = False
    released: bool = False
    spec_code: Optional[str] = None


# key -> what it demonstrates
DEMO_ORDERS: List[DemoOrder] = [
    DemoOrder("in_window", "2026112400010001", "c1001", "ins-a1b2c3d4", "ecs", "云服务器 ECS（2核4G）", 2, 12, D("1200")),
    DemoOrder("standard_voucher", "2026092700010002", "c1001", "ins-e5f6g7h8", "ecs", "云服务器 ECS（4核8G）", 60, 12, D("2400"), voucher=D("400")),
    DemoOrder("unstarted_renewal", "2026112000010003", "c1001", "ins-e5f6g7h8", "ecs", "云服务器 ECS（4核8G）续费", -305, 12, D("2400"), order_type="renewal"),
    DemoOrder("payg", "2026110100010004", "c1001", "ins-p9q8r7s6", "ecs", "云服务器 ECS（按量付费）", 25, 0, D("86.40"), billing_mode="payg"),
    DemoOrder("promotional", "2026112500010005", "c1001", "ins-k1l2m3n4", "lighthouse", "轻量应用服务器（双十一特惠）", 1, 12, D("99"), promotional=True),
    DemoOrder("duplicate", "2026110600010006", "c1001", "ins-d7u8p9l0", "rds", "云数据库 RDS MySQL", 20, 12, D("800"), paid_twice=True),
    DemoOrder("service_issue", "2026101700010007", "c1001", "ins-s1a2b3c4", "ecs", "云服务器 ECS（8核16G）", 40, 12, D("3600"), gift=D("600")),
    DemoOrder("quota_used", "2026112500010008", "c1001", "ins-c5d6n7a8", "cdn", "CDN 流量包（1TB/年）", 1, 12, D("500")),
    DemoOrder("quota_consumer", "2026030100010009", "c1001", "ins-c0d0n0a0", "cdn", "CDN 流量包（500GB/年）", 200, 12, D("300"), released=True),
    DemoOrder("expired", "2025090100010010", "c1001", "ins-x1y2z3w4", "ecs", "云服务器 ECS（1核2G）", 420, 12, D("600")),
    DemoOrder("other_customer", "2026112300020001", "c1002", "ins-m1n2b3v4", "ecs", "云服务器 ECS（2核4G）", 3, 12, D("1500")),
    # c1004: a server bought too big (a downgrade quote) and one that was down (an SLA claim).
    DemoOrder("downgrade", "2026101000040001", "c1004", "ins-b1g5e4v3", "ecs", "云服务器 ECS（8核16G）", 50, 12,
              D("5760"), spec_code="ecs.8c16g"),
    DemoOrder("sla_claim", "2026090100040002", "c1004", "ins-d0w9n8a7", "ecs", "云服务器 ECS（2核4G）", 90, 12,
              D("1440"), spec_code="ecs.2c4g"),
]
# The configurations ECS is sold in: (spec_code, name, monthly list price).
PRODUCT_SPECS = [("ecs.1c2g", "1核2G", D("60")), ("ecs.2c4g", "2核4G", D("150")),
                 ("ecs.4c8g", "4核8G", D("300")), ("ecs.8c16g", "8核16G", D("600"))]

CUSTOMERS = [("c1001", "张伟", True), ("c1002", "李娜", True), ("c1003", "王芳", True), ("c1004", "刘洋", True)]
# Registered e-mail addresses of the demo customers, on a domain reserved for examples (RFC 2606).
DEMO_EMAILS = {"c1001": "zhangwei@example.com", "c1002": "lina@example.com", "c1003": "wangfang@example.com",
               "c1004": "liuyang@example.com"}
DEMO_PASSWORD = "demo123"
# Hashed once with a fixed salt so re-seeding stays fast; demo accounts only.
DEMO_PASSWORD_HASH = hash_password(DEMO_PASSWORD, salt=b"demo-accounts-01")
# Demo staff: (id, name, roles, grants). Password staff123; API token dev-token-<id>, never
# expiring (development only). o2 is an operator granted the transcripts; m1 and m2 are managers
# (主管: the second approval above the limit).
STAFF = [("r1", "审核员 小陈", "reviewer", ""), ("a1", "客服 小王", "agent", ""),
         ("a2", "客服 小李", "agent,reviewer", ""), ("o1", "运营 小赵", "operator", ""),
         ("o2", "运营 小孙", "operator", "transcripts"), ("m1", "主管 老周", "manager", ""),
         ("m2", "主管 小钱", "manager", "")]
STAFF_PASSWORD_HASH = hash_password("staff123", salt=b"demo-staff-0001")


def demo_order(key: str) -> DemoOrder:
    """The demo order that demonstrates `key` (see DEMO_ORDERS)."""
    return next(o for o in DEMO_ORDERS if o.key == key)


class NotDevelopment(RuntimeError):
    """Demo accounts (known passwords and API tokens) exist only in development."""


def seed_demo(sessions: sessionmaker, now: Optional[datetime] = None, reset: bool = False) -> bool:
    """Insert the demo data; returns False when it was already there (and reset is off).
    Refuses outside REFUND_ENV=development: the demo customers and staff have public
    passwords (create real staff with `make staff`)."""
    environment = current_environment()
    if environment != "development":
        raise NotDevelopment(f"demo data is for development only (REFUND_ENV={environment}); "
                             "create staff accounts with `make staff`")
    now = now or utcnow()
    with sessions.begin() as session:
        if reset:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
        elif session.scalar(select(CustomerRow.customer_id).limit(1)) is not None:
            return False
        for customer_id, name, is_demo in CUSTOMERS:
            session.add(CustomerRow(customer_id=customer_id, name=name, is_demo=is_demo,
                                    password_hash=DEMO_PASSWORD_HASH, email=DEMO_EMAILS[customer_id]))
        for staff_id, name, roles, grants in STAFF:
            session.add(StaffRow(staff_id=staff_id, name=name, roles=roles, grants=grants,
                                 password_hash=STAFF_PASSWORD_HASH))
        session.flush()
        for staff_id, *_ in STAFF:
            session.add(StaffTokenRow(staff_id=staff_id, name="演示令牌", token_hash=token_hash(f"dev-token-{staff_id}"),
                                      created_at=now))
        for spec_code, name, price in PRODUCT_SPECS:
            session.add(ProductSpecRow(spec_code=spec_code, product_code="ecs", name=name, monthly_price=price))
        session.flush()
        for demo in DEMO_ORDERS:
            add_demo_order(session, demo, now)
        session.flush()
        service = demo_order("service_issue")
        session.add(OutageRow(instance_id=service.instance_id, started_at=now - timedelta(days=3, hours=5),
                              ended_at=now - timedelta(days=3), summary="宿主机故障，实例不可用"))
        down = demo_order("sla_claim")  # 9 hours down: below 99 % in any month
        session.add(OutageRow(instance_id=down.instance_id, started_at=now - timedelta(days=2, hours=9),
                              ended_at=now - timedelta(days=2), summary="可用区网络故障，实例无法访问"))
        _add_used_quota_ticket(session, now)
    return True


def add_demo_order(session: Session, demo: DemoOrder, now: datetime) -> None:
    """Insert one order (with its instance, item and payments) as `demo` describes."""
    activated = now - timedelta(days=demo.days_since_activation)
    created = min(activated, now - timedelta(hours=1))
    if demo.instance_id and session.get(InstanceRow, demo.instance_id) is None:
        session.add(InstanceRow(instance_id=demo.instance_id, customer_id=demo.customer_id,
                                product_code=demo.product_code, name=demo.product_name.split("（")[0],
                                region="cn-shanghai", status="released" if demo.released else "running"))
        session.flush()
    expires = None if demo.billing_mode == "payg" else _plus_months(activated, demo.term_months)
    session.add(OrderRow(
        order_id=demo.order_id, customer_id=demo.customer_id, product_code=demo.product_code,
        product_name=demo.product_name, instance_id=demo.instance_id,
        billing_mode=demo.billing_mode, order_type=demo.order_type, term_months=demo.term_months,
        created_at=created, activated_at=activated, expires_at=expires,
        list_monthly_price=(demo.price / 12 * D("1.25")).quantize(D("0.01")) if demo.term_months else D(0),
        discount_rate=D("0.8"), hourly_tiers=TENCENT_TIERS,
        promotional_no_refund=demo.promotional, spec_code=demo.spec_code,
        status="refunded" if demo.released else "active",
    ))
    session.flush()
    session.add(OrderItemRow(order_id=demo.order_id, kind="resource", description=demo.product_name,
                             amount=demo.price))
    payments = 2 if demo.paid_twice else 1
    for n in range(payments):
        session.add(PaymentRow(
            txn_id=f"T{demo.order_id[-8:]}{n + 1:02d}", order_id=demo.order_id,
            paid_at=created + timedelta(minutes=2 * n), method="alipay" if n == 0 else "wechat",
            cash=demo.price - demo.voucher - demo.gift, voucher=demo.voucher, gift_credit=demo.gift,
            status="refunded" if demo.released else "success",
        ))


def _add_used_quota_ticket(session: Session, now: datetime) -> None:
    """A refunded no-reason ticket earlier this year, so the CDN quota is used up."""
    consumer = demo_order("quota_consumer")
    year_start = datetime(now.astimezone(CUSTOMER_TZ).year, 1, 1, tzinfo=CUSTOMER_TZ)
    at = max(year_start + timedelta(hours=1), now - timedelta(days=30))
    session.add(TicketRow(
        ticket_id=f"RF{at.astimezone(CUSTOMER_TZ):%Y%m%d}0001", customer_id=consumer.customer_id, order_id=consumer.order_id,
        open_order_id=None, ledger_key=consumer.order_id, product_code=consumer.product_code, reason="wrong_purchase",
        rule="no_reason_window", status="refunded", manual_review=False,
        quoted_amount=consumer.price, quote={"rule": "no_reason_window", "refund": str(consumer.price)},
        details={}, conversation_id=None, created_at=at, updated_at=at,
    ))


def _plus_months(moment: datetime, months: int) -> datetime:
    # Demo terms are whole years or months; 365/12 days a month keeps a year at 365 days.
    return moment + timedelta(days=round(months * 365 / 12))


def main() -> None:
    """Create the schema and seed the demo data in the configured database."""
    from bot.settings import load_settings
    from bot.storage.database import make_engine, session_factory
    from bot.storage.migrations import migrate

    parser = argparse.ArgumentParser(description="Seed the demo billing data.")
    parser.add_argument("--reset", action="store_true", help="delete all rows first")
    args = parser.parse_args()
    engine = make_engine(load_settings().database_url)
    migrate(engine)
    try:
        created = seed_demo(session_factory(engine), reset=args.reset)
    except NotDevelopment as exc:
        sys.exit(f"error: {exc}")
    print("demo data seeded" if created else "demo data already present")


if __name__ == "__main__":
    main()
