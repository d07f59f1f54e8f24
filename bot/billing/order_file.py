"""Orders described in a JSON file (the quote command line and the providers' worked examples).
The format is documented in README.md ("Quote command line").

Every field is checked here, so anything the engine receives is a valid order: a malformed file
raises `OrderFileError` naming the field, never another exception.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Tuple

from bot.billing.models import (
    BILLING_MODES,
    ITEM_KINDS,
    ORDER_TYPES,
    DurationDiscount,
    HourlyCharge,
    HourlyTier,
    LineItem,
    Order,
    OrderContext,
    OrderResource,
    Outage,
    Payment,
    QuotaUse,
    ResourcePackage,
    Spec,
)

MAX_AMOUNT = Decimal("1000000000")  # no order, price or quantity in a file reaches a billion
MAX_PLACES = 6                      # hourly prices have up to 6 decimal places
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_TERM_MONTHS = 120


class OrderFileError(ValueError):
    """The order JSON file is malformed."""


def order_context_from_json(data: Any) -> OrderContext:
    """Build an OrderContext from the documented JSON shape, with clear errors."""
    data = _object(data, "the order file")
    order = _order(data)
    changes = []
    for n, raw in enumerate(_list(data, "changes")):
        raw = _object(raw, f"changes[{n}]")
        try:
            change = _order({"product_code": order.product_code, "instance_id": order.instance_id, **raw})
        except OrderFileError as exc:
            raise OrderFileError(f"changes[{n}]: {exc}") from exc
        if change.order_type not in ("renewal", "upgrade"):
            raise OrderFileError(f"changes[{n}]: order_type must be renewal or upgrade")
        changes.append(replace(change, parent_order_id=order.order_id))
    outages = []
    for n, raw in enumerate(_list(data, "outages")):
        raw = _object(raw, f"outages[{n}]")
        started, ended = _time(raw, "started_at"), _time(raw, "ended_at")
        if ended < started:
            raise OrderFileError(f"outages[{n}]: ended_at is before started_at")
        outages.append(Outage(order.instance_id or "", started, ended))
    uses = tuple(QuotaUse(_str(raw, "order_id", f"no_reason_uses[{n}]."), _str(raw, "product_code", f"no_reason_uses[{n}]."),
                          _count(raw, "units", 1, 1000, 1, f"no_reason_uses[{n}]."), _text(raw, "product_name", ""))
                 for n, raw in enumerate(_objects(data, "no_reason_uses")))
    used = _count(data, "no_reason_refunds_this_year", 0, 1000, sum(use.units for use in uses))
    if uses and used != sum(use.units for use in uses):
        raise OrderFileError("no_reason_refunds_this_year must equal the units of no_reason_uses (or be left out)")
    return OrderContext(order=order, no_reason_refunds_this_year=used, no_reason_uses=uses, outages=tuple(outages),
                        changes=tuple(changes))


def specs_from_json(data: Any) -> List[Spec]:
    """The configurations the order's resource can change to (`specs` in the order file)."""
    specs = []
    for n, raw in enumerate(_list(_object(data, "the order file"), "specs")):
        raw = _object(raw, f"specs[{n}]")
        code = _str(raw, "spec_code", f"specs[{n}].")
        specs.append(Spec(code, _text(raw, "name", code), _money(raw, "monthly_price", where=f"specs[{n}].")))
    return specs


def _order(data: Dict[str, Any]) -> Order:
    order_type = data.get("order_type", "new")
    if order_type not in ORDER_TYPES:
        raise OrderFileError(f"order_type must be one of {', '.join(ORDER_TYPES)}, got {order_type!r}")
    billing_mode = data.get("billing_mode", "prepaid")
    if billing_mode not in BILLING_MODES:
        raise OrderFileError(f"billing_mode must be one of {', '.join(BILLING_MODES)}, got {billing_mode!r}")
    quantity = _count(data, "quantity", 1, 1000, 1)
    term_months = _count(data, "term_months", 1, MAX_TERM_MONTHS, 12)
    order_id = _str(data, "order_id")
    activated = _time(data, "activated_at")
    expires = _expiry(data, activated, billing_mode)
    discount = _money(data, "discount_rate", "1")
    if not Decimal(0) < discount <= Decimal(1):
        raise OrderFileError(f"discount_rate must be above 0 and at most 1, got {discount}")
    return Order(
        order_id=order_id, customer_id=_text(data, "customer_id", "cli"),
        product_code=_str(data, "product_code"), product_name=_text(data, "product_name", str(data["product_code"])),
        instance_id=_optional_text(data, "instance_id"), billing_mode=billing_mode,
        order_type=order_type, term_months=term_months, created_at=activated, activated_at=activated,
        expires_at=expires, items=_items(data),
        payments=tuple(_payment(_object(p, f"payments[{n}]"), order_id, n)
                       for n, p in enumerate(_list(data, "payments"))),
        list_monthly_price=_money(data, "list_monthly_price", "0"), discount_rate=discount,
        hourly_tiers=_tiers(data, "hourly_tiers"),
        extra_hourly=_extra_hourly(data),
        duration_discounts=_discounts(data),
        promotional_no_refund=_flag(data, "promotional_no_refund"), transferred=_flag(data, "transferred"),
        has_unpaid_items=_flag(data, "has_unpaid_items"), converted_from_payg=_flag(data, "converted_from_payg"),
        invoiced=_flag(data, "invoiced"), quantity=quantity, original_price=_money(data, "original_price", "0"),
        package=_package(data.get("package")), spec_name=_text(data, "spec_name", ""),
        resources=_resources(data),
    )


def _resources(data: Dict[str, Any]) -> Tuple[OrderResource, ...]:
    """The order's resources; one bound to another names a main resource of this order (or one
    outside it), never a resource that is itself bound."""
    found = []
    for n, raw in enumerate(_objects(data, "resources")):
        where = f"resources[{n}]."
        amount = _money(raw, "amount", where=where) if raw.get("amount") is not None else None
        found.append(OrderResource(_str(raw, "resource_id", where), _text(raw, "kind", ""),
                                   _optional_text(raw, "bound_to"), amount))
    ids = [r.resource_id for r in found]
    if len(set(ids)) < len(ids):
        raise OrderFileError("resources: two resources with the same resource_id")
    bound = {r.resource_id for r in found if r.bound_to is not None}
    for n, resource in enumerate(found):
        if resource.bound_to == resource.resource_id or resource.bound_to in bound:
            raise OrderFileError(f"resources[{n}].bound_to must name a main resource, not a bound one")
    return tuple(found)


def _extra_hourly(data: Dict[str, Any]) -> Tuple[HourlyCharge, ...]:
    charges = []
    for n, raw in enumerate(_objects(data, "extra_hourly")):
        tiers = _tiers(raw, "tiers", f"extra_hourly[{n}].")
        if not tiers:
            raise OrderFileError(f"extra_hourly[{n}].tiers must list at least one hourly price")
        charges.append(HourlyCharge(_text(raw, "description", ""), tiers))
    return tuple(charges)


def _expiry(data: Dict[str, Any], activated: datetime, billing_mode: str) -> Optional[datetime]:
    if data.get("expires_at") is None:
        if billing_mode == "prepaid":
            raise OrderFileError("missing field: expires_at (a prepaid order has an end)")
        return None
    expires = _time(data, "expires_at")
    if expires <= activated:
        raise OrderFileError("expires_at must be after activated_at")
    return expires


def _items(data: Dict[str, Any]) -> Tuple[LineItem, ...]:
    items = []
    for n, raw in enumerate(_objects(data, "items")):
        kind = raw.get("kind", "resource")
        if kind not in ITEM_KINDS:
            raise OrderFileError(f"items[{n}].kind must be one of {', '.join(ITEM_KINDS)}, got {kind!r}")
        items.append(LineItem(kind, _text(raw, "description", ""), _money(raw, "amount", where=f"items[{n}].")))
    return tuple(items)


def _discounts(data: Dict[str, Any]) -> Tuple[DurationDiscount, ...]:
    found = []
    for n, raw in enumerate(_objects(data, "duration_discounts")):
        months = _count(raw, "months", 1, MAX_TERM_MONTHS, None, "duration_discounts: ")
        rate = _money(raw, "rate", where=f"duration_discounts[{n}].")
        if not Decimal(0) < rate <= Decimal(1):
            raise OrderFileError(f"duration_discounts[{n}].rate must be above 0 and at most 1, got {rate}")
        found.append(DurationDiscount(months, rate))
    if len({d.months for d in found}) < len(found):
        raise OrderFileError("duration_discounts: two rates for the same number of months")
    return tuple(found)


def _package(raw: Any) -> Optional[ResourcePackage]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise OrderFileError("package must be an object: {\"total\": \"1024\", \"used\": \"0\", \"unit\": \"GB\"}")
    total, used = _money(raw, "total", where="package."), _money(raw, "used", "0", where="package.")
    if total <= 0:
        raise OrderFileError("package: total must be positive")
    return ResourcePackage(total, used, _text(raw, "unit", "GB"))


def _tiers(data: Dict[str, Any], key: str, where: str = "") -> Tuple[HourlyTier, ...]:
    tiers = []
    for tier in _objects(data, key):
        limit = tier.get("up_to_hours")
        if limit is not None and (not _whole(limit) or limit < 1):
            raise OrderFileError(f"{where}{key}: up_to_hours must be a whole number of hours or null")
        tiers.append(HourlyTier(limit, _money(tier, "price", where=f"{where}{key}.")))
    limits = [t.up_to_hours for t in tiers]
    if tiers and (limits[-1] is not None or None in limits[:-1] or limits[:-1] != sorted(set(limits[:-1]))):  # type: ignore[type-var]
        raise OrderFileError(f"{where}{key}: up_to_hours must rise from tier to tier and the last tier must be null")
    return tuple(tiers)


def _payment(raw: Dict[str, Any], order_id: str, n: int) -> Payment:
    where = f"payments[{n}]."
    status = raw.get("status", "success")
    if status not in ("success", "refunded", "failed"):
        raise OrderFileError(f"{where}status must be success, refunded or failed, got {status!r}")
    return Payment(
        txn_id=_text(raw, "txn_id", f"T{n + 1}"), order_id=order_id, paid_at=_time(raw, "paid_at", where),
        method=_text(raw, "method", "alipay"), cash=_money(raw, "cash", "0", where=where),
        gift_credit=_money(raw, "gift_credit", "0", where=where), voucher=_money(raw, "voucher", "0", where=where),
        coupon=_money(raw, "coupon", "0", where=where), status=status,
    )


def _object(value: Any, where: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise OrderFileError(f"{where} must be a JSON object")
    return value


def _objects(data: Dict[str, Any], key: str) -> List[Dict[str, Any]]:
    return [_object(item, f"{key}[{n}]") for n, item in enumerate(_list(data, key))]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(data: Dict[str, Any], key: str, low: int, high: int, default: Optional[int], where: str = "") -> int:
    """A whole number between `low` and `high` (a quantity, months, a count)."""
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise OrderFileError(f"{where}{key} must be a whole number ({low}-{high}), got {value!r}")
    return value


def _flag(data: Dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise OrderFileError(f"{key} must be true or false")
    return value


def _str(data: Dict[str, Any], key: str, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise OrderFileError(f"{where}{key} must be a non-empty string")
    return value


def _text(data: Dict[str, Any], key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise OrderFileError(f"{key} must be text")
    return value


def _optional_text(data: Dict[str, Any], key: str) -> Optional[str]:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise OrderFileError(f"{key} must be text or null")
    return value


def _list(data: Dict[str, Any], key: str) -> List[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise OrderFileError(f"{key} must be a list")
    return value


def _money(data: Dict[str, Any], key: str, default: Optional[str] = None, where: str = "") -> Decimal:
    """A non-negative amount written as a string or a whole number, with at most 6 decimals."""
    value = data.get(key, default)
    if value is None:
        raise OrderFileError(f"missing field: {where}{key}")
    if isinstance(value, float):
        raise OrderFileError(f"{where}{key}: write amounts as strings (\"12.50\") to keep them exact")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise OrderFileError(f"{where}{key}: not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise OrderFileError(f"{where}{key}: not a number: {value!r}") from exc
    if not number.is_finite() or not Decimal(0) <= number <= MAX_AMOUNT:
        raise OrderFileError(f"{where}{key}: must be between 0 and {MAX_AMOUNT:,}, got {value!r}")
    if -number.as_tuple().exponent > MAX_PLACES:  # type: ignore[operator]
        raise OrderFileError(f"{where}{key}: at most {MAX_PLACES} decimal places, got {value!r}")
    return number


def _time(data: Dict[str, Any], key: str, where: str = "") -> datetime:
    value = data.get(key)
    if not isinstance(value, str):
        raise OrderFileError(f"{where}{key}: not an ISO 8601 time: {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise OrderFileError(f"{where}{key}: not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise OrderFileError(f"{where}{key}: give a time zone, e.g. 2026-11-26T10:00:00+08:00")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise OrderFileError(f"{where}{key}: a year between {EARLIEST_YEAR} and {LATEST_YEAR}, got {value!r}")
    return moment
