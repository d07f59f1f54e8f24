"""The refund policy engine: pure functions from (order, reason, time, policy) to a Quote.

Money is Decimal, rounded half-up to cents line by line; the refund is the sum of the lines,
so what the customer reads always adds up. Nothing here touches storage or Rasa.
"""
from __future__ import annotations

import math
from calendar import monthrange
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple

from bot.billing.models import HourlyTier, Order, OrderContext, Outage, Payment
from bot.clock import CUSTOMER_TZ, ensure_aware, to_customer_time
from bot.money import ZERO, to_money
from bot.policy.config import FeeTier, Policy
from bot.policy.explain import explain
from bot.policy.quote import Quote, QuoteLine
from bot.vocabulary import RefundReason

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Refusals that hold whatever the customer's reason: the assistant says so before asking one.
REASON_INDEPENDENT_REFUSALS = frozenset({"payg_not_refundable", "unpaid_items", "expired"})


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
        return _refused(ctx, reason, "payg_not_refundable", ("release_resource", "human"), policy)
    if payment is None or (order.has_unpaid_items and "unpaid_items" in policy.exclusions):
        return _refused(ctx, reason, "unpaid_items", ("pay_unpaid", "human"), policy)
    if reason == "duplicate_payment":
        return _duplicate_payment(ctx, now, policy)
    if order.promotional_no_refund and "promotional_no_refund" in policy.exclusions:
        return _refused(ctx, reason, "promotional_no_refund", ("downgrade", "manual_review", "human"), policy)
    if order.transferred and "transferred" in policy.exclusions:
        return _refused(ctx, reason, "transferred", ("manual_review", "human"), policy)

    sla = _sla_compensation(order, ctx.outages, now, policy) if reason == "service_issue" else None
    if order.order_type == "renewal" and order.activated_at > now and policy.refund_unstarted_renewals:
        returns = policy.unstarted_renewal_returns_vouchers
        lines = _full_refund_lines(order, payment, policy, returns, policy.standard.returns_coupons)
        return _finish(ctx, reason, "unstarted_renewal", lines, payment, now, policy, notes, sla,
                       vouchers_returned=_returned_vouchers(payment, returns))

    window_note = _no_reason_window_status(ctx, now, policy)
    if window_note is None:
        window = policy.no_reason
        lines = _full_refund_lines(order, payment, policy, window.returns_vouchers, window.returns_coupons)
        return _finish(ctx, reason, "no_reason_window", lines, payment, now, policy, notes, sla,
                       vouchers_returned=_returned_vouchers(payment, window.returns_vouchers))
    notes.append(window_note)

    if order.expires_at is not None and now >= order.expires_at:
        return _refused(ctx, reason, "expired", ("human",), policy, notes)
    if _fee_tier(order, reason, policy) is MISSING_TIER:
        return _refused(ctx, reason, "no_fee_rule", ("manual_review", "human"), policy, notes)
    lines = _standard_lines(order, payment, reason, now, policy)
    return _finish(ctx, reason, "standard", lines, payment, now, policy, notes, sla)


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
    if now > no_reason_deadline(order.activated_at, policy):
        return "已超过无理由退订期限，按已使用时长折算退款。"
    if ctx.no_reason_refunds_this_year >= window.quota:
        scope = "该产品" if window.quota_scope == "product" else "您的账号"
        return f"{scope}本年度的无理由退订名额（{window.quota} 次）已用完，按已使用时长折算退款。"
    return None


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
    lines.extend(_voucher_lines(payment, returns_vouchers, returns_coupons))
    non_refundable = min(_money_paid(payment), _non_refundable_amount(order, policy))
    if non_refundable:
        lines.append(QuoteLine("non_refundable_items", "不可退费用（配置变更费、增值服务费等）", -non_refundable))
    return lines


def _standard_lines(order: Order, payment: Payment, reason: str, now: datetime,
                    policy: Policy) -> List[QuoteLine]:
    """As the providers compute it: the vouchers come off first, then what was used is charged
    to the money paid (実付金额), then the handling fee on that money."""
    std = policy.standard
    lines = [QuoteLine("paid", PAID_LABEL, to_money(payment.amount))]
    lines.extend(_voucher_lines(payment, std.returns_vouchers, std.returns_coupons))
    money = _money_paid(payment)
    non_refundable = min(money, _non_refundable_amount(order, policy))
    if non_refundable:
        lines.append(QuoteLine("non_refundable_items", "不可退费用（配置变更费、增值服务费等）", -non_refundable))
    base = money - non_refundable
    consumed, label = _consumed(order, base, now, policy)
    lines.append(QuoteLine("consumed", label, -consumed))
    fee_line = _handling_fee(order, base, reason, now, policy)
    if fee_line is not None:
        lines.append(fee_line)
    return lines


def _money_paid(payment: Payment) -> Decimal:
    """What the customer paid in money (cash and gift credit), vouchers and coupons excluded."""
    return to_money(payment.cash + payment.gift_credit)


def _voucher_lines(payment: Payment, returns_vouchers: bool, returns_coupons: bool) -> List[QuoteLine]:
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


def _non_refundable_amount(order: Order, policy: Policy) -> Decimal:
    kinds = set(policy.standard.non_refundable_items)
    return to_money(sum((i.amount for i in order.items if i.kind in kinds), ZERO))


def _consumed(order: Order, base: Decimal, now: datetime, policy: Policy) -> Tuple[Decimal, str]:
    std = policy.standard
    if order.expires_at is None:
        raise ValueError(f"prepaid order {order.order_id} has no expiry time")
    if std.method == "monthly_plus_hourly" and order.list_monthly_price > 0:
        return _consumed_monthly_plus_hourly(order, base, now)
    start, end = order.activated_at, order.expires_at
    if std.hour_boundaries:
        start, end, now = _hour_floor(start), _hour_ceil(end), _hour_floor(now)
    used = max(now - start, timedelta(0))
    unit = HOUR if std.unit == "hour" else DAY
    unit_name = "小时" if std.unit == "hour" else "天"
    total_units = max(1, math.ceil((end - start) / unit))
    exact = used / unit
    used_units = math.ceil(exact) if std.partial_unit_counts_full else math.floor(exact)
    used_units = min(used_units, total_units)
    consumed = min(base, to_money(base * used_units / total_units))
    return consumed, f"已使用 {used_units} {unit_name}（服务期共 {total_units} {unit_name}），按时长折算"


def _consumed_monthly_plus_hourly(order: Order, base: Decimal, now: datetime) -> Tuple[Decimal, str]:
    months = 0
    while _add_months(order.activated_at, months + 1) <= now:
        months += 1
    rest = max(now - _add_months(order.activated_at, months), timedelta(0))
    hours = math.ceil(rest / HOUR)
    rate = _duration_rate(order, months)
    monthly = order.list_monthly_price * rate * months
    hourly = _tiered_hourly_cost(order.hourly_tiers, hours)
    hourly += sum((_tiered_hourly_cost(extra.tiers, hours) for extra in order.extra_hourly), Decimal(0))
    consumed = min(base, to_money(monthly + hourly))
    label = f"已使用 {months} 个整月（按月单价×{rate:g} 折扣）及 {hours} 小时（按量计费价格）"
    return consumed, label


def _duration_rate(order: Order, months: int) -> Decimal:
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
    return cost


def _add_months(moment: datetime, months: int) -> datetime:
    local = to_customer_time(moment)
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    day = min(local.day, monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


MISSING_TIER = FeeTier(0, (Decimal(0),))  # the table has no row for the order's term


def _fee_tier(order: Order, reason: str, policy: Policy) -> Optional[FeeTier]:
    """The handling-fee row for the order's term: None when no fee applies, MISSING_TIER when
    the table stops short of the term (a 5-year order under a table that ends at 3 years)."""
    std = policy.standard
    if not std.fee_tiers or reason in std.fee_waived_for:
        return None
    return next((t for t in std.fee_tiers if order.term_months <= t.term_months_max), MISSING_TIER)


def _handling_fee(order: Order, base: Decimal, reason: str, now: datetime, policy: Policy) -> Optional[QuoteLine]:
    tier = _fee_tier(order, reason, policy)
    if tier is None or tier is MISSING_TIER:
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
        return _refused(ctx, "duplicate_payment", "no_duplicate_found", ("manual_review", "human"), policy)
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
    return _finish(ctx, "duplicate_payment", "duplicate_payment", lines, merged, now, policy, [], None,
                   vouchers_returned=vouchers)


def _sla_compensation(order: Order, outages: Sequence[Outage], now: datetime,
                      policy: Policy) -> Optional[Tuple[Decimal, Decimal]]:
    """(availability %, voucher amount) for the worst month still claimable, or None."""
    sla = policy.sla
    horizon = now - timedelta(days=sla.claim_window_days)
    relevant = [o for o in outages if o.instance_id == order.instance_id and o.ended_at >= horizon]
    worst: Optional[Decimal] = None
    for outage in relevant:
        availability = _monthly_availability(outage.started_at, relevant)
        worst = availability if worst is None or availability < worst else worst
    if worst is None or worst >= sla.commitment_percent:
        return None
    tier = next((t for t in sla.tiers if worst < t.below_percent), None)
    if tier is None:
        return None
    monthly_fee = order.list_monthly_price * order.discount_rate
    if monthly_fee <= 0 and order.term_months:
        monthly_fee = order.amount_due / order.term_months
    voucher = to_money(min(monthly_fee, monthly_fee * tier.compensation_percent / 100))
    return worst, voucher


def _monthly_availability(moment: datetime, outages: Sequence[Outage]) -> Decimal:
    local = to_customer_time(moment)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = _add_months(start, 1)
    down = timedelta(0)
    for outage in outages:
        overlap = min(outage.ended_at, end) - max(outage.started_at, start)
        down += max(overlap, timedelta(0))
    minutes_total = Decimal((end - start) // timedelta(minutes=1))
    minutes_down = Decimal(math.ceil(down / timedelta(minutes=1)))
    return ((1 - minutes_down / minutes_total) * 100).quantize(Decimal("0.001"))


# --- assembling the quote ------------------------------------------------------------------

def _finish(ctx: OrderContext, reason: str, rule: str, lines: List[QuoteLine], payment: Payment,
            now: datetime, policy: Policy, notes: List[str],
            sla: Optional[Tuple[Decimal, Decimal]], vouchers_returned: Decimal = ZERO) -> Quote:
    order = ctx.order
    refund = sum((line.amount for line in lines), ZERO)
    if refund < 0:
        lines.append(QuoteLine("floor", "退款金额不低于 0 元", -refund))
        refund = ZERO
    if refund == 0:
        return _refused(ctx, reason, "nothing_left", ("human",), policy, notes, lines)
    money_paid = payment.cash + payment.gift_credit
    cash = to_money(refund * payment.cash / money_paid) if money_paid else ZERO
    gift = refund - cash
    destination = policy.invoiced_destination if order.invoiced else policy.default_destination
    review_due = policy.timing.working_days_after(now, policy.timing.review_working_days)
    arrival = policy.timing.working_days_after(review_due, policy.timing.payout_working_days[destination])
    threshold = policy.manager_approval_above
    quote = Quote(
        order_id=order.order_id, reason=reason, eligible=True, rule=rule,
        paid=to_money(payment.amount), lines=tuple(lines), refund=refund,
        refund_cash=cash, refund_gift_credit=gift, vouchers_returned=vouchers_returned,
        destination=destination, review_due=review_due, expected_arrival=arrival,
        needs_manager_approval=threshold is not None and refund > threshold,
        sla_availability=sla[0] if sla else None, sla_compensation=sla[1] if sla else None,
    )
    return _with_explanation(quote, order, notes)


def _refused(ctx: OrderContext, reason: str, rule: str, alternatives: Tuple[str, ...],
             policy: Policy, notes: Optional[List[str]] = None,
             lines: Optional[List[QuoteLine]] = None) -> Quote:
    order = ctx.order
    payment = order.primary_payment
    quote = Quote(
        order_id=order.order_id, reason=reason, eligible=False, rule=rule,
        paid=to_money(payment.amount) if payment else ZERO, lines=tuple(lines or ()),
        refund=ZERO, alternatives=alternatives,
    )
    return _with_explanation(quote, order, notes or [])


def _with_explanation(quote: Quote, order: Order, notes: List[str]) -> Quote:
    return replace(quote, explanation=explain(quote, order, notes))
