"""Quotes that keep the resource: downgrades (each method at its boundaries) and SLA claims."""
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from bot.billing.models import Outage, ResourcePackage, Spec
from bot.clock import CUSTOMER_TZ
from bot.policy.changes import downgrade_options, quote_downgrade, quote_sla_claim
from bot.policy.config import load_policy
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
    assert q.refund == D("480.00")  # (120 − 60) × 0.8 × 10 months
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
    assert cent.eligible and cent.refund == D("0.08")  # 0.01 × 0.8 × 10 months


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


def test_an_outage_older_than_the_claim_window_is_not_claimable():
    outage = down(600)
    edge = outage.ended_at + timedelta(days=POLICY.sla.claim_window_days)
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
