"""Each deduction is explained with its rule; an outage says how it is compensated instead."""
from bot.policy.explain import LOSS_CLAIM, deduction_reasons


def test_every_deduction_gets_its_reason_once():
    reasons = deduction_reasons(["consumed", "voucher", "handling_fee", "voucher"], "demand_change")
    assert len(reasons) == 3
    assert "已使用部分" in reasons[0] and "代金券" in reasons[1] and "手续费" in reasons[2]
    assert LOSS_CLAIM not in reasons


def test_an_outage_explains_why_used_time_is_still_charged_and_offers_a_person():
    reasons = deduction_reasons(["consumed"], "service_issue")
    assert any("SLA 补偿" in r and "免收手续费" in r for r in reasons)
    assert reasons[-1] == LOSS_CLAIM


def test_a_fee_that_was_charged_is_not_called_waived():
    reasons = deduction_reasons(["consumed", "handling_fee"], "service_issue")
    assert not any("免收手续费" in r for r in reasons)


def test_nothing_deducted_nothing_to_explain():
    assert deduction_reasons([], "demand_change") == []
