"""The policy engine: every rule branch and boundary, with amounts checked to the cent."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bot.billing.models import LineItem, Outage, Payment
from bot.policy.config import load_policy
from bot.policy.engine import add_months, no_reason_deadline, quote_refund
from tests.policy.factories import ACTIVATED, ctx, make_order
from tests.policy.test_order_kinds import policy_with

POLICIES = Path(__file__).resolve().parents[2] / "policies"
DEFAULT = load_policy(POLICIES / "default.yml")
TENCENT = load_policy(POLICIES / "tencent.yml")
HUAWEI = load_policy(POLICIES / "huawei.yml")
D = Decimal


def lines(quote):
    return {line.code: line.amount for line in quote.lines}


def test_inside_no_reason_window_refunds_everything_paid():
    q = quote_refund(ctx(make_order()), "demand_change", ACTIVATED + timedelta(days=2), DEFAULT)
    assert q.eligible and q.rule == "no_reason_window"
    assert q.refund == D("1200.00") and q.refund_cash == D("1200.00")
    assert q.destination == "original_route"
    assert "五天无理由全额退订" in q.explanation and "1,200.00 元" in q.explanation


def test_window_end_is_inclusive_and_one_second_later_is_standard():
    end = ACTIVATED + timedelta(days=5)
    assert no_reason_deadline(ACTIVATED, DEFAULT) == end
    assert quote_refund(ctx(make_order()), "wrong_purchase", end, DEFAULT).rule == "no_reason_window"
    later = quote_refund(ctx(make_order()), "wrong_purchase", end + timedelta(seconds=1), DEFAULT)
    assert later.rule == "standard"
    # 6 started days of 365 (partial day counts as full), 10% handling fee on a 1-year term.
    assert lines(later) == {"paid": D("1200.00"), "consumed": D("-19.73"), "handling_fee": D("-120.00")}
    assert later.refund == D("1060.27")
    assert "已超过无理由退订期限" in later.explanation


def test_quota_used_up_falls_back_to_standard_refund():
    q = quote_refund(ctx(make_order(), quota_used=1), "demand_change", ACTIVATED + timedelta(days=2), DEFAULT)
    assert q.rule == "standard" and q.refund == D("1073.42")
    assert "名额（1 次）已用完" in q.explanation


def test_rounding_is_half_up_per_line():
    order = make_order(price="1.00", expires_at=ACTIVATED + timedelta(days=8))
    q = quote_refund(ctx(order, quota_used=1), "demand_change", ACTIVATED + timedelta(days=4, seconds=1), DEFAULT)
    # 1.00 * 5 / 8 = 0.625 -> 0.63 (banker's rounding would give 0.62)
    assert lines(q)["consumed"] == D("-0.63")
    assert q.refund == D("0.27")


def test_partial_day_not_counted_when_configured():
    policy = replace(DEFAULT, standard=replace(DEFAULT.standard, partial_unit_counts_full=False))
    q = quote_refund(ctx(make_order(), quota_used=1), "demand_change", ACTIVATED + timedelta(days=2, hours=5), policy)
    assert lines(q)["consumed"] == D("-6.58")  # 2 whole days


def test_refund_never_goes_below_zero():
    q = quote_refund(ctx(make_order()), "demand_change", ACTIVATED + timedelta(days=360), DEFAULT)
    assert not q.eligible and q.rule == "nothing_left" and q.refund == D("0.00")
    assert lines(q)["floor"] == D("103.56")
    assert sum(line.amount for line in q.lines) == 0


def test_expired_order_is_not_refundable():
    q = quote_refund(ctx(make_order()), "demand_change", ACTIVATED + timedelta(days=366), DEFAULT)
    assert not q.eligible and q.rule == "expired"


@pytest.mark.parametrize(
    "overrides, rule, alternative",
    [
        ({"billing_mode": "payg"}, "payg_not_refundable", "release_resource"),
        ({"promotional_no_refund": True}, "promotional_no_refund", "manual_review"),
        ({"transferred": True}, "transferred", "manual_review"),
        ({"has_unpaid_items": True}, "unpaid_items", "pay_unpaid"),
    ],
)
def test_exclusions(overrides, rule, alternative):
    q = quote_refund(ctx(make_order(**overrides)), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert not q.eligible and q.rule == rule and q.refund == 0
    assert alternative in q.alternatives
    assert "暂不符合退款条件" in q.explanation


def test_exclusion_can_be_switched_off_by_policy():
    policy = replace(DEFAULT, exclusions=("transferred", "unpaid_items"))
    q = quote_refund(ctx(make_order(promotional_no_refund=True)), "demand_change", ACTIVATED + timedelta(days=1), policy)
    assert q.eligible


def test_vouchers_not_returned_in_window():
    q = quote_refund(ctx(make_order(voucher="200")), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert lines(q) == {"paid": D("1200.00"), "voucher": D("-200.00")}
    assert q.refund == D("1000.00") and q.vouchers_returned == 0


def test_vouchers_come_off_first_and_use_is_charged_to_the_money_paid():
    q = quote_refund(ctx(make_order(voucher="200"), quota_used=1), "demand_change", ACTIVATED + timedelta(days=2), DEFAULT)
    assert lines(q) == {"paid": D("1200.00"), "voucher": D("-200.00"), "consumed": D("-5.48"), "handling_fee": D("-100.00")}
    assert q.refund == D("894.52")
    fee = next(line for line in q.lines if line.code == "handling_fee")
    assert "实付 1,000.00 元 × 10%" in fee.label  # says what the percentage is of


def test_coupons_deducted_like_vouchers():
    q = quote_refund(ctx(make_order(coupon="120")), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert lines(q)["coupon"] == D("-120.00") and q.refund == D("1080.00")


def test_gift_credit_refunded_in_paid_proportion():
    q = quote_refund(ctx(make_order(gift="300"), quota_used=1), "demand_change", ACTIVATED + timedelta(days=2), DEFAULT)
    assert q.refund == D("1073.42")
    assert q.refund_cash == D("805.07") and q.refund_gift_credit == D("268.35")
    assert "赠送金" in q.explanation


def test_non_refundable_items_are_deducted():
    items = (LineItem("resource", "云服务器", D("1000")), LineItem("config_change_fee", "配置变更费", D("200")))
    q = quote_refund(ctx(make_order(items=items)), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert lines(q)["non_refundable_items"] == D("-200.00") and q.refund == D("1000.00")


def test_unstarted_renewal_is_refunded_in_full():
    now = ACTIVATED - timedelta(days=10)
    order = make_order(order_type="renewal")
    q = quote_refund(ctx(order, quota_used=5), "demand_change", now, DEFAULT)
    assert q.eligible and q.rule == "unstarted_renewal" and q.refund == D("1200.00")


def test_started_renewal_gets_no_no_reason_window():
    q = quote_refund(ctx(make_order(order_type="renewal")), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert q.rule == "standard" and "续费" in q.explanation


def test_order_converted_from_payg_gets_no_no_reason_window():
    q = quote_refund(ctx(make_order(converted_from_payg=True)), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert q.rule == "standard"


def test_duplicate_payment_refunds_the_second_charge_in_full():
    order = make_order()
    second = replace(order.payments[0], txn_id="T2", paid_at=ACTIVATED + timedelta(minutes=1))
    q = quote_refund(ctx(replace(order, payments=order.payments + (second,))), "duplicate_payment",
                     ACTIVATED + timedelta(days=40), DEFAULT)
    assert q.eligible and q.rule == "duplicate_payment" and q.refund == D("1200.00")
    assert "T2" in q.lines[0].label


def test_duplicate_payment_without_a_duplicate_is_refused():
    q = quote_refund(ctx(make_order()), "duplicate_payment", ACTIVATED + timedelta(days=1), DEFAULT)
    assert not q.eligible and q.rule == "no_duplicate_found" and "manual_review" in q.alternatives


def test_failed_payment_is_not_a_duplicate():
    order = make_order()
    failed = replace(order.payments[0], txn_id="T2", status="failed")
    q = quote_refund(ctx(replace(order, payments=order.payments + (failed,))), "duplicate_payment", ACTIVATED, DEFAULT)
    assert q.rule == "no_duplicate_found"


def test_monthly_plus_hourly_with_tiered_hourly_price():
    now = add_months(ACTIVATED, 2) + timedelta(hours=100)
    q = quote_refund(ctx(make_order(), quota_used=1), "demand_change", now, TENCENT)
    # 2 months * 120 * 0.8 + 96 h * 0.50 + 4 h * 0.40
    assert lines(q)["consumed"] == D("-241.60")
    assert q.refund == D("958.40") and q.destination == "account_balance"


def test_tencent_window_counts_calendar_days_including_delivery_day():
    deadline = datetime(2026, 3, 8, 15, 59, 59, tzinfo=timezone.utc)  # 23:59:59 Beijing, day 5
    assert no_reason_deadline(ACTIVATED, TENCENT) == deadline
    assert quote_refund(ctx(make_order()), "demand_change", deadline, TENCENT).rule == "no_reason_window"
    assert quote_refund(ctx(make_order()), "demand_change", deadline + timedelta(seconds=1), TENCENT).rule == "standard"


def test_huawei_returns_vouchers_as_vouchers_in_window():
    q = quote_refund(ctx(make_order(voucher="200")), "demand_change", ACTIVATED + timedelta(hours=119), HUAWEI)
    assert q.refund == D("1000.00") and q.vouchers_returned == D("200.00")
    assert "以代金券形式退回" in q.explanation


def test_huawei_quota_is_ten_per_account():
    now = ACTIVATED + timedelta(hours=1)
    assert quote_refund(ctx(make_order(), quota_used=9), "demand_change", now, HUAWEI).rule == "no_reason_window"
    assert quote_refund(ctx(make_order(), quota_used=10), "demand_change", now, HUAWEI).rule == "standard"


def test_handling_fee_by_term_and_year_used():
    order = make_order(price="3600", term_months=36, expires_at=ACTIVATED + timedelta(days=1095))
    q = quote_refund(ctx(order), "demand_change", ACTIVATED + timedelta(days=400), DEFAULT)
    assert lines(q) == {"paid": D("3600.00"), "consumed": D("-1315.07"), "handling_fee": D("-360.00")}
    assert "第 2 年" in q.lines[-1].label and q.refund == D("1924.93")


def test_large_refund_needs_manager_approval():
    q = quote_refund(ctx(make_order(price="60000")), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert q.needs_manager_approval and "主管" in q.explanation
    small = quote_refund(ctx(make_order()), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert not small.needs_manager_approval


def test_service_issue_waives_fee_and_adds_sla_compensation():
    outage = Outage("ins-abcd1234", datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc),
                    datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc))
    q = quote_refund(ctx(make_order(), quota_used=1, outages=[outage]), "service_issue",
                     ACTIVATED + timedelta(days=20), DEFAULT)
    assert "handling_fee" not in lines(q) and q.refund == D("1134.25")
    # 180 of 44,640 minutes down in March: 99.597% -> first tier, 10% of 96.00
    assert q.sla_availability == D("99.597") and q.sla_compensation == D("9.60")
    assert "SLA 补偿" in q.explanation


@pytest.mark.parametrize(
    "hours, availability, voucher",
    [(1, "99.866", "9.60"), (8, "98.925", "24.00"), (72, "90.323", "96.00")],
)
def test_sla_tiers(hours, availability, voucher):
    # March 2026 has 44,640 minutes; the monthly fee is 120 * 0.8 = 96.00.
    start = datetime(2026, 3, 10, tzinfo=timezone.utc)
    outage = Outage("ins-abcd1234", start, start + timedelta(hours=hours))
    q = quote_refund(ctx(make_order(), quota_used=1, outages=[outage]), "service_issue",
                     ACTIVATED + timedelta(days=30), DEFAULT)
    assert q.sla_availability == D(availability) and q.sla_compensation == D(voucher)


def test_sla_ignores_outages_of_other_instances_and_old_outages():
    old = Outage("ins-abcd1234", ACTIVATED - timedelta(days=200), ACTIVATED - timedelta(days=199))
    other = Outage("ins-other999", ACTIVATED + timedelta(days=1), ACTIVATED + timedelta(days=2))
    q = quote_refund(ctx(make_order(), quota_used=1, outages=[old, other]), "service_issue",
                     ACTIVATED + timedelta(days=20), DEFAULT)
    assert q.sla_compensation is None


def test_review_and_arrival_dates_skip_weekends():
    friday = datetime(2026, 3, 6, 4, 0, tzinfo=timezone.utc)  # Friday noon Beijing
    q = quote_refund(ctx(make_order()), "demand_change", friday, DEFAULT)
    assert q.review_due == date(2026, 3, 11)  # Mon, Tue, Wed
    assert q.expected_arrival == date(2026, 3, 16)  # Thu, Fri, Mon


def test_invoiced_order_goes_to_balance():
    q = quote_refund(ctx(make_order(invoiced=True)), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT)
    assert q.destination == "account_balance" and "账户余额" in q.explanation


def test_unknown_reason_is_an_error():
    with pytest.raises(ValueError):
        quote_refund(ctx(make_order()), "because", ACTIVATED, DEFAULT)


def test_quote_serialises_money_as_strings():
    data = quote_refund(ctx(make_order()), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT).to_dict()
    assert data["refund"] == "1200.00" and data["rule_label"] == "五天无理由全额退订"
    assert data["lines"][0] == {"code": "paid", "label": "订单金额（含代金券/优惠券抵扣）", "amount": "1200.00"}


def test_payment_amount_property():
    p = Payment("T", "O", ACTIVATED, "alipay", cash=D("1"), voucher=D("2"), coupon=D("3"), gift_credit=D("4"))
    assert p.amount == D("10")


def fee_percent(q):
    fee = next((line for line in q.lines if line.code == "handling_fee"), None)
    return None if fee is None else fee.label.split("× ")[1].split("%")[0]


def test_exactly_one_year_used_is_still_the_first_year_of_the_fee_table():
    three_years = make_order(term_months=36, expires_at=ACTIVATED + timedelta(days=3 * 365))
    at_one_year = quote_refund(ctx(three_years, quota_used=10), "demand_change", ACTIVATED + timedelta(days=365), HUAWEI)
    just_after = quote_refund(ctx(three_years, quota_used=10), "demand_change",
                              ACTIVATED + timedelta(days=365, hours=1), HUAWEI)
    assert (fee_percent(at_one_year), fee_percent(just_after)) == ("15", "10")


def test_a_term_beyond_the_fee_table_goes_to_a_person_instead_of_reusing_the_last_row():
    five_years = make_order(term_months=60, expires_at=ACTIVATED + timedelta(days=5 * 365))
    q = quote_refund(ctx(five_years, quota_used=10), "demand_change", ACTIVATED + timedelta(days=400), HUAWEI)
    assert not q.eligible and q.rule == "no_fee_rule" and "manual_review" in q.alternatives
    assert "人工核算" in q.explanation


def test_an_unsubscription_worth_nothing_goes_ahead_where_the_policy_allows_it():
    late = ACTIVATED + timedelta(days=360)
    allowed = policy_with(standard_refund__allow_zero_refund=True)
    q = quote_refund(ctx(make_order()), "demand_change", late, allowed)
    assert (q.eligible, q.rule, q.refund) == (True, "standard", D("0.00"))
    assert "不退款" in q.explanation and "即完成退订" in q.explanation
    assert sum(line.amount for line in q.lines) == 0
    assert quote_refund(ctx(make_order()), "demand_change", ACTIVATED + timedelta(days=366), allowed).rule == "expired"


def test_a_no_reason_refund_paid_all_in_vouchers_returns_them_instead_of_refusing():
    vouchers_only = make_order("100", voucher="100")
    q = quote_refund(ctx(vouchers_only), "demand_change", ACTIVATED + timedelta(days=1), HUAWEI)
    assert (q.eligible, q.rule, q.refund, q.vouchers_returned) == (True, "no_reason_window", D("0.00"), D("100.00"))
    assert "代金券形式退回" in q.explanation
    assert quote_refund(ctx(vouchers_only), "demand_change", ACTIVATED + timedelta(days=1), DEFAULT).rule == "nothing_left"


def test_hours_beyond_a_price_list_whose_last_tier_has_a_limit_are_charged_at_its_price():
    from bot.billing.models import HourlyTier
    from bot.policy.engine import _tiered_hourly_cost
    assert _tiered_hourly_cost((HourlyTier(96, D("0.50")),), 100) == D("50.00")  # 96 × 0.5 + 4 × 0.5
    assert _tiered_hourly_cost((HourlyTier(96, D("0.50")), HourlyTier(None, D("0.40"))), 100) == D("49.60")
