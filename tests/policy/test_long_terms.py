"""Terms of one to five years: each preset's handling-fee table answers every term it sells,
with the row and year of use at their boundaries, and a term the table leaves to a reviewer is
a labelled refusal that `make quote` prints (a 5-year order once crashed it with
`KeyError: 'no_fee_rule'`)."""
import json
from datetime import timedelta
from decimal import Decimal as D

import pytest

from bot.commands.quote import main
from bot.policy.config import PolicyError, load_policy
from bot.policy.engine import add_months, quote_refund
from bot.settings import PROJECT_ROOT
from tests.policy.factories import ACTIVATED, ctx, make_order
from tests.policy.test_order_kinds import policy_with

HUAWEI = load_policy(PROJECT_ROOT / "policies" / "huawei.yml")
DEFAULT = load_policy(PROJECT_ROOT / "policies" / "default.yml")
YEAR = timedelta(days=365)


def years(n: int):
    return make_order("6000", term_months=12 * n, expires_at=add_months(ACTIVATED, 12 * n))


def fee(term_years: int, used: timedelta, policy) -> D:
    q = quote_refund(ctx(years(term_years), quota_used=10), "demand_change", ACTIVATED + used, policy)
    assert q.rule in ("standard", "nothing_left"), q.rule  # the fee line is listed either way
    return next((line.amount for line in q.lines if line.code == "handling_fee"), D("0"))


@pytest.mark.parametrize("term, used, percent", [
    (1, YEAR - timedelta(days=1), 10),
    (2, YEAR, 15),                          # a full year used is still the first year
    (2, YEAR + timedelta(days=1), 10),
    (3, YEAR, 15), (3, 2 * YEAR, 10), (3, 2 * YEAR + timedelta(days=1), 5),
])
def test_huawei_fee_by_term_and_year_used(term, used, percent):
    assert fee(term, used, HUAWEI) == D("-6000") * percent / 100


@pytest.mark.parametrize("term", [4, 5])
def test_huawei_four_and_five_year_orders_go_to_a_reviewer_with_their_reason(term):
    q = quote_refund(ctx(years(term), quota_used=10), "demand_change", ACTIVATED + 2 * YEAR, HUAWEI)
    assert (q.eligible, q.rule, q.rule_label) == (False, "no_fee_rule", "购买期限超出手续费标准，需人工核算")
    assert "manual_review" in q.alternatives and "人工核算" in q.explanation


def test_our_own_table_answers_every_year_of_a_five_year_order():
    assert [fee(5, n * YEAR + timedelta(days=1), DEFAULT) for n in range(5)] == [
        D("-900.00"), D("-720.00"), D("-600.00"), D("-480.00"), D("-300.00")]  # 15 12 10 8 5 %


def test_make_quote_prints_a_five_year_refusal_instead_of_crashing(tmp_path, capsys):
    order = {"order_id": "2026030400015555", "product_code": "ecs", "term_months": 60,
             "activated_at": "2026-03-04T10:00:00+08:00", "expires_at": "2031-03-04T10:00:00+08:00",
             "items": [{"amount": "6000"}], "payments": [{"paid_at": "2026-03-04T10:00:00+08:00", "cash": "6000"}],
             "no_reason_refunds_this_year": 10}
    path = tmp_path / "five_years.json"
    path.write_text(json.dumps(order), encoding="utf-8")
    code = main(["--order-file", str(path), "--reason", "demand_change", "--at", "2027-06-01T10:00:00+08:00",
                 "--policy", str(PROJECT_ROOT / "policies" / "huawei.yml")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and (out["rule"], out["rule_label"]) == ("no_fee_rule", "购买期限超出手续费标准，需人工核算")


def test_a_fee_row_is_either_percentages_or_left_to_a_reviewer():
    with pytest.raises(PolicyError, match="not both"):
        policy_with(standard_refund__handling_fee={"tiers": [
            {"term_months_max": 60, "percent_by_year": [5], "reviewer_computes": True}]})
    with pytest.raises(PolicyError, match="same term_months_max"):
        policy_with(standard_refund__handling_fee={"tiers": [
            {"term_months_max": 12, "percent_by_year": [5]}, {"term_months_max": 12, "percent_by_year": [6]}]})
    with pytest.raises(PolicyError, match="between 1 and 120"):
        policy_with(standard_refund__handling_fee={"tiers": [{"term_months_max": 0, "percent_by_year": [5]}]})


def test_several_instances_outside_the_quota_with_a_fee_left_to_a_reviewer_go_to_the_reviewer():
    three = make_order("9000", quantity=3, term_months=48, expires_at=add_months(ACTIVATED, 48))
    q = quote_refund(ctx(three, quota_used=8), "demand_change", ACTIVATED + timedelta(days=2), HUAWEI)
    assert (q.eligible, q.rule) == (False, "no_fee_rule")
