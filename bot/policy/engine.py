"""The refund policy engine: pure functions from (order, reason, time, policy) to a Quote.

Money is Decimal, rounded half-up to cents line by line; the refund is the sum of the lines,
so what the customer reads always adds up. Nothing here touches storage or Rasa.
"""
from __future__ import annotations

import math
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple

from bot.billing.models import HourlyTier, Order, OrderContext, Outage, Payment
from bot.clock import CUSTOMER_TZ, ensure_aware, to_customer_time
from bot.money import ZERO, to_money
from bot.policy.config import FeeTier, Policy
from bot.policy.explain import explain
from bot.policy.quote import Quote, QuoteLine
from bot.vocabulary import QuoteRule, RefundReason

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Refusals that hold whatever the customer's reason: the assistant says so before asking one.
REASON_INDEPENDENT_REFUSALS = frozenset({QuoteRule.PAYG_NOT_REFUNDABLE, QuoteRule.UNPAID_ITEMS, QuoteRule.EXPIRED})


def refusal_for_any_reason(ctx: OrderContext, now: datetime, policy: Policy) -> Optional[Quote]:
    """The refusal no reason would change (pay-as-you-go, unpaid items, expired), else None."""
    quote = quote_refund(ctx, RefundReason.DEMAND_CHANGE, now, policy)
    return quote if quote.rule in REASON_INDEPENDENT_REFUSALS else None


def quote_refund(ctx: OrderContext, reason: str, now: datetime, policy: Policy) -> Quote:
    """Check one order against the policy for a refund reason at time `now`."""
    if RefundReason.parse(reason) is None:
        raise ValueError(f"unknown refund reason: {reason!r}")
    now = ensure_aware(now)
    order = ctx.order
    payment = order.primary_payment
    notes: List[str] = []

    if order.billing_mode == "payg":
        return refused(ctx, reason, QuoteRule.PAYG_NOT_REFUNDABLE, ("release_resource", "human"), policy)
    if payment is None or (order.has_unpaid_items and "unpaid_items" in policy.exclusions):
        return refused(ctx, reason, QuoteRule.UNPAID_ITEMS, ("pay_unpaid", "human"), policy)
    if reason == "duplicate_payment":
        return _duplicate_payment(ctx, now, policy)
    if order.promotional_no_refund and "promotional_no_refund" in policy.exclusions:
        return refused(ctx, reason, QuoteRule.PROMOTIONAL_NO_REFUND, ("downgrade", "manual_review", "human"), policy)
    if order.transferred and "transferred" in policy.exclusions:
        return refused(ctx, reason, QuoteRule.TRANSFERRED, ("manual_review", "human"), policy)

    if order.package is not None and not policy.resource_packages.refundable_for(order.product_code):
        return refused(ctx, reason, QuoteRule.PACKAGE_NOT_REFUNDABLE, ("human",), policy)

    sla = sla_compensation(order, ctx.outages, now, policy) if reason == "service_issue" else None
    if order.order_type == "renewal" and order.activated_at > now and policy.refund_unstarted_renewals:
        returns = policy.unstarted_renewal_returns_vouchers
        lines = _full_refund_lines(order, payment, policy, returns, policy.standard.returns_coupons)
        return _finish(ctx, reason, QuoteRule.UNSTARTED_RENEWAL, lines, payment, now, policy, notes, sla,
                       vouchers_returned=_returned_vouchers(payment, returns))

    # An untouched package comes back in full without using a no-reason refund.
    if _unused_package(order, now, policy):
        lines = _full_refund_lines(order, payment, policy, policy.standard.returns_vouchers,
                                   policy.standard.returns_coupons)
        return _finish(ctx, reason, QuoteRule.UNUSED_PACKAGE, lines, payment, now, policy, [], sla,
                       vouchers_returned=_returned_vouchers(payment, policy.standard.returns_vouchers))

    window_note = _no_reason_window_status(ctx, now, policy)
    if window_note is None:
        allowed = policy.no_reason.quota - ctx.no_reason_refunds_this_year  # > 0 here
        units = quota_units(order, policy)
        if allowed < units.count:
            return _window_for_some_units(ctx, reason, allowed, units, now, policy, sla)
        window = policy.no_reason
        lines = _full_refund_lines(order, payment, policy, window.returns_vouchers, window.returns_coupons)
        lines += _change_lines(ctx.changes, now, policy, in_full=True)
        return _finish(ctx, reason, QuoteRule.NO_REASON_WINDOW, lines, payment, now, policy, notes, sla,
                       vouchers_returned=_returned_vouchers(payment, window.returns_vouchers),
                       no_reason_instances=units.count)
    notes.append(window_note)

    if order.expires_at is not None and now >= order.expires_at:
        return refused(ctx, reason, QuoteRule.EXPIRED, ("human",), policy, notes)
    reviewer_rule = reviewer_computes(order, reason, policy)
    if reviewer_rule is not None:
        return refused(ctx, reason, reviewer_rule, ("manual_review", "human"), policy, notes)
    lines = _standard_lines(order, payment, reason, now, policy)
    lines += _change_lines(ctx.changes, now, policy, in_full=False)
    return _finish(ctx, reason, QuoteRule.STANDARD, lines, payment, now, policy, notes, sla)


@dataclass(frozen=True)
class QuotaUnits:
    """How many units of the no-reason quota refunding an order uses: one weight per unit (its
    share of the price), dearest first; `word` names a unit for the customer."""

    weights: Tuple[Decimal, ...]
    word: str
    by_instance: bool  # the units are the order's identical instances

    @property
    def count(self) -> int:
        return len(self.weights)


def quota_units(order: Order, policy: Policy) -> QuotaUnits:
    """The units refunding `order` uses: its instances, or (Huawei) its resources with those bound
    to them counted once, or one for a product unsubscribed as a whole order."""
    window = policy.no_reason
    if window.counts == "resources" and order.product_code in window.whole_order_products:
        return QuotaUnits((Decimal(1),), "个订单", False)
    if window.counts != "resources" or not order.resources:
        return QuotaUnits((Decimal(1),) * order.quantity, "台", True)
    ids = {r.resource_id for r in order.resources}
    mains = [r for r in order.resources if r.bound_to is None or r.bound_to not in ids]
    groups = [[m, *(r for r in order.resources if r.bound_to == m.resource_id and r is not m)] for m in mains]
    priced = all(r.amount is not None for r in order.resources)
    weights = [sum((r.amount or ZERO for r in group), ZERO) if priced else Decimal(1) for group in groups]
    if not any(weights):
        weights = [Decimal(1)] * len(groups)
    return QuotaUnits(tuple(sorted(weights, reverse=True)), "个资源", False)


def _window_for_some_units(ctx: OrderContext, reason: str, allowed: int, units: QuotaUnits, now: datetime,
                           policy: Policy, sla: Optional[Tuple[Decimal, Decimal]]) -> Quote:
    """An order of several units with fewer no-reason refunds left than units (Tencent: "an order
    of 20 CVM instances: at most 1 is refunded in full"; Huawei: ten disks use ten): the dearest
    units the quota covers are refunded in full, the others as an ordinary refund."""
    order, payment = ctx.order, ctx.order.primary_payment
    assert payment is not None
    rest = units.count - allowed
    window, std = policy.no_reason, policy.standard
    reviewer_rule = reviewer_computes(order, reason, policy)  # for the units outside the quota
    if reviewer_rule is not None:
        return refused(ctx, reason, reviewer_rule, ("manual_review", "human"), policy)
    # The caller comes here only with 0 < allowed < units.count.
    share = sum(units.weights[:allowed], ZERO) / sum(units.weights, ZERO)
    counts = (allowed, rest) if units.by_instance else None
    (full, full_payment), (part, part_payment) = split_order(order, payment, share, counts)
    lines = _labelled(f"{allowed} {units.word}无理由全额退订：", _full_refund_lines(
        full, full_payment, policy, window.returns_vouchers, window.returns_coupons))
    lines += _labelled(f"其余 {rest} {units.word}按已使用时长折算：",
                       _standard_lines(part, part_payment, reason, now, policy))
    lines += _change_lines(ctx.changes, now, policy, in_full=False)
    returned = (_returned_vouchers(full_payment, window.returns_vouchers)
                + _returned_vouchers(part_payment, std.returns_vouchers))
    if units.by_instance:
        note = f"本年度的无理由退订名额还剩 {allowed} 台，该订单共 {order.quantity} 台实例，名额按实例计算。"
    else:
        note = (f"本年度的无理由退订名额还剩 {allowed} 个，该订单计 {units.count} 个资源（名额按资源计算，"
                "绑定在一起的资源如云主机及其云硬盘计为 1 个），价格较高的优先全额退订。")
    return _finish(ctx, reason, QuoteRule.NO_REASON_SOME_INSTANCES, lines, payment, now, policy, [note], sla,
                   vouchers_returned=returned, no_reason_instances=allowed)


def split_order(order: Order, payment: Payment, share: Decimal, counts: Optional[Tuple[int, int]] = None,
                ) -> Tuple[Tuple[Order, Payment], Tuple[Order, Payment]]:
    """The parts of an order that `share` of it and the rest stand for: `counts` instances each
    (identical instances), or, for parts of unequal resources, the order's prices scaled by the
    share. Each amount of the first part is rounded to the cent and the other part gets the rest,
    so the two always add up to the order exactly."""
    def parts(amount: Decimal) -> Tuple[Decimal, Decimal]:
        head = to_money(amount * share)
        return head, to_money(amount) - head

    money = {name: parts(getattr(payment, name)) for name in ("cash", "gift_credit", "voucher", "coupon")}
    items = [parts(item.amount) for item in order.items]
    original = parts(order.original_price)
    shares = []
    for side, fraction in ((0, share), (1, 1 - share)):
        share_payment = replace(payment, cash=money["cash"][side], gift_credit=money["gift_credit"][side],
                                voucher=money["voucher"][side], coupon=money["coupon"][side])
        part = replace(order, payments=(share_payment,), original_price=original[side],
                       items=tuple(replace(item, amount=amounts[side]) for item, amounts in zip(order.items, items)))
        part = replace(part, quantity=counts[side]) if counts else _priced_as(part, fraction)
        shares.append((part, share_payment))
    return shares[0], shares[1]


def _priced_as(order: Order, fraction: Decimal) -> Order:
    """The order with its monthly and hourly prices scaled to `fraction` of it."""
    def tiers(found: Sequence[HourlyTier]) -> Tuple[HourlyTier, ...]:
        return tuple(replace(tier, price=tier.price * fraction) for tier in found)
    return replace(order, list_monthly_price=order.list_monthly_price * fraction, hourly_tiers=tiers(order.hourly_tiers),
                   extra_hourly=tuple(replace(c, tiers=tiers(c.tiers)) for c in order.extra_hourly))


def reviewer_computes(order: Order, reason: str, policy: Policy) -> Optional[QuoteRule]:
    """Why a reviewer, not the engine, must compute an ordinary refund of `order`: its term's
    handling fee is not in the policy, or its use is priced by the hour and the order has no
    hourly prices. None when the engine can."""
    tier = _fee_tier(order, reason, policy)
    if tier is not None and tier.reviewer_computes:
        return QuoteRule.NO_FEE_RULE
    if needs_hourly_prices(order, policy) and not order.hourly_tiers:
        return QuoteRule.PRICES_MISSING
    return None


def needs_hourly_prices(order: Order, policy: Policy) -> bool:
    """Use of the order is charged as whole months plus hours at pay-as-you-go prices."""
    return (policy.standard.method == "monthly_plus_hourly" and order.list_monthly_price > 0
            and order.package is None)


def _labelled(prefix: str, lines: List[QuoteLine]) -> List[QuoteLine]:
    return [replace(line, label=prefix + line.label) for line in lines]


def _unused_package(order: Order, now: datetime, policy: Policy) -> bool:
    """A resource package nothing was taken from, within the policy's days of purchase."""
    days = policy.resource_packages.unused_days_for(order.product_code)
    return (order.package is not None and days is not None and order.package.used == 0
            and now <= ensure_aware(order.activated_at) + timedelta(days=days)
            and (order.expires_at is None or now < order.expires_at))


def _change_lines(changes: Sequence[Order], now: datetime, policy: Policy, in_full: bool) -> List[QuoteLine]:
    """The orders that changed the resource (upgrades, renewals): each settled over its own
    period; one not yet in effect, or all of them inside the no-reason window, in full."""
    lines: List[QuoteLine] = []
    for change in changes:
        payment = change.primary_payment
        if payment is None or change.status != "active" or change.billing_mode != "prepaid":
            continue
        money = money_paid(payment)
        name = "续费订单" if change.order_type == "renewal" else "升级订单"
        if in_full or change.activated_at > now:
            label = f"{name} {change.order_id}（{'尚未生效，' if change.activated_at > now else ''}全额退还实付）"
            lines.append(QuoteLine("change_order", label, money))
            continue
        if change.expires_at is None or now >= change.expires_at:
            continue
        # Its own use, from when it took effect, by the policy's unit and basis (Huawei: hours
        # from the hour it took effect; Alibaba: days, a started day in full, at its original
        # price). Never as months at a monthly price: an upgrade's list price is the whole new
        # configuration's, not the difference it paid.
        consumed, label = consumed_value(change, money, now, policy, by_time=True)
        lines.append(QuoteLine("change_order", f"{name} {change.order_id}（实付 {money:,.2f} 元，{label}，"
                                               "退还剩余部分）", money - consumed))
    return lines


# --- eligibility helpers -------------------------------------------------------------------

def _no_reason_window_status(ctx: OrderContext, now: datetime, policy: Policy) -> Optional[str]:
    """None when the order qualifies for the no-reason window, else why not (Chinese)."""
    window = policy.no_reason
    order = ctx.order
    if not window.enabled:
        return "本政策不提供无理由退订。"
    if order.order_type != "new":
        return "续费、升级订单不适用五天无理由退订。"
    if order.converted_from_payg:
        return "由按量付费转为包年包月的订单不适用五天无理由退订。"
    if order.product_code in window.excluded_products:
        return "该产品不适用五天无理由退订。"
    if now > no_reason_deadline(order.activated_at, policy):
        return "已超过无理由退订期限，按已使用时长折算退款。"
    if ctx.no_reason_refunds_this_year >= window.quota:
        scope = "该产品" if window.quota_scope == "product" else "您的账号"
        return (f"{scope}本年度的无理由退订名额（{window.quota} 次）已用完{_quota_users(ctx, policy)}，"
                "按已使用时长折算退款。")
    return None


def _quota_users(ctx: OrderContext, policy: Policy) -> str:
    """Which orders used the quota, when the quota is shared with other products (Chinese)."""
    shared = policy.no_reason.quota_products(ctx.order.product_code)
    if not ctx.no_reason_uses or (shared is not None and len(shared) == 1):
        return ""
    named = [f"订单 {use.order_id}（{use.product_name or use.product_code}）" for use in ctx.no_reason_uses[:3]]
    more = f"等 {len(ctx.no_reason_uses)} 笔订单" if len(ctx.no_reason_uses) > 3 else ""
    together = "与其他产品共用，" if shared is not None else ""
    return f"（{together}已由{'、'.join(named)}{more}使用）"


def no_reason_deadline(activated_at: datetime, policy: Policy) -> datetime:
    """The last moment at which the no-reason window still applies (inclusive)."""
    window = policy.no_reason
    if window.calendar_days is not None:
        first_day = to_customer_time(activated_at).date()
        last_day = first_day + timedelta(days=window.calendar_days - 1)
        end = datetime.combine(last_day, time(23, 59, 59), tzinfo=CUSTOMER_TZ)
        return end
    return ensure_aware(activated_at) + window.length


# --- amounts -------------------------------------------------------------------------------

PAID_LABEL = "订单金额（含代金券/优惠券抵扣）"


def _full_refund_lines(order: Order, payment: Payment, policy: Policy,
                       returns_vouchers: bool, returns_coupons: bool) -> List[QuoteLine]:
    """Everything paid in money comes back; vouchers and coupons as the policy says."""
    lines = [QuoteLine("paid", PAID_LABEL, to_money(payment.amount))]
    lines.extend(voucher_lines(payment, returns_vouchers, returns_coupons))
    non_refundable = min(money_paid(payment), non_refundable_amount(order, policy))
    if non_refundable:
        lines.append(QuoteLine("non_refundable_items", "不可退费用（配置变更费、增值服务费等）", -non_refundable))
    return lines


def _standard_lines(order: Order, payment: Payment, reason: str, now: datetime,
                    policy: Policy) -> List[QuoteLine]:
    """As the providers compute it: the vouchers come off first, then what was used is charged
    to the money paid (実付金额), then the handling fee on that money."""
    std = policy.standard
    lines = [QuoteLine("paid", PAID_LABEL, to_money(payment.amount))]
    lines.extend(voucher_lines(payment, std.returns_vouchers, std.returns_coupons))
    money = money_paid(payment)
    non_refundable = min(money, non_refundable_amount(order, policy))
    if non_refundable:
        lines.append(QuoteLine("non_refundable_items", "不可退费用（配置变更费、增值服务费等）", -non_refundable))
    base = money - non_refundable
    consumed, label = consumed_value(order, base, now, policy)
    lines.append(QuoteLine("consumed", label, -consumed))
    fee_line = _handling_fee(order, base, reason, now, policy)
    if fee_line is not None:
        lines.append(fee_line)
    return lines


def money_paid(payment: Payment) -> Decimal:
    """What the customer paid in money (cash and gift credit), vouchers and coupons excluded."""
    return to_money(payment.cash + payment.gift_credit)


def voucher_lines(payment: Payment, returns_vouchers: bool, returns_coupons: bool) -> List[QuoteLine]:
    """Vouchers and coupons paid part of the order: never paid back as money."""
    lines: List[QuoteLine] = []
    if payment.voucher:
        label = "代金券抵扣部分（以代金券形式退回，不退现金）" if returns_vouchers else "代金券抵扣部分不予退还"
        lines.append(QuoteLine("voucher", label, -to_money(payment.voucher)))
    if payment.coupon:
        label = "优惠券抵扣部分（以优惠券形式退回）" if returns_coupons else "优惠券抵扣部分不予退还"
        lines.append(QuoteLine("coupon", label, -to_money(payment.coupon)))
    return lines


def _returned_vouchers(payment: Payment, returns_vouchers: bool) -> Decimal:
    return to_money(payment.voucher) if returns_vouchers else ZERO


def non_refundable_amount(order: Order, policy: Policy) -> Decimal:
    kinds = set(policy.standard.non_refundable_items)
    return to_money(sum((i.amount for i in order.items if i.kind in kinds), ZERO))


def consumed_value(order: Order, base: Decimal, now: datetime, policy: Policy,
                   by_time: bool = False) -> Tuple[Decimal, str]:
    """What of `base` (the money paid for the order) was used by `now`, and how (Chinese);
    `by_time`: by its share of the order's time, never as months at a monthly price."""
    std = policy.standard
    if order.expires_at is None:
        raise ValueError(f"prepaid order {order.order_id} has no expiry time")
    if order.package is not None:
        return _consumed_package(order, base)
    if needs_hourly_prices(order, policy) and order.hourly_tiers and not by_time:
        return _consumed_monthly_plus_hourly(order, base, now)
    used_units, total_units, unit_name = _used_units(order, now, policy)
    period = f"已使用 {used_units} {unit_name}（服务期共 {total_units} {unit_name}）"
    if std.basis == "original_price" and order.original_price > 0:
        rate = duration_rate(order, _whole_months(order.activated_at, now))
        consumed = min(base, to_money(order.original_price * used_units / total_units * rate))
        return consumed, f"{period}，按订单原价 {order.original_price:,.2f} 元 × {rate.normalize():f} 折扣折算"
    consumed = min(base, to_money(base * used_units / total_units))
    return consumed, f"{period}，按时长折算"


def _used_units(order: Order, now: datetime, policy: Policy) -> Tuple[int, int, str]:
    """(units used, units in the service period, unit name) in the policy's unit of time."""
    std = policy.standard
    assert order.expires_at is not None
    start, end = order.activated_at, order.expires_at
    if std.hour_boundaries:
        start, end, now = _hour_floor(start), _hour_ceil(end), _hour_floor(now)
    used = max(now - start, timedelta(0))
    unit = HOUR if std.unit == "hour" else DAY
    total_units = max(1, math.ceil((end - start) / unit))
    exact = used / unit
    used_units = math.ceil(exact) if std.partial_unit_counts_full else math.floor(exact)
    return min(used_units, total_units), total_units, "小时" if std.unit == "hour" else "天"


def _consumed_package(order: Order, base: Decimal) -> Tuple[Decimal, str]:
    """A resource package is charged by the quantity taken from it (Tencent: 基于使用套餐量)."""
    package = order.package
    assert package is not None
    used = min(package.used, package.total)
    consumed = min(base, to_money(base * used / package.total)) if package.total else base
    return consumed, f"已使用 {used:g} {package.unit}（资源包共 {package.total:g} {package.unit}），按用量折算"


def _whole_months(start: datetime, now: datetime) -> int:
    months = 0
    while add_months(start, months + 1) <= now:
        months += 1
    return months


def _consumed_monthly_plus_hourly(order: Order, base: Decimal, now: datetime) -> Tuple[Decimal, str]:
    months = _whole_months(order.activated_at, now)
    rest = max(now - add_months(order.activated_at, months), timedelta(0))
    hours = math.ceil(rest / HOUR)
    rate = duration_rate(order, months)
    monthly = order.list_monthly_price * rate * months
    hourly = _tiered_hourly_cost(order.hourly_tiers, hours)
    hourly += sum((_tiered_hourly_cost(extra.tiers, hours) for extra in order.extra_hourly), Decimal(0))
    consumed = min(base, to_money((monthly + hourly) * order.quantity))
    label = f"已使用 {months} 个整月（按月单价×{rate.normalize():f} 折扣）及 {hours} 小时（按量计费价格）"
    return consumed, label


def duration_rate(order: Order, months: int) -> Decimal:
    """The discount of a purchase as long as the months used (the longest listed duration not
    above them; none listed: the order's own discount; none fits: the list price)."""
    if not order.duration_discounts:
        return order.discount_rate
    fitting = [d for d in order.duration_discounts if d.months <= months]
    return max(fitting, key=lambda d: d.months).rate if fitting else Decimal(1)


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _hour_ceil(moment: datetime) -> datetime:
    floor = _hour_floor(moment)
    return floor if floor == moment else floor + HOUR


def _tiered_hourly_cost(tiers: Sequence[HourlyTier], hours: int) -> Decimal:
    if hours and not tiers:
        raise ValueError("monthly_plus_hourly needs the order's hourly price tiers")
    cost, counted = Decimal(0), 0
    for tier in tiers:
        limit = hours if tier.up_to_hours is None else min(hours, tier.up_to_hours)
        if limit > counted:
            cost += tier.price * (limit - counted)
            counted = limit
        if counted >= hours:
            break
    if counted < hours:  # a price list whose last tier has a limit: its price goes on
        cost += tiers[-1].price * (hours - counted)
    return cost


def add_months(moment: datetime, months: int) -> datetime:
    local = to_customer_time(moment)
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    day = min(local.day, monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


MISSING_TIER = FeeTier(0, (), reviewer_computes=True)  # the table has no row for the order's term


def _fee_tier(order: Order, reason: str, policy: Policy) -> Optional[FeeTier]:
    """The handling-fee row for the order's term: None when no fee applies; a row a reviewer
    computes when the table says so or stops short of the term (MISSING_TIER: a 5-year order
    under a table that ends at 3 years)."""
    std = policy.standard
    if not std.fee_tiers or reason in std.fee_waived_for:
        return None
    return next((t for t in std.fee_tiers if order.term_months <= t.term_months_max), MISSING_TIER)


def _handling_fee(order: Order, base: Decimal, reason: str, now: datetime, policy: Policy) -> Optional[QuoteLine]:
    tier = _fee_tier(order, reason, policy)
    if tier is None or tier.reviewer_computes:
        return None
    used = max(now - order.activated_at, timedelta(0))
    year_used = max(0, math.ceil(used / timedelta(days=365)) - 1)  # exactly one year is still year 1
    percent = tier.percent_by_year[min(year_used, len(tier.percent_by_year) - 1)]
    if percent == 0:
        return None
    fee = to_money(base * percent / 100)
    # Say what the percentage is of: the money paid for the refundable items (vouchers excluded).
    label = (f"手续费（实付 {base:,.2f} 元 × {percent:g}%，代金券/优惠券部分不计；{order.term_months} 个月期限、"
             f"使用第 {year_used + 1} 年）")
    return QuoteLine("handling_fee", label, -fee)


def _duplicate_payment(ctx: OrderContext, now: datetime, policy: Policy) -> Quote:
    duplicates = ctx.order.duplicate_payments
    if not duplicates:
        return refused(ctx, "duplicate_payment", QuoteRule.NO_DUPLICATE_FOUND, ("manual_review", "human"), policy)
    lines = [
        QuoteLine("duplicate", f"重复扣款（交易号 {p.txn_id}）", to_money(p.cash + p.gift_credit))
        for p in duplicates
    ]
    vouchers = to_money(sum((p.voucher for p in duplicates), ZERO))
    merged = Payment(
        txn_id="+".join(p.txn_id for p in duplicates), order_id=ctx.order.order_id,
        paid_at=duplicates[0].paid_at, method=duplicates[0].method,
        cash=sum((p.cash for p in duplicates), ZERO),
        gift_credit=sum((p.gift_credit for p in duplicates), ZERO),
    )
    return _finish(ctx, "duplicate_payment", QuoteRule.DUPLICATE_PAYMENT, lines, merged, now, policy, [], None,
                   vouchers_returned=vouchers)


def sla_compensation(order: Order, outages: Sequence[Outage], now: datetime,
                     policy: Policy) -> Optional[Tuple[Decimal, Decimal]]:
    """(availability %, voucher amount) for the worst month still claimable, or None."""
    found = worst_sla_month(order, outages, now, policy)
    if found is None or found.voucher is None:
        return None
    return found.availability, found.voucher


@dataclass(frozen=True)
class SlaMonth:
    """The claimable month with the lowest availability of an instance."""

    month_start: datetime
    availability: Decimal
    commitment: Decimal
    compensation_percent: Optional[Decimal]
    voucher: Optional[Decimal]  # None: the month met the commitment
    monthly_fee: Decimal


def worst_sla_month(order: Order, outages: Sequence[Outage], now: datetime, policy: Policy) -> Optional[SlaMonth]:
    """The month, still claimable, in which the order's instance was least available, with the
    voucher it earns by the product's SLA (None when no outage is recorded in such a month). A
    month is claimable from its start until `claim_window_days` after it ends (Tencent: 不应超过
    未达标的相应服务月度结束后六十（60）个自然日)."""
    terms = policy.sla.terms_for(order.product_code)
    mine = [o for o in outages if o.instance_id == order.instance_id]
    months = {month for outage in mine for month in _months_touched(outage)}
    claimable = [m for m in months if m <= now <= add_months(m, 1) + timedelta(days=terms.claim_window_days)]
    if not claimable:
        return None
    shortest = timedelta(seconds=policy.sla.minimum_outage_seconds)
    availability, month = min((_monthly_availability(m, mine, shortest), m) for m in claimable)
    commitment = terms.commitment_percent
    monthly_fee = sla_monthly_fee(order, policy)
    tier = next((t for t in terms.tiers if availability < t.below_percent), None) if availability < commitment else None
    if tier is None:
        return SlaMonth(month, availability, commitment, None, None, monthly_fee)
    voucher = to_money(min(monthly_fee, monthly_fee * tier.compensation_percent / 100))
    return SlaMonth(month, availability, commitment, tier.compensation_percent, voucher, monthly_fee)


def _months_touched(outage: Outage) -> List[datetime]:
    """The calendar months (their first moment, customer time) an outage falls in."""
    months, month = [], _month_start(outage.started_at)
    while month <= max(outage.ended_at, outage.started_at):
        months.append(month)
        month = add_months(month, 1)
    return months


def sla_monthly_fee(order: Order, policy: Policy) -> Decimal:
    """The month's fee the SLA voucher is a share of (and capped at)."""
    payment = order.primary_payment
    if policy.sla.monthly_fee == "money_paid" and payment is not None:
        return to_money(money_paid(payment) / order.term_months)
    monthly_fee = order.list_monthly_price * order.discount_rate * order.quantity
    if monthly_fee <= 0 and order.term_months:
        monthly_fee = order.amount_due / order.term_months
    return to_money(monthly_fee)


def _month_start(moment: datetime) -> datetime:
    return to_customer_time(moment).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _monthly_availability(start: datetime, outages: Sequence[Outage], shortest: timedelta) -> Decimal:
    """Availability (%) in the month starting at `start`: 1 − minutes down ÷ minutes in the month.
    Overlapping outages are one; each counts in whole minutes, a part of a minute as a whole one
    (Tencent: 不足60秒的按1分钟计算), and one no longer than `shortest` not at all (实例不可用持续时间不超过
    1分钟的，不计入不可用分钟数)."""
    end = add_months(start, 1)
    minutes_down = 0
    for began, ended in _merged(outages):
        if ended - began <= shortest:
            continue
        overlap = min(ended, end) - max(began, start)
        if overlap > timedelta(0):
            minutes_down += math.ceil(overlap / timedelta(minutes=1))
    minutes_total = (end - start) // timedelta(minutes=1)
    share_down = Decimal(min(minutes_total, minutes_down)) / minutes_total
    return ((1 - share_down) * 100).quantize(Decimal("0.001"))


def _merged(outages: Sequence[Outage]) -> List[Tuple[datetime, datetime]]:
    """The outages as disjoint periods, earliest first."""
    periods: List[Tuple[datetime, datetime]] = []
    for outage in sorted(outages, key=lambda o: o.started_at):
        if periods and outage.started_at <= periods[-1][1]:
            periods[-1] = (periods[-1][0], max(periods[-1][1], outage.ended_at))
        else:
            periods.append((outage.started_at, max(outage.started_at, outage.ended_at)))
    return periods


# --- assembling the quote ------------------------------------------------------------------

def _finish(ctx: OrderContext, reason: str, rule: QuoteRule, lines: List[QuoteLine], payment: Payment,
            now: datetime, policy: Policy, notes: List[str],
            sla: Optional[Tuple[Decimal, Decimal]], vouchers_returned: Decimal = ZERO,
            no_reason_instances: int = 0) -> Quote:
    order = ctx.order
    payment = _with_changes(payment, ctx.changes)
    lines = lines + returned_lines(ctx)
    refund = sum((line.amount for line in lines), ZERO)
    if refund < 0:
        lines.append(QuoteLine("floor", "退款金额不低于 0 元", -refund))
        refund = ZERO
    if refund == 0 and not (vouchers_returned or _zero_refund_allowed(rule, policy)):
        return refused(ctx, reason, QuoteRule.NOTHING_LEFT, ("human",), policy, notes, lines)
    money_paid = payment.cash + payment.gift_credit
    cash = to_money(refund * payment.cash / money_paid) if money_paid else ZERO
    gift = refund - cash
    destination = policy.invoiced_destination if order.invoiced else policy.default_destination
    review_due = policy.timing.working_days_after(now, policy.timing.review_working_days)
    arrival = policy.timing.working_days_after(review_due, policy.timing.payout_working_days[destination])
    threshold = policy.manager_approval_above
    quote = Quote(
        order_id=order.order_id, reason=reason, eligible=True, rule=rule.value,
        paid=to_money(payment.amount), lines=tuple(lines), refund=refund,
        refund_cash=cash, refund_gift_credit=gift, vouchers_returned=vouchers_returned,
        destination=destination, review_due=review_due, expected_arrival=arrival,
        needs_manager_approval=threshold is not None and refund > threshold,
        sla_availability=sla[0] if sla else None, sla_compensation=sla[1] if sla else None,
        no_reason_instances=no_reason_instances,
    )
    return _with_explanation(quote, order, notes)


def returned_lines(ctx: OrderContext) -> List[QuoteLine]:
    """What earlier tickets already give back from the same money (a downgrade's difference, a
    refund in progress): a new quote is only ever for what is left."""
    if not ctx.returned:
        return []
    return [QuoteLine("returned", f"已退还或退还中的金额（工单 {'、'.join(ctx.returned_by)}）", -ctx.returned)]


def _zero_refund_allowed(rule: QuoteRule, policy: Policy) -> bool:
    """An ordinary unsubscription worth nothing still goes ahead (the resource is released)."""
    return policy.standard.allow_zero_refund and rule in (QuoteRule.STANDARD, QuoteRule.NO_REASON_SOME_INSTANCES)


def _with_changes(payment: Payment, changes: Sequence[Order]) -> Payment:
    """The order's payment together with its change orders' (for the paid total and the
    cash/gift-credit split of the refund)."""
    paid = [p for p in (c.primary_payment for c in changes if c.status == "active") if p is not None]
    if not paid:
        return payment
    return replace(payment, cash=payment.cash + sum((p.cash for p in paid), ZERO),
                   gift_credit=payment.gift_credit + sum((p.gift_credit for p in paid), ZERO),
                   voucher=payment.voucher + sum((p.voucher for p in paid), ZERO),
                   coupon=payment.coupon + sum((p.coupon for p in paid), ZERO))


def refused(ctx: OrderContext, reason: str, rule: QuoteRule, alternatives: Tuple[str, ...],
             policy: Policy, notes: Optional[List[str]] = None,
             lines: Optional[List[QuoteLine]] = None) -> Quote:
    order = ctx.order
    payment = order.primary_payment
    quote = Quote(
        order_id=order.order_id, reason=reason, eligible=False, rule=rule.value,
        paid=to_money(payment.amount) if payment else ZERO, lines=tuple(lines or ()),
        refund=ZERO, alternatives=alternatives,
    )
    return _with_explanation(quote, order, notes or [])


def _with_explanation(quote: Quote, order: Order, notes: List[str]) -> Quote:
    return replace(quote, explanation=explain(quote, order, notes))
