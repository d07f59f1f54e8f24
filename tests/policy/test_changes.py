"""Quotes that keep the resource: downgrades (each method at its boundaries) and SLA claims."""
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from bot.billing.models import DurationDiscount, Outage, ResourcePackage, Spec
from bot.clock import CUSTOMER_TZ
from bot.policy.changes import downgrade_options, quote_downgrade, quote_sla_claim, remaining_months
from bot.policy.config import PolicyError, load_policy
from bot.policy.engine import add_months
from bot.settings import PROJECT_ROOT
from tests.policy.factories import ACTIVATED, ctx, make_order
from tests.policy.test_order_kinds import policy_with

POLICY = load_policy(PROJECT_ROOT / "policies" / "default.yml")
HUAWEI = load_policy(PROJECT_ROOT / "policies" / "huawei.yml")
ORDER = make_order("1152", list_monthly_price=D("120"), discount_rate=D("0.8"))  # 120 × 12 × 0.8
SMALL = Spec("ecs.1c2g", "1核2G", D("60"))
NOW = ACTIVATED + timedelta(days=65)  # 300 days (7,200 hours) left


def test_refund_then_buy_charges_the_new_configuration_for_the_time_left():
    q = quote_downgrade(ctx(ORDER), SMALL, NOW, POLICY)
    amounts = {line.code: line.amount for line in q.lines}
    assert amounts["consumed"] == D("-205.15")  # 1152 × 65/365
    assert amounts["new_spec"] == D("-480.00")  # 60 × 0.8 × 300/30 months
    assert (q.rule, q.refund, q.destination, q.target_spec) == ("downgrade", D("466.85"), "account_balance", "1核2G")
    assert "保留" in q.explanation and "1核2G" in q.explanation and "手续费" not in q.explanation


def test_price_difference_is_capped_at_what_is_left_of_the_money_paid():
    q = quote_downgrade(ctx(ORDER), SMALL, NOW, HUAWEI)
    assert q.refund == D("473.81")  # (120 − 60) × 0.8 × (23/31 May + 9 months + 4/31 March)
    assert "5 月 23/31" in q.lines[0].label
    cheap = replace(ORDER, payments=(replace(ORDER.payments[0], cash=D("300")),))
    assert quote_downgrade(ctx(cheap), SMALL, NOW, HUAWEI).refund < D("300")


def test_price_ratio_keeps_the_new_configurations_share_of_the_rest():
    ratio = policy_with(downgrade__method="price_ratio")
    q = quote_downgrade(ctx(ORDER), SMALL, NOW, ratio)
    assert q.refund == D("473.42")  # (1152 − 205.15) × 60/120, rounded half up


def test_product_overrides_the_method():
    by_product = policy_with(downgrade__by_product={"ecs": "price_difference"})
    assert quote_downgrade(ctx(ORDER), SMALL, NOW, by_product).refund == D("480.00")


def test_the_same_price_is_not_a_downgrade_and_a_cent_less_is():
    same = quote_downgrade(ctx(ORDER), Spec("same", "同价", D("120")), NOW, POLICY)
    assert (same.eligible, same.rule) == (False, "not_a_downgrade")
    cent = quote_downgrade(ctx(ORDER), Spec("cent", "便宜一分", D("119.99")), NOW, HUAWEI)
    assert cent.eligible and cent.refund == D("0.08")  # 0.01 × 0.8 × 9.87 months


def test_a_new_configuration_dearer_than_the_rest_leaves_nothing():
    late = ACTIVATED + timedelta(days=360)  # 5 days left: 15.78 of the money is left, 1核2G costs 8.00
    assert quote_downgrade(ctx(ORDER), SMALL, late, POLICY).refund == D("7.78")
    assert quote_downgrade(ctx(ORDER), Spec("ecs.2c4g", "2核4G", D("119")), late, POLICY).rule == "nothing_left"
    q = quote_downgrade(ctx(replace(ORDER, payments=(replace(ORDER.payments[0], cash=D("10")),))),
                        Spec("ecs.2c4g", "2核4G", D("119")), NOW, POLICY)
    assert (q.eligible, q.rule) == (False, "nothing_left")


@pytest.mark.parametrize("change, rule", [
    ({"billing_mode": "payg", "expires_at": None}, "payg_not_refundable"),
    ({"expires_at": NOW}, "expired"),
    ({"package": ResourcePackage(D("100"), D("0"))}, "downgrade_unavailable"),
    ({"list_monthly_price": D("0")}, "downgrade_unavailable"),
    ({"order_type": "renewal", "activated_at": NOW + timedelta(days=1)}, "downgrade_unavailable"),
])
def test_what_cannot_be_downgraded(change, rule):
    q = quote_downgrade(ctx(replace(ORDER, **change)), SMALL, NOW, POLICY)
    assert (q.eligible, q.rule) == (False, rule)


def test_downgrade_options_are_the_cheaper_configurations_dearest_first():
    specs = [SMALL, Spec("ecs.2c4g", "2核4G", D("119")), Spec("ecs.4c8g", "4核8G", D("120")),
             Spec("ecs.8c16g", "8核16G", D("240"))]
    assert [s.spec_code for s in downgrade_options(ORDER, specs)] == ["ecs.2c4g", "ecs.1c2g"]
    assert downgrade_options(replace(ORDER, list_monthly_price=D("0")), specs) == []


# --- SLA claims ---------------------------------------------------------------------------------

MONTH = datetime(2026, 5, 1, tzinfo=CUSTOMER_TZ)  # 31 days: 44,640 minutes


def down(minutes: int, start: datetime = MONTH + timedelta(days=10)) -> Outage:
    return Outage(ORDER.instance_id or "", start, start + timedelta(minutes=minutes))


def test_no_outage_on_record_goes_to_a_person():
    q = quote_sla_claim(ctx(ORDER), MONTH + timedelta(days=20), POLICY)
    assert (q.eligible, q.rule) == (False, "no_outage_record")
    assert "manual_review" in q.alternatives


def test_an_outage_within_the_commitment_earns_nothing():
    # 99.95 % of 44,640 minutes allows 22.3 minutes.
    q = quote_sla_claim(ctx(ORDER, outages=[down(22)]), MONTH + timedelta(days=20), POLICY)
    assert (q.eligible, q.rule, q.sla_availability) == (False, "sla_met", D("99.951"))


def test_each_tier_of_compensation_is_paid_as_a_voucher():
    fee = D("96.00")  # 120 × 0.8
    cases = [(23, D("10")), (447, D("25")), (2233, D("100"))]  # 99.948 %, 98.999 %, 94.998 %
    for minutes, percent in cases:
        q = quote_sla_claim(ctx(ORDER, outages=[down(minutes)]), MONTH + timedelta(days=20), POLICY)
        assert (q.eligible, q.rule, q.destination) == (True, "sla_compensation", "voucher")
        assert q.refund == q.sla_compensation == (fee * percent / 100).quantize(D("0.01"))
        assert (q.refund_cash, q.refund_gift_credit) == (D("0"), D("0"))
        assert q.sla_month == "2026-05" and "代金券" in q.explanation and "不需要退订" in q.explanation


def test_a_product_with_its_own_commitment():
    cdn = replace(ORDER, product_code="cdn")  # 99.9 %: 44 minutes allowed
    q = quote_sla_claim(ctx(cdn, outages=[down(40)]), MONTH + timedelta(days=20), POLICY)
    assert q.rule == "sla_met"
    assert quote_sla_claim(ctx(ORDER, outages=[down(40)]), MONTH + timedelta(days=20), POLICY).rule == "sla_compensation"


def test_a_month_is_claimable_until_the_claim_window_after_it_ends():
    outage = down(600)  # in May 2026
    edge = datetime(2026, 6, 1, tzinfo=CUSTOMER_TZ) + timedelta(days=POLICY.sla.claim_window_days)
    assert quote_sla_claim(ctx(ORDER, outages=[outage]), edge, POLICY).rule == "sla_compensation"
    late = quote_sla_claim(ctx(ORDER, outages=[outage]), edge + timedelta(seconds=1), POLICY)
    assert late.rule == "no_outage_record"


def test_the_worst_month_is_claimed():
    outages = [down(30), down(600, MONTH + timedelta(days=35))]
    q = quote_sla_claim(ctx(ORDER, outages=outages), MONTH + timedelta(days=50), POLICY)
    assert q.sla_month == "2026-06" and q.refund == D("24.00")


def test_a_transferred_resource_is_not_downgraded_for_a_refund():
    q = quote_downgrade(ctx(replace(ORDER, transferred=True)), SMALL, NOW, POLICY)
    assert (q.eligible, q.rule) == (False, "transferred")


# --- how the time left is counted and what the new configuration costs -------------------------

TENCENT = load_policy(PROJECT_ROOT / "policies" / "tencent.yml")
TIERED = replace(ORDER, duration_discounts=(DurationDiscount(6, D("0.88")), DurationDiscount(12, D("0.83"))))


def new_spec_line(q):
    return next(line for line in q.lines if line.code == "new_spec")


def test_whole_calendar_months_count_as_months_and_an_hour_more_counts_by_days():
    exact = add_months(ORDER.expires_at, -6)
    q = quote_downgrade(ctx(TIERED), SMALL, exact, TENCENT)
    assert new_spec_line(q).amount == D("-316.80") and "剩余 6 个整月" in new_spec_line(q).label  # 60 × 6 × 0.88
    q = quote_downgrade(ctx(TIERED), SMALL, exact - timedelta(hours=1), TENCENT)
    assert "按每月 30 天" in new_spec_line(q).label  # 6 months and an hour: 183 days 1 hour ÷ 30 = 6.1014


def test_the_new_configuration_is_bought_at_todays_discount_for_the_time_left():
    just_under = ORDER.expires_at - timedelta(days=179, hours=23)  # 5.999 months by days: no discount
    q = quote_downgrade(ctx(TIERED), SMALL, just_under, TENCENT)
    assert "无折扣" in new_spec_line(q).label and new_spec_line(q).amount == D("-359.92")  # 60 × 5.9986
    no_table = quote_downgrade(ctx(ORDER), SMALL, add_months(ORDER.expires_at, -6), TENCENT)
    assert new_spec_line(no_table).amount == D("-288.00")  # no discount table: the order's own 0.8


def test_calendar_months_count_the_days_after_today_in_each_month():
    months, shown = remaining_months(datetime(2026, 12, 20, 15, 0, tzinfo=CUSTOMER_TZ),
                                     datetime(2027, 2, 1, 0, 0, tzinfo=CUSTOMER_TZ), HUAWEI.downgrade)
    assert months == D(11) / 31 + 1  # 21-31 December, all of January
    assert "12 月 11/31 + 1 月 31/31" in shown
    months, _ = remaining_months(datetime(2027, 1, 31, 9, 0, tzinfo=CUSTOMER_TZ),
                                 datetime(2027, 2, 1, 0, 0, tzinfo=CUSTOMER_TZ), HUAWEI.downgrade)
    assert months == 0  # the last day is today's


def test_a_downgrade_worth_nothing_goes_ahead_where_the_policy_allows_it():
    late = ACTIVATED + timedelta(days=360)
    dear = Spec("ecs.2c4g", "2核4G", D("119"))
    assert quote_downgrade(ctx(ORDER), dear, late, POLICY).rule == "nothing_left"
    allowed = policy_with(downgrade__allow_zero_refund=True)
    q = quote_downgrade(ctx(ORDER), dear, late, allowed)
    assert (q.eligible, q.rule, q.refund) == (True, "downgrade", D("0.00"))
    assert q.lines[-1].code == "floor" and "通过后即按新配置运行" in q.explanation


def test_gift_credit_is_all_gift_credit_and_arrives_like_a_balance_refund():
    paid_in_cash_and_gift = replace(ORDER, payments=(replace(ORDER.payments[0], cash=D("552"), gift_credit=D("600")),))
    q = quote_downgrade(ctx(paid_in_cash_and_gift), SMALL, NOW, policy_with(downgrade__destination="gift_credit"))
    assert (q.destination, q.refund_cash, q.refund_gift_credit) == ("gift_credit", D("0"), q.refund)
    balance = quote_downgrade(ctx(paid_in_cash_and_gift), SMALL, NOW, POLICY)
    assert q.expected_arrival == balance.expected_arrival and balance.refund_cash > 0
    with pytest.raises(PolicyError):
        policy_with(destination__default="gift_credit")


def test_several_instances_buy_the_new_configuration_for_each():
    three = replace(ORDER, quantity=3, items=(replace(ORDER.items[0], amount=D("3456")),),
                    payments=(replace(ORDER.payments[0], cash=D("3456")),))
    q = quote_downgrade(ctx(three), SMALL, NOW, POLICY)
    assert new_spec_line(q).amount == D("-1440.00") and "× 3 台" in new_spec_line(q).label  # 480 each


def test_monthly_plus_hourly_use_without_hourly_prices_goes_to_a_reviewer():
    q = quote_downgrade(ctx(replace(ORDER, hourly_tiers=())), SMALL, NOW, TENCENT)
    assert (q.eligible, q.rule) == (False, "prices_missing")


def test_the_downgrade_keys_are_checked():
    for key, value in [("month_convention", "lunar"), ("new_price_discount", "best"), ("allow_zero_refund", "yes")]:
        with pytest.raises(PolicyError, match=key):
            policy_with(**{f"downgrade__{key}": value})


# --- an SLA per product --------------------------------------------------------------------------

PER_PRODUCT = policy_with(sla__by_product={
    "cdn": 99.9,
    "rum": {"commitment_percent": 99.9, "claim_window_days": 10,
            "compensation_tiers": [{"below": 99.9, "percent": 10}, {"below": 99.0, "percent": 20},
                                   {"below": 98.0, "percent": 50}]},
    "csoc": {"commitment_percent": 99.0},  # the default tiers and window
})


@pytest.mark.parametrize("product, minutes, percent", [
    ("ecs", 23, D("10")), ("ecs", 2233, D("100")),  # the default: 99.95 %, 10 / 25 / 100
    ("cdn", 40, None), ("cdn", 45, D("10")),        # a commitment alone on the default tiers
    ("rum", 45, D("10")), ("rum", 447, D("20")), ("rum", 893, D("20")), ("rum", 894, D("50")),
    ("rum", 44640, D("50")),                         # 98.000 % is not below 98 %
    ("csoc", 446, None), ("csoc", 447, D("25")),    # 99 %: the default tiers below it
])
def test_each_product_has_its_own_commitment_and_tiers(product, minutes, percent):
    q = quote_sla_claim(ctx(replace(ORDER, product_code=product), outages=[down(minutes)]),
                        MONTH + timedelta(days=20), PER_PRODUCT)
    if percent is None:
        assert q.rule == "sla_met"
    else:
        assert (q.rule, q.refund) == ("sla_compensation", (D("96") * percent / 100).quantize(D("0.01")))


def test_a_products_own_claim_window_counts_from_the_end_of_the_month():
    rum = replace(ORDER, product_code="rum")
    june = datetime(2026, 6, 1, tzinfo=CUSTOMER_TZ)
    assert quote_sla_claim(ctx(rum, outages=[down(600)]), june + timedelta(days=10), PER_PRODUCT).rule == "sla_compensation"
    late = quote_sla_claim(ctx(rum, outages=[down(600)]), june + timedelta(days=10, seconds=1), PER_PRODUCT)
    assert late.rule == "no_outage_record"


def test_an_outage_across_midnight_of_a_month_counts_in_both_months():
    night = down(24 * 60, datetime(2026, 5, 31, 12, 0, tzinfo=CUSTOMER_TZ))  # 12 h in May, 12 h in June
    q = quote_sla_claim(ctx(ORDER, outages=[night]), datetime(2026, 6, 20, tzinfo=CUSTOMER_TZ), POLICY)
    # 720 minutes of June's 43,200 (98.333 %) is worse than 720 of May's 44,640 (98.387 %).
    assert (q.sla_month, q.sla_availability) == ("2026-06", D("98.333"))


def test_overlapping_outages_are_counted_once():
    q = quote_sla_claim(ctx(ORDER, outages=[down(30), down(30, MONTH + timedelta(days=10, minutes=10))]),
                        MONTH + timedelta(days=20), POLICY)
    assert q.sla_availability == D("99.910")  # 40 minutes, not 60


def test_the_voucher_is_a_share_of_the_money_paid_for_the_month_where_the_policy_says_so():
    paid = policy_with(sla__monthly_fee="money_paid")
    with_voucher = replace(ORDER, payments=(replace(ORDER.payments[0], cash=D("952"), voucher=D("200")),))
    q = quote_sla_claim(ctx(with_voucher, outages=[down(23)]), MONTH + timedelta(days=20), paid)
    assert q.refund == D("7.93")  # 10 % of 952 / 12


def test_the_sla_keys_are_checked():
    for change, key in [({"sla__monthly_fee": "best"}, "monthly_fee"),
                        ({"sla__by_product": {"rum": {"compensation_tiers": []}}}, "commitment_percent"),
                        ({"sla__by_product": {"rum": 101}}, "rum"),
                        ({"sla__compensation_tiers": []}, "at least one tier")]:
        with pytest.raises(PolicyError, match=key):
            policy_with(**change)
