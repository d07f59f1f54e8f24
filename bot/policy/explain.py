"""Plain-Chinese explanation of a quote, item by item."""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Sequence

from bot.money import format_yuan
from bot.policy.quote import ALTERNATIVE_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from bot.billing.models import Order
    from bot.policy.quote import Quote

DESTINATION_LABELS = {
    "original_route": "原支付渠道（原路退回）",
    "account_balance": "您的账户余额",
}

REFUSAL_REASONS = {
    "payg_not_refundable": "按量付费的资源是用多少付多少，已产生的费用不支持退款。",
    "unpaid_items": "该订单还有未支付的款项，暂时无法退订。",
    "promotional_no_refund": "该订单是促销活动订单，活动规则约定购买后不支持退订。",
    "transferred": "该资源已过户，过户后的资源不支持退订。",
    "expired": "该订单的服务期已经结束，没有剩余可退的部分。",
    "no_duplicate_found": "我们在账单中没有找到这笔订单的重复扣款记录。",
    "nothing_left": "扣除已使用部分和不可退费用后，可退金额为 0 元。",
}


def format_date(day) -> str:
    """A date as customers read it: 2026年11月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


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
    parts.append(f"预计可退：{format_yuan(quote.refund)}，退回{DESTINATION_LABELS[quote.destination]}。")
    if quote.refund_gift_credit:
        parts.append(
            f"其中现金 {format_yuan(quote.refund_cash)}，赠送金 {format_yuan(quote.refund_gift_credit)}"
            "（按支付时的比例退回，赠送金退回账户）。"
        )
    if quote.vouchers_returned:
        parts.append(f"另有 {format_yuan(quote.vouchers_returned)} 代金券将以代金券形式退回。")
    if quote.sla_compensation:
        parts.append(
            f"该实例当月可用性为 {quote.sla_availability}%，低于服务承诺，"
            f"可获得 {format_yuan(quote.sla_compensation)} 的 SLA 补偿代金券（审核确认后发放）。"
        )
    if quote.needs_manager_approval:
        parts.append("退款金额较大，需要主管额外审批。")
    parts.append(
        f"审核预计在 {format_date(quote.review_due)} 前完成，"
        f"审核通过后预计 {format_date(quote.expected_arrival)} 前到账。"
    )
    return "\n".join(parts)


def _item_lines(quote: "Quote") -> List[str]:
    lines = []
    for line in quote.lines:
        sign = "-" if line.amount < 0 else ""
        lines.append(f"· {line.label}：{sign}{format_yuan(abs(line.amount))}")
    return lines
