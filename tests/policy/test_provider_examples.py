"""The providers' own published worked examples, quoted with their presets, to the cent.

Tencent Cloud, 云服务退货说明, 参考案例 (tencentyun/qcloud-documents,
product/管理与支持/计费相关(new)/计费说明/云服务退货说明.md).
Huawei Cloud, 费用中心 › 云服务退订 › 可五天无理由退订 and 非五天无理由退订
(support.huaweicloud.com/usermanual-billing/unsubscription_topic_20000081.html and
zh-cn_topic_0083138805.html).
Alibaba Cloud, 云数据库 MongoDB 版 › 变更配置费用说明 (help.aliyun.com/document_detail/127528.html)
and PolarDB › 变配费用说明 (the downgrade examples); 费用与成本 › 降配退款规则说明 (the billing
centre's price-ratio rule; it publishes no worked figures, so its test is the formula's own).
"""
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from bot.billing.models import (
    DurationDiscount,
    HourlyCharge,
    HourlyTier,
    LineItem,
    Order,
    OrderContext,
    OrderResource,
    Outage,
    Payment,
    Spec,
)
from bot.policy.changes import quote_downgrade, quote_sla_claim
from bot.policy.config import load_policy
from bot.policy.engine import add_months, quote_refund
from bot.settings import PROJECT_ROOT

TENCENT = load_policy(PROJECT_ROOT / "policies" / "tencent.yml")
HUAWEI = load_policy(PROJECT_ROOT / "policies" / "huawei.yml")
ALIBABA = load_policy(PROJECT_ROOT / "policies" / "alibaba.yml")
BEIJING = timezone(timedelta(hours=8))
CVM_TIERS = (HourlyTier(96, D("0.42")), HourlyTier(None, D("0.21")))  # 0.42/h for 96 h, then 0.21/h


def order(total: str, voucher: str, cash: str, gift: str, activated: datetime, term_months: int,
          **fields) -> Order:
    payment = Payment("T1", "O1", activated, "balance", cash=D(cash), voucher=D(voucher), gift_credit=D(gift))
    base = Order(order_id="O1", customer_id="A", product_code="cvm", product_name="云服务器 CVM",
                 instance_id="ins-00000001", billing_mode="prepaid", order_type="new", term_months=term_months,
                 created_at=activated, activated_at=activated, expires_at=add_months(activated, term_months),
                 items=(LineItem("resource", "云服务器", D(total)),), payments=(payment,))
    return replace(base, **fields)


# --- Tencent Cloud, 案例一: 1 core 1 GB, billed by traffic, 51 元/月 × 12 × 0.83 = 507.96 元,
# paid with a 100 元 voucher, 200 元 cash and 207.96 元 gift credit.

TENCENT_ACTIVATED = datetime(2026, 3, 2, 10, 0, tzinfo=BEIJING)
CASE_ONE = order("507.96", "100", "200", "207.96", TENCENT_ACTIVATED, 12, list_monthly_price=D("51"),
                 discount_rate=D("0.83"), hourly_tiers=CVM_TIERS)


def test_tencent_case_one_first_refund_within_five_days_returns_the_money_paid():
    q = quote_refund(OrderContext(CASE_ONE), "demand_change", TENCENT_ACTIVATED + timedelta(days=3), TENCENT)
    assert q.rule == "no_reason_window"
    assert (q.refund, q.refund_cash, q.refund_gift_credit) == (D("407.96"), D("200.00"), D("207.96"))
    assert q.vouchers_returned == 0


def test_tencent_case_one_not_the_first_refund_after_120_hours():
    q = quote_refund(OrderContext(CASE_ONE, no_reason_refunds_this_year=1), "demand_change",
                     TENCENT_ACTIVATED + timedelta(hours=120), TENCENT)
    consumed = next(line for line in q.lines if line.code == "consumed")
    assert consumed.amount == D("-45.36")  # 0.42 × 96 + 0.21 × 24
    assert (q.refund, q.refund_cash, q.refund_gift_credit) == (D("362.60"), D("177.76"), D("184.84"))


# --- Tencent Cloud, 案例二: the same server with 1 Mbps bandwidth (20 元/月, 0.063 元/h),
# (51 + 20) × 12 × 0.83 = 707.16 元: 100 元 voucher, 300 元 cash, 307.16 元 gift credit; refunded
# after 7 months and 5 days, the months at today's 6-month discount (88%).

CASE_TWO = order("707.16", "100", "300", "307.16", TENCENT_ACTIVATED, 12, list_monthly_price=D("71"),
                 discount_rate=D("0.83"), hourly_tiers=CVM_TIERS,
                 extra_hourly=(HourlyCharge("带宽 1 Mbps", (HourlyTier(None, D("0.063")),)),),
                 duration_discounts=(DurationDiscount(6, D("0.88")), DurationDiscount(12, D("0.83"))))


def test_tencent_case_two_after_seven_months_and_five_days():
    now = add_months(TENCENT_ACTIVATED, 7) + timedelta(days=5)
    q = quote_refund(OrderContext(CASE_TWO, no_reason_refunds_this_year=1), "demand_change", now, TENCENT)
    consumed = next(line for line in q.lines if line.code == "consumed")
    assert consumed.amount == D("-490.28")  # 71 × 7 × 0.88 + 0.42 × 96 + 0.21 × 24 + 0.063 × 120
    assert (q.refund, q.refund_cash, q.refund_gift_credit) == (D("116.88"), D("57.75"), D("59.13"))


def test_months_below_every_listed_duration_are_charged_at_list_price():
    short = replace(CASE_TWO, duration_discounts=(DurationDiscount(6, D("0.88")),))
    now = add_months(TENCENT_ACTIVATED, 2)
    q = quote_refund(OrderContext(short, no_reason_refunds_this_year=1), "demand_change", now, TENCENT)
    assert next(line for line in q.lines if line.code == "consumed").amount == D("-142.00")  # 71 × 2 × 1


# --- Huawei Cloud

def test_huawei_five_day_refund_returns_cash_and_vouchers():
    """ECS 01, 1 month, 100 元: 20 元 voucher, 80 元 cash; unsubscribed two days later →
    80 元 back to the cash account and the 20 元 voucher returned."""
    activated = datetime(2026, 10, 20, 9, 0, tzinfo=BEIJING)
    ecs = order("100", "20", "80", "0", activated, 1)
    q = quote_refund(OrderContext(ecs), "demand_change", activated + timedelta(days=2), HUAWEI)
    assert q.rule == "no_reason_window"
    assert (q.refund, q.refund_cash, q.vouchers_returned) == (D("80.00"), D("80.00"), D("20.00"))


def test_huawei_counts_whole_hours_from_the_hour_the_order_took_effect():
    """EVS bought 2024/01/01 10:30, expiring 2024/02/01 23:59:59, unsubscribed 2024/01/15 18:40:
    the term is 31 days 14 hours (from 10:00), the time used 14 days 8 hours (to 18:00)."""
    activated = datetime(2024, 1, 1, 10, 30, tzinfo=BEIJING)
    evs = replace(order("758", "0", "758", "0", activated, 1),
                  expires_at=datetime(2024, 2, 1, 23, 59, 59, tzinfo=BEIJING))
    q = quote_refund(OrderContext(evs), "demand_change", datetime(2024, 1, 15, 18, 40, tzinfo=BEIJING), HUAWEI)
    consumed = next(line for line in q.lines if line.code == "consumed")
    assert consumed.amount == D("-344.00")  # 758 × (14 d 8 h = 344 h) / (31 d 14 h = 758 h)
    assert "344 小时" in consumed.label and "758 小时" in consumed.label


def test_huawei_charges_use_to_the_money_paid_not_the_voucher():
    """已消费金额 = 订单实付金额 × 时长比例; 实付 excludes what vouchers paid."""
    activated = datetime(2024, 1, 1, 10, 0, tzinfo=BEIJING)
    evs = replace(order("958", "200", "758", "0", activated, 1),
                  expires_at=datetime(2024, 2, 1, 23, 59, 59, tzinfo=BEIJING))
    q = quote_refund(OrderContext(evs), "demand_change", datetime(2024, 1, 15, 18, 40, tzinfo=BEIJING), HUAWEI)
    amounts = {line.code: line.amount for line in q.lines}
    assert amounts["voucher"] == D("-200.00") and amounts["consumed"] == D("-344.00")


def test_huawei_unstarted_renewal_returns_its_vouchers_without_a_fee():
    """退订未生效的续费周期，不收取手续费，退还已使用的代金券."""
    activated = datetime(2026, 12, 20, 0, 0, tzinfo=BEIJING)
    renewal = order("100", "30", "70", "0", activated, 1, order_type="renewal")
    q = quote_refund(OrderContext(renewal), "demand_change", datetime(2026, 12, 1, 12, 0, tzinfo=BEIJING), HUAWEI)
    assert q.rule == "unstarted_renewal"
    assert (q.refund, q.vouchers_returned) == (D("70.00"), D("30.00"))
    assert all(line.code != "handling_fee" for line in q.lines)


# --- Alibaba Cloud

def test_alibaba_mongodb_downgrade_refunds_the_rest_minus_the_new_configuration():
    """3 months of the current configuration cost 3,500 元, 3,000 元 paid after vouchers; after 2
    months the rest is worth 1,000 元, the new configuration costs 800 元 for the month left:
    refund 1,000 − 800 = 200 元."""
    activated = datetime(2026, 1, 1, 0, 0, tzinfo=BEIJING)
    mongodb = replace(order("3500", "500", "3000", "0", activated, 3), product_code="mongodb",
                      expires_at=activated + timedelta(days=90), list_monthly_price=D("1166.67"),
                      discount_rate=D("1"))
    q = quote_downgrade(OrderContext(mongodb), Spec("mdb.small", "1核2G", D("800")),
                        activated + timedelta(days=60), ALIBABA)
    amounts = {line.code: line.amount for line in q.lines}
    assert (amounts["voucher"], amounts["consumed"], amounts["new_spec"]) == (D("-500.00"), D("-2000.00"), D("-800.00"))
    assert (q.rule, q.refund, q.destination) == ("downgrade", D("200.00"), "account_balance")


def test_alibaba_polardb_downgrade_refunds_the_price_difference_for_the_time_left():
    """Old configuration 1,000 元/月, new 800 元/月, 30 days left:
    1000/30/24 × 720 − 800/30/24 × 720 = 200 元."""
    activated = datetime(2026, 1, 1, 0, 0, tzinfo=BEIJING)
    polardb = replace(order("12000", "0", "12000", "0", activated, 12), product_code="polardb",
                      list_monthly_price=D("1000"), discount_rate=D("1"))
    now = polardb.expires_at - timedelta(days=30)
    q = quote_downgrade(OrderContext(polardb), Spec("polar.small", "2核8G", D("800")), now, ALIBABA)
    assert [line.code for line in q.lines] == ["price_difference"]
    assert q.refund == D("200.00")


def test_alibaba_billing_centre_downgrade_keeps_the_new_configurations_share():
    """降配退款 = (实付 − 已消费) × (原日单价 − 新日单价) / 原日单价, 已消费 at the original price."""
    activated = datetime(2026, 1, 1, 0, 0, tzinfo=BEIJING)
    ecs = replace(order("2880", "0", "2880", "0", activated, 12), product_code="ecs", expires_at=activated + timedelta(days=360),
                  list_monthly_price=D("300"), discount_rate=D("0.8"), original_price=D("3600"))
    q = quote_downgrade(OrderContext(ecs), Spec("ecs.2c4g", "2核4G", D("120")), activated + timedelta(days=36), ALIBABA)
    amounts = {line.code: line.amount for line in q.lines}
    assert amounts["consumed"] == D("-288.00")  # 3600 × 36/360 × 0.8 (the order's own discount)
    assert amounts["new_spec"] == D("-1036.80")  # (2880 − 288) × 120/300
    assert q.refund == D("1555.20")  # (2880 − 288) × (300 − 120)/300


# --- Tencent Cloud, 包月实例配置降级 (CVM 购买指南 › 实例调整配置费用说明 and 实例配置降级退费说明,
# tencentyun/qcloud-documents product/计算与网络/云服务器/购买指南/): S2.MEDIUM4 bought 2018-03-01 for a
# year, 102 元/月 (0.32 元/h pay-as-you-go), 83 % yearly discount, 100 元 voucher:
# 102 × 12 × 0.83 = 1015.92, 915.92 paid in money. Downgraded to S2.SMALL2 at 60 元/月.

S2_ACTIVATED = datetime(2018, 3, 1, 10, 0, tzinfo=BEIJING)
S2 = order("1015.92", "100", "915.92", "0", S2_ACTIVATED, 12, list_monthly_price=D("102"), discount_rate=D("0.83"),
           hourly_tiers=(HourlyTier(None, D("0.32")),),
           duration_discounts=(DurationDiscount(6, D("0.88")), DurationDiscount(12, D("0.83"))))
S2_SMALL = Spec("S2.SMALL2", "S2.SMALL2", D("60"))


def s2_downgrade(now: datetime):
    q = quote_downgrade(OrderContext(S2), S2_SMALL, now, TENCENT)
    return q, {line.code: line.amount for line in q.lines}


def test_tencent_downgrade_case_one_after_two_months():
    """原实例退货费用 = 915.92 − 2 × 102 = 711.92; 新购 = 60 × 10 × 0.88 = 528; 退 183.92, as gift credit."""
    q, amounts = s2_downgrade(datetime(2018, 5, 1, 10, 0, tzinfo=BEIJING))
    assert (amounts["consumed"], amounts["new_spec"]) == (D("-204.00"), D("-528.00"))
    assert (q.rule, q.refund, q.destination) == ("downgrade", D("183.92"), "gift_credit")
    assert (q.refund_cash, q.refund_gift_credit) == (D("0"), D("183.92")) and "赠送金" in q.explanation


def test_tencent_downgrade_case_two_after_eight_months_goes_ahead_without_a_refund():
    """原实例退货费用 = 915.92 − 8 × 102 × 0.88 = 197.84; 新购 = 60 × 4 = 240; −42.16 < 0: 降级但不退费."""
    q, amounts = s2_downgrade(datetime(2018, 11, 1, 10, 0, tzinfo=BEIJING))
    assert (amounts["consumed"], amounts["new_spec"]) == (D("-718.08"), D("-240.00"))
    assert (q.eligible, q.rule, q.refund) == (True, "downgrade", D("0.00"))
    assert "不退款" in q.explanation and "降配可以照常办理" in q.explanation


def test_tencent_downgrade_case_three_after_three_months_and_three_days():
    """原实例退货费用 = 915.92 − (3 × 102 + 72 × 0.32) = 586.88; 270 days left:
    新购 = 60 × 0.88 × 270/30 = 475.2 (实例调整配置费用说明); 退 111.68.
    The other page (实例配置降级退费说明) prices these 9 months without the 88 % its own case one
    applies to 10 months (270 × 60/30 = 540, 退 46.88): the preset follows the discount rule."""
    q, amounts = s2_downgrade(datetime(2018, 6, 4, 10, 0, tzinfo=BEIJING))
    assert (amounts["consumed"], amounts["new_spec"]) == (D("-329.04"), D("-475.20"))
    assert q.refund == D("111.68")


# --- Huawei Cloud, 剩余周期 (ModelArts › 变更配置后对计费的影响; 费用中心 › 变更规格费用说明): a monthly
# resource bought 2023/04/08, changed 2023/04/18 between 1,750 and 3,500 元/月: 剩余周期 = 12/30 + 8/31
# = 0.6581, so 3,500 × 0.6581 − 1,750 × 0.6581 = 1151.67 元 (the page's upgrade; a downgrade between the
# same configurations refunds the same difference).

def test_huawei_remaining_period_counts_each_calendar_month():
    bought = datetime(2023, 4, 8, 9, 0, tzinfo=BEIJING)
    pool = replace(order("3500", "0", "3500", "0", bought, 1), product_code="modelarts",
                   expires_at=datetime(2023, 5, 8, 23, 59, 59, tzinfo=BEIJING), list_monthly_price=D("3500"))
    q = quote_downgrade(OrderContext(pool), Spec("pool.1", "1 个计算节点", D("1750")),
                        datetime(2023, 4, 18, 15, 0, tzinfo=BEIJING), HUAWEI)
    assert "4 月 12/30 + 5 月 8/31" in q.lines[0].label and "0.6581" in q.lines[0].label
    # The page multiplies by the period rounded to 0.6581 (1151.67); unrounded, as the page advises
    # for real computations (保留至少8位小数), the difference is 1,750 × 0.65806452 = 1151.61.
    assert q.refund == D("1151.61")


# --- Tencent Cloud, 云服务器服务等级协议 (qcloud-documents product/计算与网络/云服务器/服务等级协议.md):
# "假设当月为30天，单实例服务周期可用时间应为 30 × 24 × 60 × 99.95% = 43178.4 分钟，即可存在
# 43200 − 43178.4 = 21.6分钟的不可用时间"; an outage of 1 min 01 s counts as 2 minutes, one of at most a
# minute not at all; the voucher is 10 % of the month's fee paid in money, vouchers excluded.

JUNE = datetime(2026, 6, 1, tzinfo=BEIJING)  # 30 days
CVM = order("1200", "240", "960", "0", datetime(2026, 1, 1, tzinfo=BEIJING), 12, instance_id="ins-cvm", product_code="cvm",
            list_monthly_price=D("100"), discount_rate=D("1"))


def cvm_claim(*durations: timedelta):
    start, outages = JUNE + timedelta(days=3), []
    for duration in durations:
        outages.append(Outage("ins-cvm", start, start + duration))
        start += timedelta(days=1)
    return quote_sla_claim(OrderContext(CVM, outages=tuple(outages)), JUNE + timedelta(days=20), TENCENT)


def test_tencent_cvm_sla_allows_21_6_minutes_in_a_30_day_month():
    assert cvm_claim(timedelta(minutes=21)).rule == "sla_met"  # 99.951 %
    q = cvm_claim(timedelta(minutes=22))  # 99.949 %
    assert (q.rule, q.sla_availability, q.refund) == ("sla_compensation", D("99.949"), D("8.00"))  # 10 % of 960/12


def test_tencent_cvm_sla_counts_a_started_minute_and_ignores_a_blip():
    assert cvm_claim(timedelta(seconds=60)).rule == "sla_met" and cvm_claim(*[timedelta(seconds=60)] * 30).rule == "sla_met"
    assert cvm_claim(*[timedelta(seconds=61)] * 11).sla_availability == D("99.949")  # 11 × 2 minutes


# --- Huawei Cloud, 五天无理由退订实例数量计算规则 (可五天无理由退订, support.huaweicloud.com/
# usermanual-billing/unsubscription_topic_20000081.html): 示例1 ten cloud disks in one order count 10;
# 示例2 a server with two bound cloud disks and a VPC counts 2; ten cloud desktops (a service not
# unsubscribed by resource) count 1.

HW_ACTIVATED = datetime(2026, 10, 20, 9, 0, tzinfo=BEIJING)


def hw_order(product: str, total: str, resources=()) -> Order:
    return replace(order(total, "0", total, "0", HW_ACTIVATED, 1), product_code=product, resources=tuple(resources))


def hw_quote(o: Order, used: int = 0):
    return quote_refund(OrderContext(o, no_reason_refunds_this_year=used), "demand_change",
                        HW_ACTIVATED + timedelta(days=2), HUAWEI)


def test_huawei_ten_disks_in_one_order_use_ten_refunds():
    disks = hw_order("evs", "1000", [OrderResource(f"disk-{n}", "evs") for n in range(10)])
    q = hw_quote(disks)
    assert (q.rule, q.refund, q.no_reason_instances) == ("no_reason_window", D("1000.00"), 10)
    q = hw_quote(disks, used=3)  # 7 left: 7 disks in full, 3 by use and fee
    assert (q.rule, q.no_reason_instances) == ("no_reason_some_instances", 7)
    assert "7 个资源无理由全额退订" in q.lines[0].label and "名额按资源计算" in q.explanation


def test_huawei_a_server_with_its_bound_disks_and_a_vpc_uses_two_refunds():
    server = hw_order("ecs", "500", [OrderResource("ecs-1", "ecs"), OrderResource("disk-1", "evs", "ecs-1"),
                                     OrderResource("disk-2", "evs", "ecs-1"), OrderResource("vpc-1", "vpc")])
    assert hw_quote(server).no_reason_instances == 2


def test_huawei_ten_cloud_desktops_in_one_order_use_one_refund():
    desktops = hw_order("workspace", "3000", [OrderResource(f"desk-{n}", "workspace") for n in range(10)])
    assert hw_quote(desktops, used=9).no_reason_instances == 1
