"""Quotes for what a customer asks instead of a refund, keeping the resource: a downgrade
(降配退款: the price difference for the remaining time comes back) and SLA compensation for an
outage (a voucher, not money).

Downgrade methods (policy `downgrade.method`, per product in `downgrade.by_product`):

* ``refund_then_buy`` (Tencent, 先退款再购买; Alibaba ApsaraDB for MongoDB): the ordinary
  refund of the old configuration minus the new configuration's price for the remaining time.
* ``price_ratio`` (Alibaba billing centre): the ordinary refund × (old − new monthly price) /
  old monthly price.
* ``price_difference`` (Huawei, Alibaba PolarDB): (old − new monthly price) × remaining months ×
  the order's discount, never more than what is left of the money paid.

The remaining time is counted in months by `downgrade.month_convention` (days ÷ days_per_month;
Huawei's calendar months; Tencent's whole months, else days ÷ 30), the new configuration is bought
at the order's discount or at today's discount for a purchase that long
(`downgrade.new_price_discount`), the refund may be paid as gift credit (`destination:
gift_credit`), and a downgrade worth nothing still goes ahead where `allow_zero_refund` says so.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import List, Optional, Tuple

from bot.billing.models import Order, OrderContext, Spec
from bot.clock import ensure_aware, to_customer_time
from bot.money import ZERO, to_money
from bot.policy.config import Downgrade, Policy
from bot.policy.engine import (
    HOUR,
    add_months,
    consumed_value,
    duration_rate,
    money_paid,
    needs_hourly_prices,
    non_refundable_amount,
    refusal_for_any_reason,
    refused,
    returned_lines,
    voucher_lines,
    worst_sla_month,
)
from bot.policy.explain import explain
from bot.policy.quote import Quote, QuoteLine
from bot.vocabulary import QuoteRule, RefundReason

PAID_LABEL = "订单金额（含代金券/优惠券抵扣）"


def downgrade_options(order: Order, specs: List[Spec]) -> List[Spec]:
    """The configurations cheaper than the order's, most expensive first."""
    current = order.list_monthly_price
    cheaper = [s for s in specs if current > 0 and s.monthly_price < current]
    return sorted(cheaper, key=lambda s: s.monthly_price, reverse=True)


def quote_downgrade(ctx: OrderContext, target: Spec, now: datetime, policy: Policy) -> Quote:
    """What comes back when the order's resource moves to `target` at `now`."""
    now = ensure_aware(now)
    order = ctx.order
    reason = RefundReason.DEMAND_CHANGE.value
    refusal = refusal_for_any_reason(ctx, now, policy)  # pay-as-you-go, unpaid, expired
    if refusal is not None:
        return refusal
    if order.transferred and "transferred" in policy.exclusions:
        return refused(ctx, reason, QuoteRule.TRANSFERRED, ("manual_review", "human"), policy)
    payment = order.primary_payment
    assert payment is not None  # unpaid orders were refused above
    # A renewal not yet in effect is not running: the running order is the one to downgrade.
    if (not policy.downgrade.enabled or order.list_monthly_price <= 0 or order.package is not None
            or order.activated_at > now):
        return refused(ctx, reason, QuoteRule.DOWNGRADE_UNAVAILABLE, ("manual_review", "human"), policy)
    if target.monthly_price >= order.list_monthly_price:
        return refused(ctx, reason, QuoteRule.NOT_A_DOWNGRADE, ("human",), policy)
    if needs_hourly_prices(order, policy) and not order.hourly_tiers:
        return refused(ctx, reason, QuoteRule.PRICES_MISSING, ("manual_review", "human"), policy)
    assert order.expires_at is not None
    months_left, period = remaining_months(now, order.expires_at, policy.downgrade)
    method = policy.downgrade.method_for(order.product_code)
    lines: List[QuoteLine] = [QuoteLine("paid", PAID_LABEL, to_money(payment.amount))]
    lines.extend(voucher_lines(payment, False, False))
    money = money_paid(payment) - min(money_paid(payment), non_refundable_amount(order, policy))
    consumed, label = consumed_value(order, money, now, policy)
    lines.append(QuoteLine("consumed", label, -consumed))
    remaining = money - consumed
    old, new, count = order.list_monthly_price, target.monthly_price, order.quantity
    times = f" × {count} 台" if count > 1 else ""
    if method == "refund_then_buy":
        rate, which = _new_purchase_discount(order, months_left, policy)
        price = to_money(new * rate * months_left * count)
        lines.append(QuoteLine("new_spec", f"新购新配置「{target.name}」{period}的费用"
                                           f"（{new:,.2f} 元/月{which}{times}）", -price))
    elif method == "price_ratio":
        kept = to_money(remaining * new / old)
        lines.append(QuoteLine("new_spec", f"剩余价值中新配置「{target.name}」所占部分"
                                           f"（{new:,.2f} ÷ {old:,.2f} 元/月）", -kept))
    else:
        difference = to_money(min(remaining, (old - new) * order.discount_rate * months_left * count))
        lines = [QuoteLine("price_difference", f"新旧配置差价（{old:,.2f} − {new:,.2f} 元/月）× {period}"
                                               f" × {order.discount_rate.normalize():f} 折扣{times}", difference)]
    return _keep_resource_quote(ctx, QuoteRule.DOWNGRADE, lines, now, policy, policy.downgrade.destination,
                                target_spec=target.name)


def remaining_months(now: datetime, expires_at: datetime, rules: Downgrade) -> Tuple[Decimal, str]:
    """The time from `now` to `expires_at` in months by the policy's convention, and how it was
    counted (Chinese)."""
    hours_left = max(0, int((expires_at - now) / HOUR))
    per_month = rules.days_per_month
    by_days = (Decimal(hours_left) / 24 / per_month,
               f"剩余 {hours_left // 24} 天 {hours_left % 24} 小时（按每月 {per_month:g} 天折合 "
               f"{Decimal(hours_left) / 24 / per_month:.4f} 个月）")
    if rules.month_convention == "whole_months_else_days":
        whole = _whole_months(now, expires_at)
        return (Decimal(whole), f"剩余 {whole} 个整月") if whole is not None else by_days
    if rules.month_convention == "calendar_months":
        return _calendar_months(now, expires_at)
    return by_days


def _whole_months(now: datetime, expires_at: datetime) -> Optional[int]:
    """The number of calendar months from `now` to `expires_at` when it is exactly that many."""
    months = 0
    while add_months(now, months) < expires_at:
        months += 1
    return months if add_months(now, months) == expires_at else None


def _calendar_months(now: datetime, expires_at: datetime) -> Tuple[Decimal, str]:
    """Huawei's 剩余周期: the days left after today, each calendar month's share counted as its days
    left ÷ the days it has (2023-04-18 to 2023-05-08: 12/30 + 8/31)."""
    first = to_customer_time(now).date() + timedelta(days=1)
    last = to_customer_time(expires_at - timedelta(microseconds=1)).date()
    total, parts = Decimal(0), []
    day = first
    while day <= last:
        length = monthrange(day.year, day.month)[1]
        end = min(last, date(day.year, day.month, length))
        days = (end - day).days + 1
        total += Decimal(days) / length
        parts.append(f"{day.month} 月 {days}/{length}")
        day = end + timedelta(days=1)
    shown = " + ".join(parts[:3]) + (" + …" if len(parts) > 3 else "")
    return total, f"剩余周期（{shown or '0'}，折合 {total:.4f} 个月）"


def _new_purchase_discount(order: Order, months_left: Decimal, policy: Policy) -> Tuple[Decimal, str]:
    """The discount the new configuration is bought at, and how the label says it (Chinese)."""
    if policy.downgrade.new_price_discount == "order":
        return order.discount_rate, f" × {order.discount_rate.normalize():f} 折扣"
    months = int(months_left)
    rate = duration_rate(order, months)
    return rate, f" × {rate.normalize():f}（今日购买 {months} 个月的折扣）" if rate != 1 else "，今日购买该时长无折扣"


def quote_sla_claim(ctx: OrderContext, now: datetime, policy: Policy) -> Quote:
    """SLA compensation for the order's instance, from the recorded outages: a voucher worth the
    policy's share of the month's fee, the service continuing."""
    now = ensure_aware(now)
    order = ctx.order
    reason = RefundReason.SERVICE_ISSUE.value
    month = worst_sla_month(order, ctx.outages, now, policy)
    if month is None:
        return refused(ctx, reason, QuoteRule.NO_OUTAGE_RECORD, ("manual_review", "human"), policy)
    label = f"{to_customer_time(month.month_start):%Y 年 %-m 月}"
    if month.voucher is None or month.compensation_percent is None:
        met = refused(ctx, reason, QuoteRule.SLA_MET, ("human",), policy, [
            f"{label}可用性为 {month.availability}%，服务承诺为 {month.commitment}%。"])
        return replace(met, sla_availability=month.availability, sla_month=f"{month.month_start:%Y-%m}")
    line = QuoteLine("sla_compensation", f"{label}可用性 {month.availability}%，低于承诺的 {month.commitment}%："
                                         f"补偿当月费用 {month.monthly_fee:,.2f} 元的 {month.compensation_percent:g}%",
                     month.voucher)
    quote = _keep_resource_quote(ctx, QuoteRule.SLA_COMPENSATION, [line], now, policy, "voucher",
                                 sla_month=f"{month.month_start:%Y-%m}")
    return replace(quote, sla_availability=month.availability, sla_compensation=month.voucher,
                   explanation=explain(replace(quote, sla_availability=month.availability), order, []))


def _keep_resource_quote(ctx: OrderContext, rule: QuoteRule, lines: List[QuoteLine], now: datetime, policy: Policy,
                         destination: str, target_spec: Optional[str] = None,
                         sla_month: Optional[str] = None) -> Quote:
    order = ctx.order
    payment = order.primary_payment
    if destination != "voucher":  # money: only what earlier tickets have not given back
        lines = lines + returned_lines(ctx)
    refund = sum((line.amount for line in lines), ZERO)
    if refund < 0:
        lines.append(QuoteLine("floor", "退款金额不低于 0 元", -refund))
        refund = ZERO
    if refund == 0 and not (rule == QuoteRule.DOWNGRADE and policy.downgrade.allow_zero_refund):
        return refused(ctx, RefundReason.DEMAND_CHANGE.value, QuoteRule.NOTHING_LEFT, ("human",), policy, [], lines)
    review_due = policy.timing.working_days_after(now, policy.timing.review_working_days)
    # Gift credit is added to the account balance like a balance refund.
    days = policy.timing.payout_working_days.get("account_balance" if destination == "gift_credit" else destination, 0)
    arrival = policy.timing.working_days_after(review_due, days) if days else review_due
    money = (payment.cash + payment.gift_credit) if payment else ZERO
    by_split = payment is not None and money > 0 and destination not in ("voucher", "gift_credit")
    cash = to_money(refund * payment.cash / money) if by_split and payment is not None else ZERO
    gift = refund if destination == "gift_credit" else (refund - cash if destination != "voucher" else ZERO)
    quote = Quote(
        order_id=order.order_id, reason=RefundReason.SERVICE_ISSUE.value if rule == "sla_compensation"
        else RefundReason.DEMAND_CHANGE.value, eligible=True, rule=rule.value,
        paid=to_money(payment.amount) if payment else ZERO, lines=tuple(lines), refund=refund,
        refund_cash=cash, refund_gift_credit=gift, destination=destination, review_due=review_due,
        expected_arrival=arrival, target_spec=target_spec, sla_month=sla_month,
    )
    return replace(quote, explanation=explain(quote, order, []))
