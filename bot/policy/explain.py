"""Plain-Chinese explanation of a quote, item by item."""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Sequence

from bot.clock import format_customer_date
from bot.money import format_yuan
from bot.policy.quote import ALTERNATIVE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from bot.billing.models import Order
    from bot.policy.quote import Quote

DESTINATION_LABELS = {
    "original_route": "原支付渠道（原路退回）",
    "account_balance": "您的账户余额",
    "gift_credit": "您的账户余额（以赠送金形式，可抵扣后续费用，不可提现）",
    "voucher": "您的账户（以代金券形式发放，可抵扣后续费用，不可提现）",
}

REFUSAL_REASONS = {
    "payg_not_refundable": "按量付费的资源是用多少付多少，已产生的费用不支持退款。",
    "unpaid_items": "该订单还有未支付的款项，暂时无法退订。",
    "promotional_no_refund": "该订单是促销活动订单，活动规则约定购买后不支持退订。",
    "transferred": "该资源已过户，过户后的资源不支持退订。",
    "expired": "该订单的服务期已经结束，没有剩余可退的部分。",
    "no_duplicate_found": "我们在账单中没有找到这笔订单的重复扣款记录。",
    "nothing_left": "扣除已使用部分和不可退费用后，可退金额为 0 元。",
    "no_fee_rule": "该订单的购买期限超出了手续费标准的适用范围，需要由审核人员人工核算退款金额。",
    "sla_met": "按故障记录计算，该实例当月可用性仍达到服务承诺，不产生 SLA 补偿。",
    "no_outage_record": "我们在申请期限内没有查到该实例的故障记录。",
    "not_a_downgrade": "所选配置的价格不低于当前配置，这属于升配，需要补差价而不是退款。",
    "downgrade_unavailable": "该资源暂不支持降配退款。",
    "package_not_refundable": "按政策，该类资源包购买后不支持退订。",
    "prices_missing": "计算已使用部分需要该订单的按量计费价格，账单中暂缺，需要由审核人员人工核算退款金额。",
}


# Why each kind of deduction applies, in plain words (keyed by QuoteLine.code).
DEDUCTION_REASONS = {
    "non_refundable_items": "配置变更费、增值服务费是一次性服务费用，服务已经提供，按政策不退。",
    "consumed": "已使用部分：从开通到申请时服务一直在为您运行，这段时间按已使用时长折算，只退剩余时间对应的金额。",
    "voucher": "代金券抵扣部分：代金券是平台赠送的优惠，不能兑换成现金，所以先从订单金额中扣除、不退现金。",
    "coupon": "优惠券抵扣部分：优惠券抵扣的金额不是您实际支付的钱，所以先从订单金额中扣除、不退现金。",
    "handling_fee": "手续费：超出无理由期限退订时，按实付金额（代金券部分不计）收取政策规定的比例。",
    "floor": "扣除后不足 0 元，按 0 元计，不会倒扣您的钱。",
    "returned": "已退还部分：这个订单此前的申请（降配差价或退款）已经退给您或正在退，同一笔钱不会退两次。",
}
SERVICE_ISSUE_NOTE = ("故障期间的时间也计入已使用部分，因为服务期按日历时间计算；故障造成的影响另行补偿："
                      "当月可用性低于服务承诺时发放 SLA 补偿代金券。")
LOSS_CLAIM = "如果故障给您造成了超出政策范围的损失，可以转人工客服申请赔偿，由专人评估。"


def deduction_reasons(line_codes: Sequence[str], reason: str) -> List[str]:
    """For a quote's deduction lines, why each applies; for a service problem, how the outage
    itself is compensated and that a person can assess a larger loss."""
    reasons = [f"· {DEDUCTION_REASONS[code]}" for code in dict.fromkeys(line_codes) if code in DEDUCTION_REASONS]
    if reason == "service_issue":
        if "consumed" in line_codes:
            waived = "" if "handling_fee" in line_codes else "本次因服务质量问题免收手续费。"
            reasons.append(f"· {SERVICE_ISSUE_NOTE}{waived}")
        reasons.append(LOSS_CLAIM)
    return reasons


def deduction_section(line_codes: Sequence[str], reason: str) -> List[str]:
    """「为什么这样扣：」 and the reasons, for an amount answer; nothing when nothing was deducted."""
    reasons = deduction_reasons(line_codes, reason)
    return ["为什么这样扣：", *reasons] if reasons else []


def explain(quote: "Quote", order: "Order", notes: Sequence[str]) -> str:
    """Compose the customer-facing explanation of `quote` for `order`."""
    head = f"订单 {order.order_id}（{order.product_name}）"
    parts: List[str] = []
    if not quote.eligible:
        parts.append(f"{head}暂不符合退款条件：{REFUSAL_REASONS[quote.rule]}")
        parts.extend(notes)
        parts.extend(_item_lines(quote))
        if quote.alternatives:
            parts.append("您可以：")
            parts.extend(f"· {ALTERNATIVE_LABELS[a]}" for a in quote.alternatives)
        return "\n".join(parts)

    parts.append(f"{head}适用规则：{quote.rule_label}。")
    parts.extend(notes)
    parts.extend(_item_lines(quote))
    if quote.destination == "voucher":
        parts.append(f"补偿金额：{format_yuan(quote.refund)}，以代金券形式发放到您的账户（可抵扣后续费用，不可提现）；"
                     "服务照常运行，不需要退订。")
    elif quote.refund == 0 and quote.target_spec:
        parts.append("按规则计算可退金额为 0 元：降配可以照常办理，但不退款。")
    elif quote.refund == 0 and not quote.vouchers_returned:
        parts.append("按规则计算可退金额为 0 元：可以照常退订（资源将被释放、停止计费），但不退款。")
    else:
        where = f"，退回{DESTINATION_LABELS[quote.destination]}" if quote.destination else ""
        parts.append(f"预计可退：{format_yuan(quote.refund)}{where}。")
    if quote.refund_gift_credit and quote.destination != "gift_credit":
        parts.append(
            f"其中现金 {format_yuan(quote.refund_cash)}，赠送金 {format_yuan(quote.refund_gift_credit)}"
            "（按支付时的比例退回，赠送金退回账户）。"
        )
    if quote.vouchers_returned:
        parts.append(f"另有 {format_yuan(quote.vouchers_returned)} 代金券将以代金券形式退回。")
    if quote.target_spec:
        parts.append(f"降配后实例保留、数据不受影响，配置变为「{quote.target_spec}」，到期时间不变。")
    if quote.sla_compensation:
        parts.append(
            f"该实例当月可用性为 {quote.sla_availability}%，低于服务承诺，"
            f"可获得 {format_yuan(quote.sla_compensation)} 的 SLA 补偿代金券（审核确认后发放）。"
        )
    if quote.needs_manager_approval:
        parts.append("退款金额较大，需要主管额外审批。")
    if quote.review_due and quote.refund == 0:
        done = "即按新配置运行" if quote.target_spec else "即完成退订"
        parts.append(f"审核预计在 {format_customer_date(quote.review_due)} 前完成，通过后{done}。")
    elif quote.review_due and quote.destination == "voucher":
        parts.append(f"审核预计在 {format_customer_date(quote.review_due)} 前完成，通过后代金券立即发放。")
    elif quote.review_due and quote.expected_arrival:
        parts.append(
            f"审核预计在 {format_customer_date(quote.review_due)} 前完成，"
            f"审核通过后预计 {format_customer_date(quote.expected_arrival)} 前到账。"
        )
    return "\n".join(parts)


def _item_lines(quote: "Quote") -> List[str]:
    lines = []
    for line in quote.lines:
        sign = "-" if line.amount < 0 else ""
        lines.append(f"· {line.label}：{sign}{format_yuan(abs(line.amount))}")
    return lines
