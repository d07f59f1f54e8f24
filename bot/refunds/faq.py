"""The active refund policy summarised in plain Chinese, read from the policy file itself."""
from __future__ import annotations

from bot.money import format_yuan
from bot.policy.config import Policy
from bot.policy.explain import DESTINATION_LABELS


def policy_summary(policy: Policy) -> str:
    """What a customer should know about the refund policy, generated from `policy`."""
    window = policy.no_reason
    lines = [f"我们的退款政策（{policy.name}）要点："]
    if window.enabled:
        if window.calendar_days:
            length = f"开通后 {window.calendar_days} 天内（含开通当天）"
        else:
            hours = int(window.length.total_seconds() // 3600)
            length = f"开通后 {hours // 24} 天（{hours} 小时）内" if hours % 24 == 0 else f"开通后 {hours} 小时内"
        scope = "每个产品" if window.quota_scope == "product" else "每个账号"
        vouchers = "代金券以代金券形式退回" if window.returns_vouchers else "代金券、优惠券抵扣的部分不退"
        lines.append(f"· 无理由退订：新购的包年包月资源{length}可全额退还实付金额，{scope}每年 {window.quota} 次；{vouchers}。")
    lines.append("· 超出无理由期限：按已使用时长折算，退还剩余部分，再扣除不可退费用和手续费，最低为 0 元。")
    fee_tiers = policy.standard.fee_tiers
    if fee_tiers:
        shown = "；".join(
            f"{t.term_months_max} 个月以内期限 " + "/".join(f"{p:g}%" for p in t.percent_by_year)
            for t in fee_tiers)
        lines.append(f"· 手续费（按期限及已使用年数）：{shown}。")
    lines.append("· 按量付费资源不支持退款，释放资源后即停止计费。")
    if "promotional_no_refund" in policy.exclusions:
        lines.append("· 活动规则注明不可退订的促销订单、已过户资源、有未支付款项的订单不支持退订。")
    lines.append("· 重复扣款核实后全额退回；未生效的续费订单可全额退还。")
    lines.append(f"· 退款去向：默认{DESTINATION_LABELS[policy.default_destination]}，"
                 f"已开票订单退回{DESTINATION_LABELS[policy.invoiced_destination]}。")
    timing = policy.timing
    lines.append(f"· 时效：审核约 {timing.review_working_days} 个工作日；原路退回约 "
                 f"{timing.payout_working_days['original_route']} 个工作日到账。")
    if policy.manager_approval_above is not None:
        lines.append(f"· 单笔退款超过 {format_yuan(policy.manager_approval_above)} 需主管额外审批。")
    lines.append("· 需要的材料：订单号；服务故障请提供发生时间、实例和截图/日志；重复扣款请提供两笔交易记录。")
    lines.append("想知道某个订单具体能退多少，直接说「我要退款」，我来帮您试算。")
    return "\n".join(lines)
