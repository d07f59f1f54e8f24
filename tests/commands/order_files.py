"""Hypothesis strategies for order files (README "Quote command line"): every kind of order the
format can describe, with its payments, changes, outages and configurations."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List

from hypothesis import strategies as st

from bot.policy.engine import add_months

BEIJING = timezone(timedelta(hours=8))
FIRST = datetime(2024, 1, 1, tzinfo=BEIJING)


def yuan(cents: int) -> str:
    return str(Decimal(cents) / 100)


moments = st.integers(0, 5 * 365 * 24 * 60).map(lambda minutes: FIRST + timedelta(minutes=minutes))
prices = st.integers(1, 5_000_000).map(yuan)  # 0.01 to 50,000 yuan
rates = st.integers(10, 100).map(lambda n: str(Decimal(n) / 100))
PRODUCTS = st.sampled_from(["ecs", "cvm", "rds", "cdn", "evs", "polardb", "mongodb", "workspace", "mps", "cbr"])
# Hypothesis leans towards the first choice: most generated orders are ordinary ones.
RARELY = st.sampled_from([False] * 9 + [True])
SOMETIMES = st.sampled_from([False] * 3 + [True])


@st.composite
def payments(draw: Any, total_cents: int, paid_at: datetime) -> Dict[str, Any]:
    """One payment of `total_cents`, split at random between cash, gift credit, voucher and coupon."""
    cuts = sorted(draw(st.lists(st.integers(0, total_cents), min_size=3, max_size=3)))
    parts = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], total_cents - cuts[2]]
    return {"paid_at": paid_at.isoformat(), "cash": yuan(parts[0]), "gift_credit": yuan(parts[1]),
            "voucher": yuan(parts[2]), "coupon": yuan(parts[3])}


@st.composite
def hourly_tiers(draw: Any) -> List[Dict[str, Any]]:
    limits = sorted(set(draw(st.lists(st.integers(1, 2000), max_size=2))))
    return [{"up_to_hours": limit, "price": draw(st.integers(1, 500).map(yuan))} for limit in limits] + [
        {"up_to_hours": None, "price": draw(st.integers(1, 500).map(yuan))}]


@st.composite
def resources(draw: Any) -> List[Dict[str, Any]]:
    """Main resources, some with resources bound to them, priced or not."""
    found: List[Dict[str, Any]] = []
    priced = draw(st.booleans())
    for n in range(draw(st.integers(1, 4))):
        found.append({"resource_id": f"main-{n}", "kind": "ecs"})
        found += [{"resource_id": f"disk-{n}-{m}", "kind": "evs", "bound_to": f"main-{n}"}
                  for m in range(draw(st.integers(0, 2)))]
    for resource in found:
        if priced:
            resource["amount"] = yuan(draw(st.integers(0, 100_000)))
    return found


@st.composite
def order_body(draw: Any, order_id: str, activated: datetime, order_type: str) -> Dict[str, Any]:
    """The fields an order and a change order share."""
    term = draw(st.sampled_from([1, 2, 3, 6, 11, 12, 24, 36, 48, 60]))
    expires = add_months(activated, term) + timedelta(hours=draw(st.sampled_from([0, 0, 1, 14])))
    total = draw(st.integers(100, 5_000_000))
    fee = draw(st.sampled_from([0, 0, 0, min(total, 500)]))
    body: Dict[str, Any] = {
        "order_id": order_id, "order_type": order_type, "term_months": term,
        "activated_at": activated.isoformat(), "expires_at": expires.isoformat(),
        "items": [{"kind": "resource", "amount": yuan(total - fee)}]
        + ([{"kind": "config_change_fee", "amount": yuan(fee)}] if fee else []),
        "payments": [draw(payments(total, activated))],
    }
    if draw(st.booleans()):
        body["list_monthly_price"] = draw(prices)
        body["discount_rate"] = draw(rates)
        if draw(st.booleans()):
            body["hourly_tiers"] = draw(hourly_tiers())
        if draw(st.booleans()):
            body["duration_discounts"] = [{"months": m, "rate": draw(rates)}
                                          for m in sorted(draw(st.sets(st.sampled_from([1, 6, 12, 24, 36, 60]))))]
        if draw(st.booleans()):
            body["extra_hourly"] = [{"description": "带宽", "tiers": draw(hourly_tiers())}]
    if draw(st.booleans()):
        body["original_price"] = yuan(total + draw(st.integers(0, 1_000_000)))
    return body


@st.composite
def order_files(draw: Any) -> Dict[str, Any]:
    """A valid order file of any kind."""
    activated = draw(moments)
    data = draw(order_body("2026000000000001", activated, draw(st.sampled_from(["new", "new", "renewal", "upgrade"]))))
    data.update({"product_code": draw(PRODUCTS),
                 "instance_id": "ins-0000prop", "quantity": draw(st.sampled_from([1, 1, 2, 3, 20]))})
    if draw(RARELY):
        data["billing_mode"] = "payg"
        del data["expires_at"]
    for flag in ("promotional_no_refund", "transferred", "has_unpaid_items", "converted_from_payg", "invoiced"):
        data[flag] = draw(RARELY)
    if draw(SOMETIMES):
        data["package"] = {"total": "1024", "used": str(draw(st.integers(0, 1200))), "unit": "GB"}
    extra = draw(st.sampled_from(["none"] * 6 + ["duplicate", "failed", "unpaid"]))
    if extra == "duplicate":
        data["payments"].append({**data["payments"][0], "paid_at": (activated + timedelta(minutes=3)).isoformat()})
    elif extra == "failed":
        data["payments"][0]["status"] = "failed"
    elif extra == "unpaid":
        data["payments"] = []
    if "expires_at" in data:
        for n in range(draw(st.integers(0, 2))):
            starts = activated + timedelta(days=draw(st.integers(-30, 800)))
            kind = draw(st.sampled_from(["renewal", "upgrade"]))
            data.setdefault("changes", []).append(draw(order_body(f"20260000000001{n:02d}", starts, kind)))
    data["outages"] = []
    for _ in range(draw(st.integers(0, 3))):
        start = activated + timedelta(minutes=draw(st.integers(-60 * 24 * 30, 60 * 24 * 400)))
        data["outages"].append({"started_at": start.isoformat(),
                                "ended_at": (start + timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))).isoformat()})
    if draw(SOMETIMES):
        data["resources"] = draw(resources())
    if draw(SOMETIMES):
        data["no_reason_uses"] = [{"order_id": f"20250000000000{n:02d}", "product_code": draw(PRODUCTS),
                                   "units": draw(st.integers(1, 3))} for n in range(draw(st.integers(1, 3)))]
    else:
        data["no_reason_refunds_this_year"] = draw(st.integers(0, 12))
    data["specs"] = [{"spec_code": f"s{n}", "name": f"配置{n}", "monthly_price": draw(prices)}
                     for n in range(draw(st.integers(0, 3)))]
    return data


def request_times(data: Dict[str, Any]) -> Any:
    """Moments around an order's life: before it starts, inside it, after it ends."""
    start = datetime.fromisoformat(data["activated_at"])
    return st.integers(-10 * 24 * 60, (61 * 31 + 60) * 24 * 60).map(lambda m: start + timedelta(minutes=m))
