"""The result of checking an order against the policy: an itemised, explainable quote."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Dict, Optional, Tuple

from bot.money import ZERO

# Customer-facing names of the rules and deduction lines (Chinese, shown in chat and tickets).
RULE_LABELS = {
    "no_reason_window": "五天无理由全额退订",
    "no_reason_some_instances": "名额内的部分五天无理由全额退订，其余按已使用时长折算",
    "unused_package": "资源包未使用，全额退订",
    "downgrade": "降配退款（保留资源，退还新旧配置差价）",
    "sla_compensation": "SLA 故障补偿（以代金券发放）",
    "sla_met": "当月可用性达到服务承诺",
    "no_outage_record": "未查到故障记录",
    "not_a_downgrade": "所选配置不低于当前配置",
    "downgrade_unavailable": "该资源暂不支持降配退款",
    "standard": "非全额退订（扣除已使用部分）",
    "unstarted_renewal": "未生效的续费订单全额退还",
    "duplicate_payment": "重复支付全额退还",
    "payg_not_refundable": "按量付费资源不支持退款",
    "unpaid_items": "订单存在未支付款项",
    "promotional_no_refund": "促销订单约定不支持退订",
    "transferred": "资源已过户",
    "expired": "服务已到期",
    "no_duplicate_found": "未找到重复扣款记录",
    "nothing_left": "可退金额为零",
    "no_fee_rule": "购买期限超出手续费标准，需人工核算",
    "package_not_refundable": "资源包不支持退订",
    "prices_missing": "缺少计算已使用部分的价格，需人工核算",
}

ALTERNATIVE_LABELS = {
    "release_resource": "在控制台释放该按量付费资源，释放后立即停止计费",
    "downgrade": "降低配置或缩短续费时长，减少后续费用",
    "manual_review": "仍然提交申请，由人工审核复核",
    "human": "转人工客服咨询",
    "pay_unpaid": "先结清未支付款项后再申请",
}


@dataclass(frozen=True)
class QuoteLine:
    """One row of the itemised amount. Deductions are negative."""

    code: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    """What the customer would get back for one order and reason, and why."""

    order_id: str
    reason: str
    eligible: bool
    rule: str
    paid: Decimal
    lines: Tuple[QuoteLine, ...]
    refund: Decimal
    refund_cash: Decimal = ZERO
    refund_gift_credit: Decimal = ZERO
    vouchers_returned: Decimal = ZERO
    destination: Optional[str] = None
    review_due: Optional[date] = None
    expected_arrival: Optional[date] = None
    needs_manager_approval: bool = False
    sla_compensation: Optional[Decimal] = None
    sla_availability: Optional[Decimal] = None
    alternatives: Tuple[str, ...] = field(default_factory=tuple)
    explanation: str = ""
    no_reason_instances: int = 0  # instances refunded under the no-reason quota
    # What the customer keeps or gets instead of money, for changes that keep the resource:
    # the new configuration of a downgrade; the month of an SLA claim ("2026-11").
    target_spec: Optional[str] = None
    sla_month: Optional[str] = None

    @property
    def rule_label(self) -> str:
        """The rule's Chinese name."""
        return RULE_LABELS[self.rule]

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly dict: amounts as strings with two places, dates ISO."""
        def convert(value: Any) -> Any:
            if isinstance(value, Decimal):
                return f"{value:.2f}"
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, (list, tuple)):
                return [convert(v) for v in value]
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            return value

        data = convert(asdict(self))
        data["rule_label"] = self.rule_label
        if self.sla_availability is not None:
            data["sla_availability"] = f"{self.sla_availability:.3f}"
        return data
