"""Orders described in a JSON file (the quote command line and the providers' worked examples).
The format is documented in README.md ("Quote command line")."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Tuple

from bot.billing.models import (
    ORDER_TYPES,
    DurationDiscount,
    HourlyCharge,
    HourlyTier,
    LineItem,
    Order,
    OrderContext,
    Outage,
    Payment,
    ResourcePackage,
    Spec,
)


class OrderFileError(ValueError):
    """The order JSON file is malformed."""


def order_context_from_json(data: Dict[str, Any]) -> OrderContext:
    """Build an OrderContext from the documented JSON shape, with clear errors."""
    order = _order(data)
    changes = []
    for n, raw in enumerate(_list(data, "changes")):
        if not isinstance(raw, dict):
            raise OrderFileError(f"changes[{n}] must be an object")
        try:
            change = _order({"product_code": order.product_code, "instance_id": order.instance_id, **raw})
        except OrderFileError as exc:
            raise OrderFileError(f"changes[{n}]: {exc}") from exc
        if change.order_type not in ("renewal", "upgrade"):
            raise OrderFileError(f"changes[{n}]: order_type must be renewal or upgrade")
        changes.append(replace(change, parent_order_id=order.order_id))
    outages = tuple(Outage(order.instance_id or "", _time(o, "started_at"), _time(o, "ended_at"))
                    for o in _list(data, "outages"))
    used = data.get("no_reason_refunds_this_year", 0)
    if not isinstance(used, int) or used < 0:
        raise OrderFileError("no_reason_refunds_this_year must be a whole number >= 0")
    return OrderContext(order=order, no_reason_refunds_this_year=used, outages=outages, changes=tuple(changes))


def specs_from_json(data: Dict[str, Any]) -> List[Spec]:
    """The configurations the order's resource can change to (`specs` in the order file)."""
    specs = []
    for n, raw in enumerate(_list(data, "specs")):
        if not isinstance(raw, dict):
            raise OrderFileError(f"specs[{n}] must be an object")
        specs.append(Spec(_str(raw, "spec_code"), str(raw.get("name") or raw["spec_code"]),
                          _money(raw, "monthly_price")))
    return specs


def _order(data: Dict[str, Any]) -> Order:
    order_type = data.get("order_type", "new")
    if order_type not in ORDER_TYPES:
        raise OrderFileError(f"order_type must be one of {', '.join(ORDER_TYPES)}, got {order_type!r}")
    quantity = data.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 1000:
        raise OrderFileError(f"quantity must be a whole number of instances (1-1000), got {quantity!r}")
    try:
        return Order(
            order_id=_str(data, "order_id"), customer_id=data.get("customer_id", "cli"),
            product_code=_str(data, "product_code"), product_name=data.get("product_name", data["product_code"]),
            instance_id=data.get("instance_id"), billing_mode=data.get("billing_mode", "prepaid"),
            order_type=order_type, term_months=int(data.get("term_months", 12)),
            created_at=_time(data, "activated_at"), activated_at=_time(data, "activated_at"),
            expires_at=_time(data, "expires_at") if data.get("expires_at") else None,
            items=tuple(LineItem(i.get("kind", "resource"), i.get("description", ""), _money(i, "amount"))
                        for i in data.get("items", [])),
            payments=tuple(_payment(p, data["order_id"], n) for n, p in enumerate(_list(data, "payments"))),
            list_monthly_price=_money(data, "list_monthly_price", "0"),
            discount_rate=_money(data, "discount_rate", "1"),
            hourly_tiers=_tiers(data, "hourly_tiers"),
            extra_hourly=tuple(HourlyCharge(str(c.get("description", "")), _tiers(c, "tiers"))
                               for c in _list(data, "extra_hourly")),
            duration_discounts=tuple(DurationDiscount(_months(d), _money(d, "rate"))
                                     for d in _list(data, "duration_discounts")),
            promotional_no_refund=bool(data.get("promotional_no_refund", False)),
            transferred=bool(data.get("transferred", False)),
            has_unpaid_items=bool(data.get("has_unpaid_items", False)),
            converted_from_payg=bool(data.get("converted_from_payg", False)),
            invoiced=bool(data.get("invoiced", False)),
            quantity=quantity, original_price=_money(data, "original_price", "0"),
            package=_package(data.get("package")), spec_name=str(data.get("spec_name", "")),
        )
    except KeyError as exc:
        raise OrderFileError(f"missing field: {exc.args[0]}") from exc


def _package(raw: Any) -> Optional[ResourcePackage]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise OrderFileError("package must be an object: {\"total\": \"1024\", \"used\": \"0\", \"unit\": \"GB\"}")
    total, used = _money(raw, "total"), _money(raw, "used", "0")
    if total <= 0 or used < 0:
        raise OrderFileError("package: total must be positive and used not negative")
    return ResourcePackage(total, used, str(raw.get("unit", "GB")))


def _tiers(data: Dict[str, Any], key: str) -> Tuple[HourlyTier, ...]:
    tiers = []
    for tier in _list(data, key):
        limit = tier.get("up_to_hours")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise OrderFileError(f"{key}: up_to_hours must be a whole number of hours or null")
        tiers.append(HourlyTier(limit, _money(tier, "price")))
    return tuple(tiers)


def _months(data: Dict[str, Any]) -> int:
    value = data.get("months")
    if not isinstance(value, int) or not 1 <= value <= 120:
        raise OrderFileError(f"duration_discounts: months must be a whole number of months (1-120), got {value!r}")
    return value


def _payment(raw: Dict[str, Any], order_id: str, n: int) -> Payment:
    return Payment(
        txn_id=raw.get("txn_id", f"T{n + 1}"), order_id=order_id, paid_at=_time(raw, "paid_at"),
        method=raw.get("method", "alipay"), cash=_money(raw, "cash", "0"),
        gift_credit=_money(raw, "gift_credit", "0"), voucher=_money(raw, "voucher", "0"),
        coupon=_money(raw, "coupon", "0"), status=raw.get("status", "success"),
    )


def _str(data: Dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise OrderFileError(f"{key} must be a non-empty string")
    return value


def _list(data: Dict[str, Any], key: str) -> List[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise OrderFileError(f"{key} must be a list")
    return value


def _money(data: Dict[str, Any], key: str, default: Optional[str] = None) -> Decimal:
    value = data.get(key, default)
    if value is None:
        raise OrderFileError(f"missing field: {key}")
    if isinstance(value, float):
        raise OrderFileError(f"{key}: write amounts as strings (\"12.50\") to keep them exact")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise OrderFileError(f"{key}: not a number: {value!r}") from exc


def _time(data: Dict[str, Any], key: str) -> datetime:
    value = data.get(key)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise OrderFileError(f"{key}: not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise OrderFileError(f"{key}: give a time zone, e.g. 2026-11-26T10:00:00+08:00")
    return moment
