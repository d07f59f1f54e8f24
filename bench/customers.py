"""Simulated customers applying for refunds and asking for their status through the real
socket.io channel: the load test of `make bench` (50 customers, 2 minutes) and, short, of
`make test` (tests/load). Each customer works through orders of their own, so every
application can be filed; the result counts confirmations to compare with the database."""
from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence

from sqlalchemy.orm import sessionmaker

from bot.clock import utcnow
from bot.storage.schema import CustomerRow
from bot.storage.seed import DEMO_PASSWORD_HASH, DemoOrder, add_demo_order
from harness.raw_socket import RawSocket

TICKET = re.compile(r"工单号 (RF\d+)")


@dataclass
class LoadCustomer:
    customer_id: str
    orders: List[str]


@dataclass
class LoadResult:
    customers: int
    seconds: float
    messages: int = 0
    applications: int = 0
    status_queries: int = 0
    confirmed: List[str] = field(default_factory=list)  # ticket ids the customers were given
    errors: List[str] = field(default_factory=list)
    latencies: List[float] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    def summary(self) -> Dict[str, float]:
        return {"customers": self.customers, "seconds": round(self.seconds, 1), "messages": self.messages,
                "applications": len(self.confirmed), "status_queries": self.status_queries,
                "errors": len(self.errors), "p50_ms": self.percentile_ms(0.5), "p95_ms": self.percentile_ms(0.95),
                "p99_ms": self.percentile_ms(0.99), "throughput_msg_s": self.messages / self.seconds}


def seed_load_customers(sessions: sessionmaker, count: int, orders_each: int,
                        now: Optional[datetime] = None) -> List[LoadCustomer]:
    """`count` customers (L0001, ...; password demo123), each with `orders_each` new yearly
    server orders activated a day ago, so each can be refunded."""
    now = now or utcnow()
    customers = []
    with sessions.begin() as session:
        for c in range(1, count + 1):
            customer_id = f"L{c:04d}"
            session.add(CustomerRow(customer_id=customer_id, name=f"压测用户{c}", is_demo=True,
                                    password_hash=DEMO_PASSWORD_HASH))
            session.flush()
            orders = []
            for n in range(1, orders_each + 1):
                order_id = f"20261125{9000 + c:04d}{n:04d}"  # clear of the demo orders
                add_demo_order(session, DemoOrder(f"load-{c}-{n}", order_id, customer_id, f"ins-l{c:04d}{n:04d}",
                                                  "ecs", "云服务器 ECS（2核4G）", 1, 12, Decimal("1200")), now)
                orders.append(order_id)
            customers.append(LoadCustomer(customer_id, orders))
    return customers


async def _turn(client: RawSocket, text: str, expect: str, result: LoadResult) -> Optional[str]:
    """Say `text`; the answer up to the message containing `expect`, or None (an error)."""
    started = time.perf_counter()
    try:
        answer = await client.say(text, timeout=60, until=expect)
    except Exception as exc:  # counted and reported: the load test requires zero
        got = " / ".join((m.get("text") or "")[:60] for m in client.bot_messages[-3:])
        result.errors.append(f"{text}: {type(exc).__name__} {exc}; last answers: {got}")
        return None
    result.messages += 1
    result.latencies.append(client.first_arrival - started)
    return "\n".join(m.get("text", "") for m in answer)


async def _customer(url: str, token_for: Callable[[str], str], customer: LoadCustomer, deadline: float,
                    result: LoadResult) -> None:
    for order_id in customer.orders:
        if time.monotonic() >= deadline:
            return
        client = RawSocket(url, token_for(customer.customer_id))
        try:
            await client.connect()
        except Exception as exc:
            result.errors.append(f"connect: {type(exc).__name__} {exc}")
            continue
        try:
            if await _turn(client, f"我要退款，订单{order_id}", "退款的原因", result) is None:
                continue
            if await _turn(client, "需求变化", "确认提交退款申请吗", result) is None:
                continue
            filed = await _turn(client, "确认", "工单号", result)
            if filed is None:
                continue
            result.confirmed.append(TICKET.search(filed).group(1))
            if await _turn(client, "查询退款进度", TICKET.search(filed).group(1), result) is not None:
                result.status_queries += 1
        finally:
            await client.close()


async def run_load(url: str, token_for: Callable[[str], str], customers: Sequence[LoadCustomer], seconds: float) -> LoadResult:
    """Every customer applies for refunds (and checks the status) until `seconds` have passed."""
    result = LoadResult(customers=len(customers), seconds=seconds)
    started = time.monotonic()
    await asyncio.gather(*(_customer(url, token_for, c, started + seconds, result) for c in customers))
    result.seconds = time.monotonic() - started
    return result
