"""Load and validate a refund policy YAML file into immutable settings.

Every number a provider may change lives here, never in the engine. A malformed file raises
`PolicyError` naming the offending key, so an operator sees what to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from bot.policy.workdays import BEYOND_CALENDAR, add_working_days
from bot.vocabulary import RefundReason

DESTINATIONS = ("original_route", "account_balance")
CONSUMPTION_METHODS = ("time_proportional", "monthly_plus_hourly")
UNITS = ("hour", "day")
QUOTA_SCOPES = ("product", "account")
QUOTA_UNITS = ("instances", "resources")
CONSUMPTION_BASES = ("paid", "original_price")
# How a downgrade (降配) refund is computed; see bot.policy.changes.
DOWNGRADE_METHODS = ("refund_then_buy", "price_ratio", "price_difference")
# Remaining time in months: days ÷ days_per_month; each calendar month's remaining days ÷ its
# length (Huawei); whole calendar months when it is exactly that many, else days ÷ days_per_month
# (Tencent's examples).
MONTH_CONVENTIONS = ("days", "calendar_months", "whole_months_else_days")
# The new configuration's price: at the order's own discount, or at today's discount for a
# purchase as long as the remaining time (Tencent: 按新购的价格及对应折扣).
NEW_PRICE_DISCOUNTS = ("order", "today_for_remaining")
# A downgrade's refund may also be paid as gift credit (Tencent: 以赠送金的形式退还).
DOWNGRADE_DESTINATIONS = DESTINATIONS + ("gift_credit",)
EXCLUSIONS = ("promotional_no_refund", "transferred", "unpaid_items")
SLA_MONTHLY_FEES = ("list_price", "money_paid")
MAX_TERM_MONTHS = 120  # the longest prepaid term an order (and a fee table) may have


class PolicyError(ValueError):
    """The policy file is malformed; the message names the key."""


@dataclass(frozen=True)
class NoReasonWindow:
    enabled: bool
    length: timedelta
    calendar_days: Optional[int]  # set when the window counts calendar days inclusively
    quota: int
    quota_scope: str
    returns_vouchers: bool
    returns_coupons: bool
    # Products sharing one quota (e.g. [[ecs, rds]]); every other product has its own.
    shared_by: Tuple[Tuple[str, ...], ...] = ()
    excluded_products: Tuple[str, ...] = ()
    # What one unit of the quota is: an instance of the order ("instances"), or one of its
    # resources with those bound to it ("resources", Huawei: 绑定关系资源退订按1个资源计算); the
    # products unsubscribed as a whole order count one unit an order.
    counts: str = "instances"
    whole_order_products: Tuple[str, ...] = ()

    def quota_products(self, product_code: str) -> Optional[Tuple[str, ...]]:
        """The products whose no-reason refunds count against `product_code`'s quota
        (None: every product of the account)."""
        if self.quota_scope == "account":
            return None
        group = next((g for g in self.shared_by if product_code in g), None)
        return group or (product_code,)


@dataclass(frozen=True)
class FeeTier:
    """The handling fee for terms up to `term_months_max`, as a percentage of the money paid by
    year of use (the last entry for any later year). `reviewer_computes`: the provider publishes
    a fee for these terms that the policy does not hold, so a reviewer computes the refund."""

    term_months_max: int
    percent_by_year: Tuple[Decimal, ...]
    reviewer_computes: bool = False


@dataclass(frozen=True)
class StandardRefund:
    method: str
    unit: str
    partial_unit_counts_full: bool
    fee_tiers: Tuple[FeeTier, ...]
    fee_waived_for: Tuple[str, ...]
    non_refundable_items: Tuple[str, ...]
    returns_vouchers: bool
    returns_coupons: bool
    # Huawei: the service period starts at the hour the order took effect (10:30 → 10:00), its
    # end is rounded up to the hour, and the time used ends at the hour of the request.
    hour_boundaries: bool = False
    # "original_price": use is charged at the order's original (list) price × the discount the
    # time used would get today (Alibaba, Tencent's 时长折算法); "paid": a share of the money paid.
    basis: str = "paid"
    # An unsubscription worth nothing still goes ahead, refunding 0 (Huawei: 若计算出的退款金额小于 0，
    # 则不予退款); otherwise it is refused as nothing_left and offered to a person.
    allow_zero_refund: bool = False


@dataclass(frozen=True)
class Downgrade:
    """降配退款: the customer keeps the resource on a smaller configuration."""

    enabled: bool
    method: str  # one of DOWNGRADE_METHODS
    days_per_month: Decimal  # a monthly price per day of the remaining time
    destination: str  # one of DOWNGRADE_DESTINATIONS
    by_product: Mapping[str, str] = field(default_factory=dict)  # product -> method
    # How the remaining time is counted in months (MONTH_CONVENTIONS) and which discount the new
    # configuration is bought at (NEW_PRICE_DISCOUNTS); see bot.policy.changes.
    month_convention: str = "days"
    new_price_discount: str = "order"
    # The change goes ahead when nothing comes back (Tencent: 若退款金额 <= 0，实施配置降级但不退费).
    allow_zero_refund: bool = False

    def method_for(self, product_code: str) -> str:
        """How a downgrade of this product is refunded."""
        return self.by_product.get(product_code, self.method)


@dataclass(frozen=True)
class ResourcePackages:
    """Prepaid quantities (traffic, storage): a package still untouched this many days after
    purchase is refunded in full (None: no such rule); otherwise use is charged by quantity.
    Where packages cannot be unsubscribed at all (`refundable: false`, Huawei), only the listed
    products' can."""

    unused_full_refund_days: Optional[int]
    by_product: Mapping[str, Optional[int]] = field(default_factory=dict)  # product -> its own days
    refundable: bool = True
    refundable_products: Tuple[str, ...] = ()

    def unused_days_for(self, product_code: str) -> Optional[int]:
        """How long after purchase an untouched package of the product is refunded in full."""
        return self.by_product.get(product_code, self.unused_full_refund_days)

    def refundable_for(self, product_code: str) -> bool:
        """Whether a package of the product can be unsubscribed."""
        return self.refundable or product_code in self.refundable_products


@dataclass(frozen=True)
class SlaTier:
    below_percent: Decimal
    compensation_percent: Decimal


@dataclass(frozen=True)
class SlaTerms:
    """One product's service commitment: the monthly availability promised, the voucher tiers
    (lowest threshold first, so the first match is the most generous) and how long after the
    month ends it can be claimed."""

    commitment_percent: Decimal
    tiers: Tuple[SlaTier, ...]
    claim_window_days: int


@dataclass(frozen=True)
class Sla:
    commitment_percent: Decimal
    tiers: Tuple[SlaTier, ...]
    claim_window_days: int
    # Products with their own SLA: a commitment on the default tiers, or their own terms.
    by_product: Mapping[str, SlaTerms] = field(default_factory=dict)
    # The month's fee a voucher is a share of: the list price × the order's discount, or what
    # the customer paid in money for the month (Tencent: 不含用代金券、优惠券…抵扣的费用).
    monthly_fee: str = "list_price"
    # An outage no longer than this does not count as unavailable time (Tencent CVM: 60 seconds).
    minimum_outage_seconds: int = 0

    def terms_for(self, product_code: str) -> SlaTerms:
        """The SLA the product is sold with."""
        return self.by_product.get(product_code) or SlaTerms(self.commitment_percent, self.tiers,
                                                             self.claim_window_days)

    def commitment_for(self, product_code: str) -> Decimal:
        """The availability the product is promised each month."""
        return self.terms_for(product_code).commitment_percent


@dataclass(frozen=True)
class Timing:
    review_working_days: int
    payout_working_days: Mapping[str, int]
    holidays: Tuple[date, ...]  # the provider's own closures, on top of the official calendar
    appeal_working_days: int = 5
    escalation_working_days: int = 1
    beyond_calendar: str = "weekdays"  # or "error": see bot.policy.workdays

    def working_days_after(self, start: datetime | date, days: int) -> date:
        """The local date `days` working days after `start`, by the official calendar and the
        provider's closures."""
        return add_working_days(start, days, self.holidays, self.beyond_calendar)


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    no_reason: NoReasonWindow
    exclusions: Tuple[str, ...]
    standard: StandardRefund
    refund_unstarted_renewals: bool
    unstarted_renewal_returns_vouchers: bool
    default_destination: str
    invoiced_destination: str
    timing: Timing
    manager_approval_above: Optional[Decimal]
    sla: Sla
    downgrade: Downgrade = Downgrade(True, "refund_then_buy", Decimal(30), "account_balance")
    resource_packages: ResourcePackages = ResourcePackages(None)


def load_policy(path: Path | str) -> Policy:
    """Read and validate the policy file at `path`."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return parse_policy(raw)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from exc


def parse_policy(raw: Any) -> Policy:
    """Validate an already-parsed policy mapping."""
    root = _Section(raw, "policy")
    return Policy(
        name=root.text("name"),
        description=root.text("description", ""),
        no_reason=_no_reason(root.section("no_reason_window")),
        exclusions=root.choices("exclusions", EXCLUSIONS, list(EXCLUSIONS)),
        standard=_standard(root.section("standard_refund")),
        refund_unstarted_renewals=root.flag("refund_unstarted_renewals", True),
        unstarted_renewal_returns_vouchers=root.flag("unstarted_renewal_returns_vouchers", False),
        default_destination=root.choice("destination.default", DESTINATIONS, sub="destination"),
        invoiced_destination=root.section("destination").choice(
            "invoiced_orders", DESTINATIONS, "account_balance"
        ),
        timing=_timing(root.section("timing")),
        manager_approval_above=root.amount("manager_approval_above", None),
        sla=_sla(root.section("sla")),
        downgrade=_downgrade(root.section("downgrade")),
        resource_packages=_resource_packages(root.section("resource_packages")),
    )


def _resource_packages(sec: "_Section") -> ResourcePackages:
    days = sec.section("by_product")
    return ResourcePackages(
        unused_full_refund_days=sec.integer("unused_full_refund_days", None),
        by_product={str(product): days.integer(product, None) for product in days.raw},
        refundable=sec.flag("refundable", True),
        refundable_products=tuple(str(p) for p in sec.list("refundable_products", [])),
    )


def _downgrade(sec: "_Section") -> Downgrade:
    days = sec.amount("days_per_month", Decimal(30))
    if days is None or not Decimal(28) <= days <= Decimal(31):
        raise PolicyError(f"{sec.where}.days_per_month must be between 28 and 31")
    return Downgrade(
        enabled=sec.flag("enabled", True),
        method=sec.choice("method", DOWNGRADE_METHODS, "refund_then_buy"),
        days_per_month=days,
        destination=sec.choice("destination", DOWNGRADE_DESTINATIONS, "account_balance"),
        by_product={str(product): sec.section("by_product").choice(product, DOWNGRADE_METHODS)
                    for product in sec.section("by_product").raw},
        month_convention=sec.choice("month_convention", MONTH_CONVENTIONS, "days"),
        new_price_discount=sec.choice("new_price_discount", NEW_PRICE_DISCOUNTS, "order"),
        allow_zero_refund=sec.flag("allow_zero_refund", False),
    )


def _no_reason(sec: "_Section") -> NoReasonWindow:
    hours = sec.integer("hours", None)
    days = sec.integer("days", None)
    if (hours is None) == (days is None):
        raise PolicyError(f"{sec.where}: give exactly one of 'hours' or 'days'")
    calendar = sec.flag("calendar_days_inclusive", False)
    if calendar and days is None:
        raise PolicyError(f"{sec.where}.calendar_days_inclusive needs 'days'")
    length = timedelta(hours=hours) if hours is not None else timedelta(days=days)
    quota = sec.section("quota")
    return NoReasonWindow(
        enabled=sec.flag("enabled", True),
        length=length,
        calendar_days=days if calendar else None,
        quota=quota.integer("per_calendar_year", 1),
        quota_scope=quota.choice("scope", QUOTA_SCOPES, "product"),
        returns_vouchers=sec.flag("returns_vouchers", False),
        returns_coupons=sec.flag("returns_coupons", False),
        shared_by=_product_groups(quota),
        excluded_products=tuple(str(p) for p in sec.list("excluded_products", [])),
        counts=quota.choice("counts", QUOTA_UNITS, "instances"),
        whole_order_products=tuple(str(p) for p in quota.list("whole_order_products", [])),
    )


def _product_groups(quota: "_Section") -> Tuple[Tuple[str, ...], ...]:
    groups = []
    seen: Dict[str, int] = {}
    for i, group in enumerate(quota.list("shared_by", [])):
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(p, str) for p in group):
            raise PolicyError(f"{quota.where}.shared_by[{i}] must list at least two product codes")
        for product in group:
            if product in seen:
                raise PolicyError(f"{quota.where}.shared_by: {product!r} is in two groups")
            seen[product] = i
        groups.append(tuple(group))
    return tuple(groups)


def _standard(sec: "_Section") -> StandardRefund:
    consumption = sec.section("consumption")
    fee = sec.section("handling_fee")
    tiers = [_fee_tier(item, f"{fee.where}.tiers[{i}]") for i, item in enumerate(fee.list("tiers", []))]
    tiers.sort(key=lambda t: t.term_months_max)
    if len({t.term_months_max for t in tiers}) < len(tiers):
        raise PolicyError(f"{fee.where}.tiers: two rows for the same term_months_max")
    return StandardRefund(
        method=consumption.choice("method", CONSUMPTION_METHODS),
        unit=consumption.choice("unit", UNITS, "day"),
        partial_unit_counts_full=consumption.flag("partial_unit_counts_full", True),
        hour_boundaries=consumption.flag("hour_boundaries", False),
        basis=consumption.choice("basis", CONSUMPTION_BASES, "paid"),
        fee_tiers=tuple(tiers),
        fee_waived_for=fee.choices("waived_for_reasons", tuple(r.value for r in RefundReason), []),
        non_refundable_items=tuple(str(x) for x in sec.list("non_refundable_items", [])),
        returns_vouchers=sec.flag("returns_vouchers", False),
        returns_coupons=sec.flag("returns_coupons", False),
        allow_zero_refund=sec.flag("allow_zero_refund", False),
    )


def _fee_tier(item: Any, where: str) -> FeeTier:
    tier = _Section(item, where)
    months = tier.integer("term_months_max")
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise PolicyError(f"{where}.term_months_max must be between 1 and {MAX_TERM_MONTHS}")
    if tier.flag("reviewer_computes", False):
        if "percent_by_year" in tier.raw:
            raise PolicyError(f"{where}: give percent_by_year or reviewer_computes, not both")
        return FeeTier(months, (), reviewer_computes=True)
    percents = tuple(_percent(v, f"{where}.percent_by_year") for v in tier.list("percent_by_year"))
    if not percents:
        raise PolicyError(f"{where}.percent_by_year must not be empty")
    return FeeTier(months, percents)


def _timing(sec: "_Section") -> Timing:
    payout = sec.section("payout_working_days")
    holidays = []
    for i, value in enumerate(sec.list("holidays", [])):
        if isinstance(value, date):
            holidays.append(value)
            continue
        try:
            holidays.append(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise PolicyError(f"{sec.where}.holidays[{i}]: not a date: {value!r}") from exc
    return Timing(
        review_working_days=sec.integer("review_working_days"),
        payout_working_days={d: payout.integer(d) for d in DESTINATIONS},
        holidays=tuple(sorted(holidays)),
        appeal_working_days=sec.integer("appeal_working_days", 5),
        escalation_working_days=sec.integer("escalation_working_days", 1),
        beyond_calendar=sec.choice("beyond_calendar", BEYOND_CALENDAR, "weekdays"),
    )


def _sla(sec: "_Section") -> Sla:
    default = _sla_terms(sec, None)
    products = {}
    for product, value in sec.section("by_product").raw.items():
        where = f"{sec.where}.by_product.{product}"
        if isinstance(value, dict):
            products[str(product)] = _sla_terms(_Section(value, where), default)
        else:  # a commitment alone: the default tiers and claim window
            commitment = _percent(value, where)
            products[str(product)] = SlaTerms(commitment, default.tiers, default.claim_window_days)
        _check_tiers(products[str(product)], where)
    return Sla(commitment_percent=default.commitment_percent, tiers=default.tiers,
               claim_window_days=default.claim_window_days, by_product=products,
               monthly_fee=sec.choice("monthly_fee", SLA_MONTHLY_FEES, "list_price"),
               minimum_outage_seconds=sec.integer("minimum_outage_seconds", 0))


def _sla_terms(sec: "_Section", default: Optional[SlaTerms]) -> SlaTerms:
    tiers = []
    raw_tiers = sec.list("compensation_tiers") if default is None else sec.list("compensation_tiers", [])
    for i, item in enumerate(raw_tiers):
        tier = _Section(item, f"{sec.where}.compensation_tiers[{i}]")
        tiers.append(SlaTier(below_percent=_percent(tier.raw_value("below"), f"{tier.where}.below"),
                             compensation_percent=_percent(tier.raw_value("percent"), f"{tier.where}.percent")))
    # Lowest availability threshold first, so the first match is the most generous tier.
    tiers.sort(key=lambda t: t.below_percent)
    terms = SlaTerms(
        commitment_percent=_percent(sec.raw_value("commitment_percent"), f"{sec.where}.commitment_percent"),
        tiers=tuple(tiers) if raw_tiers or default is None else default.tiers,
        claim_window_days=sec.integer("claim_window_days", 30 if default is None else default.claim_window_days),
    )
    _check_tiers(terms, sec.where)
    return terms


def _check_tiers(terms: SlaTerms, where: str) -> None:
    """A month below the commitment earns the first tier whose threshold it is below."""
    if not terms.tiers:
        raise PolicyError(f"{where}.compensation_tiers must list at least one tier")
    if len({t.below_percent for t in terms.tiers}) < len(terms.tiers):
        raise PolicyError(f"{where}.compensation_tiers: two tiers with the same threshold")


def _percent(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise PolicyError(f"{where}: not a number: {value!r}") from exc
    if not Decimal(0) <= number <= Decimal(100):
        raise PolicyError(f"{where}: must be between 0 and 100, got {value}")
    return number


class _Section:
    """A mapping in the policy file with typed, path-aware accessors."""

    _MISSING = object()

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise PolicyError(f"{where} must be a mapping")
        self.raw: Dict[str, Any] = raw
        self.where = where

    def raw_value(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.raw:
            return self.raw[key]
        if default is self._MISSING:
            raise PolicyError(f"{self.where}.{key} is required")
        return default

    def section(self, key: str) -> "_Section":
        return _Section(self.raw_value(key, {}), f"{self.where}.{key}")

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.raw_value(key, default)
        if not isinstance(value, str):
            raise PolicyError(f"{self.where}.{key} must be text")
        return value

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw_value(key, default)
        if not isinstance(value, bool):
            raise PolicyError(f"{self.where}.{key} must be true or false")
        return value

    def integer(self, key: str, default: Any = _MISSING) -> Any:
        value = self.raw_value(key, default)
        if value is None and default is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PolicyError(f"{self.where}.{key} must be a whole number >= 0")
        return value

    def amount(self, key: str, default: Any = _MISSING) -> Optional[Decimal]:
        value = self.raw_value(key, default)
        if value is None:
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise PolicyError(f"{self.where}.{key}: not an amount: {value!r}") from exc
        if number < 0:
            raise PolicyError(f"{self.where}.{key} must not be negative")
        return number

    def list(self, key: str, default: Any = _MISSING) -> List[Any]:
        value = self.raw_value(key, default)
        if not isinstance(value, list):
            raise PolicyError(f"{self.where}.{key} must be a list")
        return value

    def choice(self, key: str, allowed: Tuple[str, ...], default: Any = _MISSING, sub: str = "") -> str:
        if sub:
            return self.section(sub).choice(key.split(".", 1)[1], allowed, default)
        value = self.raw_value(key, default)
        if value not in allowed:
            raise PolicyError(f"{self.where}.{key} must be one of {', '.join(allowed)}; got {value!r}")
        return value

    def choices(self, key: str, allowed: Tuple[str, ...], default: Any = _MISSING) -> Tuple[str, ...]:
        values = self.list(key, default)
        for value in values:
            if value not in allowed:
                raise PolicyError(
                    f"{self.where}.{key}: {value!r} is not one of {', '.join(allowed)}"
                )
        return tuple(values)
