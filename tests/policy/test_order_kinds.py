"""Every kind of order the providers sell, quoted at its boundaries: several instances in one
order, resource packages, use charged at the original price, and orders changed by upgrades and
renewals (settled each over its own period)."""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

import pytest

from bot.billing.models import Order, OrderContext, OrderResource, Payment, QuotaUse, ResourcePackage
from bot.policy.config import load_policy, parse_policy
from bot.policy.engine import quota_units, quote_refund
from bot.settings import PROJECT_ROOT
from tests.policy.factories import ACTIVATED, ctx, make_order

POLICY = load_policy(PROJECT_ROOT / "policies" / "default.yml")
ALIBABA = load_policy(PROJECT_ROOT / "policies" / "alibaba.yml")
IN_WINDOW = ACTIVATED + timedelta(days=2)
LATER = ACTIVATED + timedelta(days=73)  # 73 of 365 days used


def policy_with(**changes) -> object:
    import yaml
    raw = yaml.safe_load((PROJECT_ROOT / "policies" / "default.yml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section = raw
        *path, key = dotted.split("__")
        for name in path:
            section = section.setdefault(name, {})
        section[key] = value
    return parse_policy(raw)


# --- several instances in one order -------------------------------------------------------

THREE = make_order("3600", quantity=3)


def test_order_of_three_with_one_no_reason_refund_left_refunds_one_in_full_and_two_by_use():
    q = quote_refund(ctx(THREE), "demand_change", IN_WINDOW, POLICY)
    assert (q.rule, q.no_reason_instances) == ("no_reason_some_instances", 1)
    full = [line for line in q.lines if line.label.startswith("1 台无理由")]
    rest = [line for line in q.lines if line.label.startswith("其余 2 台")]
    assert full[0].amount == D("1200.00")
    consumed = next(line for line in rest if line.code == "consumed")
    assert consumed.amount == D("-13.15")  # 2400 × 2/365
    fee = next(line for line in rest if line.code == "handling_fee")
    assert fee.amount == D("-240.00")  # 10 % of the 2,400 paid for the two
    assert q.refund == D("1200.00") + D("2400.00") - D("13.15") - D("240.00")
    assert "名额按实例计算" in q.explanation


def test_order_of_three_refunds_all_in_full_when_the_quota_covers_them():
    generous = policy_with(no_reason_window__quota={"per_calendar_year": 3, "scope": "product"})
    q = quote_refund(ctx(THREE), "demand_change", IN_WINDOW, generous)
    assert (q.rule, q.refund, q.no_reason_instances) == ("no_reason_window", D("3600.00"), 3)
    q = quote_refund(ctx(THREE, quota_used=1), "demand_change", IN_WINDOW, generous)
    assert (q.rule, q.no_reason_instances) == ("no_reason_some_instances", 2)


def test_order_of_three_with_the_quota_used_up_is_an_ordinary_refund_for_all():
    q = quote_refund(ctx(THREE, quota_used=1), "demand_change", IN_WINDOW, POLICY)
    assert (q.rule, q.no_reason_instances) == ("standard", 0)
    assert next(line for line in q.lines if line.code == "consumed").amount == D("-19.73")  # 3600 × 2/365


def test_monthly_plus_hourly_use_is_charged_for_every_instance():
    tencent = load_policy(PROJECT_ROOT / "policies" / "tencent.yml")
    one = quote_refund(ctx(make_order("1200"), quota_used=1), "demand_change", LATER, tencent)
    three = quote_refund(ctx(THREE, quota_used=1), "demand_change", LATER, tencent)
    consumed = {q.order_id: next(line.amount for line in q.lines if line.code == "consumed") for q in (one,)}
    assert next(line.amount for line in three.lines if line.code == "consumed") == 3 * consumed[one.order_id]


# --- resource packages ---------------------------------------------------------------------

PACKAGE = make_order("500", product_code="cdn", package=ResourcePackage(D("1024"), D("0"), "GB"))


def test_untouched_package_is_refunded_in_full_until_the_policy_day_then_by_use():
    last_day = ACTIVATED + timedelta(days=7)
    assert quote_refund(ctx(PACKAGE, quota_used=1), "demand_change", last_day, POLICY).rule == "unused_package"
    after = quote_refund(ctx(PACKAGE, quota_used=1), "demand_change", last_day + timedelta(seconds=1), POLICY)
    assert after.rule == "standard"
    assert next(line.amount for line in after.lines if line.code == "consumed") == D("0.00")


def test_package_use_is_charged_by_quantity_not_time():
    used = replace(PACKAGE, package=ResourcePackage(D("1024"), D("256"), "GB"))
    q = quote_refund(ctx(used, quota_used=1), "demand_change", LATER, POLICY)
    consumed = next(line for line in q.lines if line.code == "consumed")
    assert consumed.amount == D("-125.00") and "256 GB" in consumed.label  # 500 × 256/1024
    assert q.rule == "standard"


def test_package_used_up_has_nothing_left():
    spent = replace(PACKAGE, package=ResourcePackage(D("1024"), D("1024"), "GB"))
    q = quote_refund(ctx(spent, quota_used=1), "demand_change", LATER, POLICY)
    assert (q.eligible, q.rule) == (False, "nothing_left")


def test_policy_without_the_unused_rule_charges_an_untouched_package_nothing_but_fees():
    q = quote_refund(ctx(PACKAGE, quota_used=1), "demand_change", ACTIVATED + timedelta(days=6),
                     policy_with(resource_packages__unused_full_refund_days=None))
    assert q.rule == "standard"
    assert next(line.amount for line in q.lines if line.code == "consumed") == D("0.00")


def test_huawei_refuses_packages_except_backup_and_data_warehouse_ones():
    huawei = load_policy(PROJECT_ROOT / "policies" / "huawei.yml")
    q = quote_refund(ctx(PACKAGE, quota_used=1), "demand_change", ACTIVATED + timedelta(days=6), huawei)
    assert (q.eligible, q.rule, q.rule_label) == (False, "package_not_refundable", "资源包不支持退订")
    backup = replace(PACKAGE, product_code="cbr")
    assert quote_refund(ctx(backup, quota_used=1), "demand_change", ACTIVATED + timedelta(days=6), huawei).rule == "standard"


def test_alibaba_refunds_an_untouched_package_for_30_days_and_a_product_with_its_own_5():
    day_30 = ACTIVATED + timedelta(days=30)
    assert quote_refund(ctx(PACKAGE, quota_used=1), "demand_change", day_30, ALIBABA).rule == "unused_package"
    after = quote_refund(ctx(PACKAGE, quota_used=1), "demand_change", day_30 + timedelta(seconds=1), ALIBABA)
    assert after.rule == "standard"
    mps = replace(PACKAGE, product_code="mps")
    assert quote_refund(ctx(mps, quota_used=1), "demand_change", ACTIVATED + timedelta(days=5), ALIBABA).rule == "unused_package"
    assert quote_refund(ctx(mps, quota_used=1), "demand_change", ACTIVATED + timedelta(days=6), ALIBABA).rule == "standard"


def test_an_untouched_package_inside_the_window_does_not_use_a_no_reason_refund():
    q = quote_refund(ctx(PACKAGE), "demand_change", ACTIVATED + timedelta(days=1), POLICY)
    assert (q.rule, q.no_reason_instances) == ("unused_package", 0)
    used = replace(PACKAGE, package=ResourcePackage(D("1024"), D("1"), "GB"))
    q = quote_refund(ctx(used), "demand_change", ACTIVATED + timedelta(days=1), POLICY)
    assert (q.rule, q.no_reason_instances) == ("no_reason_window", 1)


def test_an_expired_package_is_not_refunded_as_unused():
    short = replace(PACKAGE, expires_at=ACTIVATED + timedelta(days=3))
    assert quote_refund(ctx(short, quota_used=1), "demand_change", ACTIVATED + timedelta(days=4), POLICY).rule == "expired"


def test_the_quota_shared_with_servers_says_which_order_used_it():
    shared = policy_with(no_reason_window__quota={"per_calendar_year": 1, "scope": "product",
                                                  "shared_by": [["ecs", "cdn"]]})
    used = replace(PACKAGE, package=ResourcePackage(D("1024"), D("1"), "GB"))
    server = QuotaUse("2026020100000007", "ecs", 1, "云服务器 ECS（2核4G）")
    q = quote_refund(OrderContext(used, no_reason_refunds_this_year=1, no_reason_uses=(server,)), "demand_change",
                     ACTIVATED + timedelta(days=1), shared)
    assert q.rule == "standard"
    assert "与其他产品共用，已由订单 2026020100000007（云服务器 ECS（2核4G））使用" in q.explanation
    alone = quote_refund(OrderContext(used, no_reason_refunds_this_year=1, no_reason_uses=(server,)),
                         "demand_change", ACTIVATED + timedelta(days=1), POLICY)
    assert "已由" not in alone.explanation  # the product's own quota: nothing to explain


# --- use charged at the original price --------------------------------------------------------

def test_original_price_basis_charges_days_used_at_list_price_times_the_discount():
    # Paid 960 (80 % of a 1,200 list price); 73 days used: 1200 × 73/365 × 0.8 = 192.
    listed = make_order("960", original_price=D("1200"), discount_rate=D("0.8"))
    q = quote_refund(ctx(listed, quota_used=1), "demand_change", LATER, ALIBABA)
    consumed = next(line for line in q.lines if line.code == "consumed")
    assert consumed.amount == D("-192.00") and "原价 1,200.00" in consumed.label


def test_original_price_basis_uses_the_discount_the_time_used_would_get():
    from bot.billing.models import DurationDiscount
    listed = make_order("960", original_price=D("1200"),
                        duration_discounts=(DurationDiscount(1, D("0.95")), DurationDiscount(12, D("0.8"))))
    q = quote_refund(ctx(listed, quota_used=1), "demand_change", LATER, ALIBABA)  # 2 whole months → 95 %
    assert next(line.amount for line in q.lines if line.code == "consumed") == D("-228.00")  # 1200 × 73/365 × 0.95


def test_original_price_basis_without_an_original_price_charges_a_share_of_the_money_paid():
    q = quote_refund(ctx(make_order("960"), quota_used=1), "demand_change", LATER, ALIBABA)
    assert next(line.amount for line in q.lines if line.code == "consumed") == D("-192.00")  # 960 × 73/365


def test_original_price_never_charges_more_than_was_paid():
    listed = make_order("100", original_price=D("12000"))
    q = quote_refund(ctx(listed, quota_used=1), "demand_change", LATER, ALIBABA)
    assert q.rule == "nothing_left"


# --- upgrades and renewals linked to the order ------------------------------------------------

def change(order_type: str, paid: str, starts, days: int, order_id: str = "2026040100000001") -> Order:
    payment = Payment("T9", order_id, starts, "alipay", cash=D(paid))
    return replace(make_order(paid), order_id=order_id, order_type=order_type, activated_at=starts,
                   created_at=starts, expires_at=starts + timedelta(days=days), payments=(payment,),
                   parent_order_id="2026030400012345")


def test_an_upgrade_is_refunded_for_its_own_remaining_time():
    # Upgraded on day 73 for the 292 days left, 584 元; refunded 146 days later: half of it back.
    upgrade = change("upgrade", "584", LATER, 292)
    now = LATER + timedelta(days=146)
    q = quote_refund(OrderContext(make_order("1200"), 1, changes=(upgrade,)), "demand_change", now, POLICY)
    line = next(line for line in q.lines if line.code == "change_order")
    assert line.amount == D("292.00") and "升级订单" in line.label
    assert q.paid == D("1784.00")


def test_an_unstarted_renewal_linked_to_the_order_comes_back_in_full():
    renewal = change("renewal", "1200", ACTIVATED + timedelta(days=365), 365)
    q = quote_refund(OrderContext(make_order("1200"), 1, changes=(renewal,)), "demand_change", LATER, POLICY)
    line = next(line for line in q.lines if line.code == "change_order")
    assert line.amount == D("1200.00") and "尚未生效" in line.label


def test_inside_the_no_reason_window_the_changes_come_back_in_full_too():
    upgrade = change("upgrade", "300", ACTIVATED + timedelta(days=1), 364)
    q = quote_refund(OrderContext(make_order("1200"), 0, changes=(upgrade,)), "demand_change", IN_WINDOW, POLICY)
    assert q.rule == "no_reason_window" and q.refund == D("1500.00")


@pytest.mark.parametrize("status", ["refunded", "released"])
def test_changes_already_settled_are_left_out(status):
    upgrade = replace(change("upgrade", "584", LATER, 292), status=status)
    q = quote_refund(OrderContext(make_order("1200"), 1, changes=(upgrade,)), "demand_change",
                     LATER + timedelta(days=1), POLICY)
    assert all(line.code != "change_order" for line in q.lines)


# --- quota scopes ------------------------------------------------------------------------------

def test_products_share_a_quota_only_where_the_policy_groups_them():
    grouped = policy_with(no_reason_window__quota={"per_calendar_year": 1, "shared_by": [["ecs", "rds", "vhost"]]})
    assert grouped.no_reason.quota_products("rds") == ("ecs", "rds", "vhost")
    assert grouped.no_reason.quota_products("cdn") == ("cdn",)
    # Alibaba: 每个用户每个产品…一台实例 — each product its own; Huawei: one quota for the account.
    assert ALIBABA.no_reason.quota_products("rds") == ("rds",)
    assert load_policy(PROJECT_ROOT / "policies" / "huawei.yml").no_reason.quota_products("ecs") is None


def test_an_excluded_product_has_no_no_reason_window():
    strict = policy_with(no_reason_window__excluded_products=["ecs"])
    q = quote_refund(ctx(make_order()), "demand_change", IN_WINDOW, strict)
    assert q.rule == "standard" and "该产品不适用五天无理由退订" in q.explanation


# --- the no-reason quota counted by resources (Huawei) -----------------------------------------

BY_RESOURCES = policy_with(no_reason_window__quota={"per_calendar_year": 2, "scope": "account",
                                                    "counts": "resources", "whole_order_products": ["workspace"]})


def bundle(*resources: OrderResource) -> Order:
    return make_order("1000", resources=resources)


def test_the_dearest_resources_the_quota_covers_are_refunded_in_full():
    order = bundle(OrderResource("ecs-1", "ecs", None, D("600")), OrderResource("disk-1", "evs", "ecs-1", D("100")),
                   OrderResource("eip-1", "eip", None, D("200")), OrderResource("disk-2", "evs", None, D("100")))
    assert quota_units(order, BY_RESOURCES).weights == (D("700"), D("200"), D("100"))
    q = quote_refund(ctx(order, quota_used=1), "demand_change", IN_WINDOW, BY_RESOURCES)
    assert (q.rule, q.no_reason_instances) == ("no_reason_some_instances", 1)
    assert q.lines[0].amount == D("700.00")  # the server with its bound disk
    assert sum(line.amount for line in q.lines if line.code == "paid") == D("1000.00")


def test_resources_without_prices_share_the_order_equally_and_add_up_to_the_cent():
    order = replace(bundle(*(OrderResource(f"d{n}", "evs") for n in range(3))),
                    payments=(replace(make_order("1000").payments[0], cash=D("0.01"), gift_credit=D("999.99")),))
    q = quote_refund(ctx(order, quota_used=1), "demand_change", IN_WINDOW, BY_RESOURCES)
    paid = [line.amount for line in q.lines if line.code == "paid"]
    assert paid == [D("333.33"), D("666.67")] and q.refund_cash + q.refund_gift_credit == q.refund


def test_a_resource_bound_to_one_outside_the_order_is_its_own_unit():
    assert quota_units(bundle(OrderResource("disk-9", "evs", "ecs-elsewhere")), BY_RESOURCES).count == 1


def test_counting_by_instances_ignores_the_resources():
    order = replace(bundle(*(OrderResource(f"d{n}", "evs") for n in range(5))), quantity=2)
    assert quota_units(order, POLICY).count == 2 and quota_units(order, BY_RESOURCES).count == 5
    assert quota_units(replace(order, product_code="workspace"), BY_RESOURCES).count == 1


def test_a_resource_split_charges_monthly_and_hourly_use_by_the_shares():
    tencent_like = policy_with(no_reason_window__quota={"per_calendar_year": 1, "counts": "resources"},
                               standard_refund__consumption={"method": "monthly_plus_hourly", "unit": "hour"})
    order = bundle(OrderResource("a", "cvm", None, D("750")), OrderResource("b", "cbs", None, D("250")))
    whole = quote_refund(ctx(order, quota_used=1), "demand_change", IN_WINDOW, tencent_like)
    split = quote_refund(ctx(order), "demand_change", IN_WINDOW, tencent_like)
    consumed = [line.amount for line in split.lines if line.code == "consumed"]
    assert consumed == [(next(line.amount for line in whole.lines if line.code == "consumed") / 4).quantize(D("0.01"))]


# --- an upgrade before the refund: the base order's use and the upgrade's own, by provider --------

TENCENT = load_policy(PROJECT_ROOT / "policies" / "tencent.yml")
HUAWEI = load_policy(PROJECT_ROOT / "policies" / "huawei.yml")
UPGRADED = ACTIVATED + timedelta(days=73, minutes=30)  # 10:30 Beijing time


def upgrade_line(policy, used: timedelta, base: Order = None):
    upgrade = change("upgrade", "584", UPGRADED, 292)
    q = quote_refund(OrderContext(base or make_order("1200"), 10, changes=(upgrade,)), "demand_change",
                     UPGRADED + used, policy)
    return q, next(line for line in q.lines if line.code == "change_order")


def test_huawei_charges_the_upgrade_by_the_hour_from_the_hour_it_took_effect():
    q, line = upgrade_line(HUAWEI, timedelta(days=1, hours=8, minutes=10))  # 10:00 to 18:00 the next day
    # From 10:00 (it took effect at 10:30) to its end at 10:30 rounded up to 11:00: 292 days 1 hour.
    assert "已使用 32 小时（服务期共 7009 小时）" in line.label
    assert line.amount == D("584") - (D("584") * 32 / 7009).quantize(D("0.01"))


def test_alibaba_charges_the_upgrade_by_the_day_a_started_day_in_full():
    _, line = upgrade_line(ALIBABA, timedelta(hours=1))
    assert "已使用 1 天（服务期共 292 天）" in line.label and line.amount == D("582.00")


def test_tencent_charges_the_upgrade_by_the_hour_never_at_the_new_configurations_monthly_price():
    q, line = upgrade_line(TENCENT, timedelta(hours=1, minutes=1))
    assert "已使用 2 小时" in line.label and "按月单价" not in line.label
    assert line.amount == D("584") - (D("584") * 2 / (292 * 24)).quantize(D("0.01"))


def test_the_base_order_is_charged_for_all_its_time_not_only_until_the_upgrade():
    q, _ = upgrade_line(POLICY, timedelta(days=100))
    base_consumed = next(line for line in q.lines if line.code == "consumed")
    assert base_consumed.amount == -(D("1200") * 174 / 365).quantize(D("0.01"))  # day 174 of 365
